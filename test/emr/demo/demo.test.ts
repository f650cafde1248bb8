import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBundle } from '../../../src-main/emr/fhir';
import { assertSafeHarbor, deidentify } from '../../../src-main/emr/deid';
import { DEMO_BUNDLE_FILES, demoBundleFiles, loadDemoBundles } from '../../../src-main/emr/demo/index';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const sharedDir = path.resolve(repoRoot, '../shared/data/fhir');
/** The module under test's folder, where the bundles and their NOTICE.md ship. */
const moduleDir = path.join(repoRoot, 'src-main/emr/demo');

describe('demo bundles', () => {
  it('resolves three absolute paths inside the project, next to the module', () => {
    const files = demoBundleFiles();
    expect(files).toHaveLength(3);
    for (const f of files) {
      expect(path.isAbsolute(f)).toBe(true);
      expect(f.startsWith(path.join(moduleDir, 'bundles') + path.sep)).toBe(true);
      expect(existsSync(f)).toBe(true);
    }
  });

  it('are byte-for-byte copies of the shared Synthea files, with hashes recorded in NOTICE.md', () => {
    const notice = readFileSync(path.join(moduleDir, 'NOTICE.md'), 'utf8');
    expect(notice).toContain('25ac8089f0464b8673c7669509dc0bb8f4883773');
    expect(notice).toMatch(/Apache License 2\.0/);
    expect(notice).toContain("Copyright 2018 Boston Children's Hospital");
    for (const [i, f] of demoBundleFiles().entries()) {
      const mine = readFileSync(f);
      const hash = createHash('sha256').update(mine).digest('hex');
      expect(notice).toContain(DEMO_BUNDLE_FILES[i]);
      expect(notice).toContain(hash);
      const shared = path.join(sharedDir, DEMO_BUNDLE_FILES[i]);
      if (existsSync(shared)) expect(mine.equals(readFileSync(shared))).toBe(true);
    }
  });

  it('load, parse and de-identify cleanly', () => {
    const demo = loadDemoBundles();
    expect(demo.map((d) => d.name)).toEqual(['Clemente Kreiger', 'Milan Beatty', 'Laurie McCullough']);
    for (const d of demo) {
      const { resources, patientIds } = parseBundle(d.bundle);
      expect(patientIds).toHaveLength(1);
      const out = deidentify(resources, { pseudonymKey: new Uint8Array(32).fill(1), entityId: 'demo-research', purpose: 'HRESCH' });
      expect(assertSafeHarbor(out.resources, resources)).toEqual([]);
    }
  });
});
