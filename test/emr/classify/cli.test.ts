import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src-main/cli/main';
import type { CliIO } from '../../../src-main/cli/io';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const FHIR = path.resolve(repoRoot, '../shared/data/fhir');
const tmp = mkdtempSync(path.join(tmpdir(), 'trichain-classify-'));

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {}, passphrase: async () => '' };
}
function write(name: string, content: string): string {
  const f = path.join(tmp, name);
  writeFileSync(f, content);
  return f;
}

const hivObs = { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'HIV 1 RNA viral load' } };
const bundle = {
  resourceType: 'Bundle', type: 'collection',
  entry: [
    { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Condition', id: 'c1', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F33.1', display: 'Major depressive disorder, recurrent, moderate' }] } } },
    { fullUrl: 'urn:uuid:2', resource: { resourceType: 'Claim', id: 'cl1', diagnosis: [{ sequence: 1, diagnosisReference: { reference: 'urn:uuid:1' } }] } },
    { fullUrl: 'urn:uuid:3', resource: { resourceType: 'Patient', id: 'p1' } },
  ],
};

describe('trichain classify (in-process)', () => {
  it('prints one entry per bundle resource as JSON', async () => {
    const io = capture();
    expect(await main(['classify', write('b.json', JSON.stringify(bundle))], io)).toBe(0);
    expect(io.stderr).toEqual([]);
    const out = JSON.parse(io.stdout.join('\n'));
    expect(out).toHaveLength(3);
    expect(Object.keys(out[0]).sort()).toEqual(['category', 'confidentiality', 'id', 'reasons', 'resourceType', 'sensitivity']);
    expect(out[0]).toMatchObject({ resourceType: 'Condition', id: 'c1', category: 'condition', confidentiality: 'R' });
    expect(out[0].sensitivity).toEqual(expect.arrayContaining(['PSY', 'BH']));
    expect(out[1]).toMatchObject({ resourceType: 'Claim', category: 'financial', confidentiality: 'R' });
    expect(out[1].reasons.some((r: { rule: string }) => r.rule === 'reference')).toBe(true);
    // Each reason also reads as a sentence (the same words the app shows), the rule id kept beside it.
    expect(out[0].reasons.find((r: { label: string }) => r.label === 'PSY')?.why).toMatch(/^Mental health \(PSY\): The condition's /);
    expect(out[2]).toMatchObject({ resourceType: 'Patient', sensitivity: [], confidentiality: 'N', category: 'demographics' });
  });

  it('a single resource gives a one-element array', async () => {
    const io = capture();
    expect(await main(['classify', write('r.json', JSON.stringify(hivObs))], io)).toBe(0);
    const out = JSON.parse(io.stdout.join('\n'));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ resourceType: 'Observation', id: 'o1', sensitivity: ['HIV'], confidentiality: 'R' });
  });

  it.each([
    ['malformed JSON', () => write('bad.json', '{"resourceType": "Bundle", '), /not valid JSON/],
    ['missing file', () => path.join(tmp, 'nope.json'), /cannot read/],
    ['not a resource', () => write('arr.json', '[1,2]'), /not a FHIR resource/],
    ['bad entry', () => write('be.json', JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: 5 }] })), /entry\[0\]/],
  ])('%s: message on stderr, exit 1, nothing on stdout', async (_n, file, msg) => {
    const io = capture();
    expect(await main(['classify', file()], io)).toBe(1);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n')).toMatch(msg);
  });

  it('usage error without a file', async () => {
    const io = capture();
    expect(await main(['classify'], io)).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n')).toMatch(/usage/);
  });
});

describe('trichain classify (child process)', () => {
  const run = promisify(execFile);
  it('node bin/trichain.mjs classify FILE prints JSON on stdout', async () => {
    const file = existsSync(FHIR)
      ? path.join(FHIR, readdirSync(FHIR).find((f) => f.startsWith('Milan'))!)
      : write('b2.json', JSON.stringify(bundle));
    const { stdout } = await run(process.execPath, [path.join(repoRoot, 'bin/trichain.mjs'), 'classify', file], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    const out = JSON.parse(stdout) as { resourceType: string; sensitivity: string[] }[];
    expect(out.length).toBeGreaterThan(2);
    expect(out.some((e) => e.sensitivity.includes('PSY'))).toBe(true);
  });
  it('exit code 1 and stderr for a malformed file', async () => {
    const bad = write('bad2.json', 'not json');
    const err = await run(process.execPath, [path.join(repoRoot, 'bin/trichain.mjs'), 'classify', bad], { cwd: repoRoot }).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stdout).toBe('');
    expect(err?.stderr).toMatch(/not valid JSON/);
  });
});
