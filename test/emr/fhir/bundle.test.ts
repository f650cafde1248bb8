import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as fhir4 from 'fhir/r4';
import { groupByPatient, parseBundle, parseReference, patientOf, referencesOf, resourceKey, toBundle } from '../../../src-main/emr/fhir/index';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = path.resolve(repoRoot, '../shared/data/fhir');
const files = readdirSync(dataDir).filter((f) => f.endsWith('.json')).sort();
const load = (prefix: string) => JSON.parse(readFileSync(path.join(dataDir, files.find((f) => f.startsWith(prefix))!), 'utf8')) as fhir4.Bundle;

describe('parseBundle on the Synthea bundles', () => {
  it('finds the five developer bundles', () => {
    expect(files.length).toBe(5);
  });

  for (const f of files) {
    it(`${f.split('_').slice(0, 2).join(' ')}: resolves every urn:uuid reference to Type/id`, () => {
      const raw = readFileSync(path.join(dataDir, f), 'utf8');
      const json = JSON.parse(raw) as fhir4.Bundle;
      const { resources, patientIds } = parseBundle(json);
      expect(JSON.stringify(json)).toBe(JSON.stringify(JSON.parse(raw))); // input not mutated
      expect(resources.length).toBe(json.entry!.length);
      expect(patientIds).toHaveLength(1);
      expect(resources.find((r) => r.resourceType === 'Patient')!.id).toBe(patientIds[0]);

      const keys = new Set(resources.map(resourceKey));
      let literal = 0;
      for (const r of resources) {
        for (const ref of referencesOf(r)) {
          expect(ref.startsWith('urn:uuid:')).toBe(false);
          if (ref.startsWith('#')) continue;
          if (/^[A-Z][A-Za-z]+\?/.test(ref)) continue; // Synthea conditional reference: left as is
          expect(keys.has(ref), `${resourceKey(r)} -> ${ref}`).toBe(true);
          literal++;
        }
      }
      expect(literal).toBeGreaterThan(resources.length - 5);
    });
  }

  it('leaves conditional references as they are', () => {
    const { resources } = parseBundle(load('Bob965'));
    const enc = resources.find((r) => r.resourceType === 'Encounter') as fhir4.Encounter;
    expect(enc.serviceProvider!.reference).toMatch(/^Organization\?identifier=https:\/\/github.com\/synthetichealth\/synthea\|/);
    expect(enc.subject!.reference).toBe(`Patient/${resources[0].id}`);
  });

  it('accepts a JSON string and parses a 700 KB bundle well under 100 ms', () => {
    const raw = readFileSync(path.join(dataDir, files.find((f) => f.startsWith('Bob965'))!), 'utf8');
    const json = JSON.parse(raw);
    expect(parseBundle(raw).resources.length).toBe(238);
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      parseBundle(json);
      best = Math.min(best, performance.now() - t);
    }
    expect(best).toBeLessThan(100);
  });
});

describe('parseBundle rejects malformed input with a clear error', () => {
  const ok = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', id: 'p1' } }] };
  const cases: [string, unknown, RegExp][] = [
    ['null', null, /expected a JSON object/],
    ['an array', [], /expected a JSON object/],
    ['a Patient', { resourceType: 'Patient', id: 'x' }, /expected resourceType "Bundle", got "Patient"/],
    ['invalid JSON text', '{"resourceType": "Bundle",', /not valid JSON/],
    ['a document bundle', { ...ok, type: 'document' }, /invalid FHIR Bundle: type/],
    ['a bundle without type', { resourceType: 'Bundle', entry: [] }, /invalid FHIR Bundle: type/],
    ['entry not an array', { ...ok, entry: {} }, /invalid FHIR Bundle: entry/],
    ['an entry without resource', { ...ok, entry: [{ fullUrl: 'urn:uuid:1' }] }, /entry\.0\.resource/],
    ['a resource without id', { ...ok, entry: [{ resource: { resourceType: 'Patient' } }] }, /entry\.0\.resource\.id/],
    ['a resource without resourceType', { ...ok, entry: [{ resource: { id: 'a' } }] }, /entry\.0\.resource\.resourceType/],
    ['an invalid id', { ...ok, entry: [{ resource: { resourceType: 'Patient', id: 'has space' } }] }, /entry\.0\.resource\.id: id must be a FHIR id/],
    ['duplicate resources', { ...ok, entry: [ok.entry[0], { resource: { resourceType: 'Patient', id: 'p1' } }] }, /duplicate resource Patient\/p1/],
    ['duplicate fullUrls', { ...ok, entry: [ok.entry[0], { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', id: 'p2' } }] }, /duplicate fullUrl urn:uuid:1/],
  ];
  for (const [what, input, re] of cases) {
    it(`rejects ${what}`, () => {
      expect(() => parseBundle(input)).toThrow(/^parseBundle: /);
      expect(() => parseBundle(input)).toThrow(re);
    });
  }

  it('accepts transaction, batch, collection and searchset, and an empty bundle', () => {
    for (const type of ['transaction', 'batch', 'collection', 'searchset']) expect(parseBundle({ ...ok, type }).patientIds).toEqual(['p1']);
    expect(parseBundle({ resourceType: 'Bundle', type: 'searchset' })).toEqual({ resources: [], patientIds: [] });
  });

  it('rewrites references anywhere in the tree, including contained resources and extensions', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:aaa', resource: { resourceType: 'Patient', id: 'p' } },
        { fullUrl: 'http://x.org/fhir/Practitioner/d', resource: { resourceType: 'Practitioner', id: 'd' } },
        {
          fullUrl: 'urn:uuid:bbb',
          resource: {
            resourceType: 'ExplanationOfBenefit', id: 'e',
            contained: [{ resourceType: 'Coverage', id: 'c', beneficiary: { reference: 'urn:uuid:aaa' } }],
            extension: [{ url: 'http://e', valueReference: { reference: 'http://x.org/fhir/Practitioner/d' } }],
            patient: { reference: 'urn:uuid:aaa' },
            insurance: [{ coverage: { reference: '#c' } }],
            provider: { reference: 'urn:uuid:not-in-bundle' },
          },
        },
      ],
    };
    const { resources } = parseBundle(b);
    expect(referencesOf(resources[2])).toEqual(['Patient/p', 'Practitioner/d', '#c', 'urn:uuid:not-in-bundle']);
    expect(b.entry[2].resource.patient!.reference).toBe('urn:uuid:aaa'); // input untouched
  });
});

describe('groupByPatient, patientOf, parseReference', () => {
  it('assigns every clinical and financial resource to the patient; Organization and Practitioner are shared', () => {
    const { resources, patientIds } = parseBundle(load('Milan'));
    const g = groupByPatient(resources);
    expect([...g.byPatient.keys()]).toEqual(patientIds);
    const mine = g.byPatient.get(patientIds[0])!;
    expect(g.shared.map((r) => r.resourceType).sort()).toEqual(['Organization', 'Practitioner']);
    expect(mine.length + g.shared.length).toBe(resources.length);
    for (const t of ['Claim', 'ExplanationOfBenefit', 'Immunization', 'Encounter', 'Observation', 'CarePlan', 'Goal']) {
      expect(mine.some((r) => r.resourceType === t), t).toBe(true);
    }
  });

  it('uses subject, patient, beneficiary and Provenance.target', () => {
    expect(patientOf({ resourceType: 'Coverage', id: 'c', status: 'active', beneficiary: { reference: 'Patient/7' }, payor: [] } as fhir4.Coverage)).toBe('7');
    expect(patientOf({ resourceType: 'Provenance', id: 'v', recorded: '2020-01-01T00:00:00Z', agent: [], target: [{ reference: 'Encounter/1' }, { reference: 'Patient/9' }] })).toBe('9');
    expect(patientOf({ resourceType: 'Observation', id: 'o', status: 'final', code: {}, subject: { reference: 'Group/1' } })).toBeUndefined();
  });

  it('parses literal references and refuses conditional ones', () => {
    expect(parseReference('Patient/abc')).toEqual({ type: 'Patient', id: 'abc' });
    expect(parseReference('https://h.org/fhir/Observation/o-1/_history/2')).toEqual({ type: 'Observation', id: 'o-1' });
    expect(parseReference('Organization?identifier=x|y')).toBeUndefined();
    expect(parseReference('#contained')).toBeUndefined();
    expect(parseReference('urn:uuid:1234')).toBeUndefined();
  });
});

describe('toBundle', () => {
  for (const type of ['collection', 'transaction'] as const) {
    it(`round-trips the parsed resources as a ${type} bundle`, () => {
      const { resources, patientIds } = parseBundle(load('Laurie'));
      const b = toBundle(resources, type);
      expect(b.resourceType).toBe('Bundle');
      expect(b.type).toBe(type);
      const urls = b.entry!.map((e) => e.fullUrl!);
      expect(new Set(urls).size).toBe(resources.length);
      for (const u of urls) expect(u).toMatch(/^https:\/\/[^/]+\/fhir\/[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+$/);
      if (type === 'transaction') expect(b.entry![0].request).toEqual({ method: 'PUT', url: resourceKey(resources[0]) });
      else expect(b.entry![0].request).toBeUndefined();
      const again = parseBundle(JSON.parse(JSON.stringify(b)));
      expect(again.resources).toEqual(resources);
      expect(again.patientIds).toEqual(patientIds);
    });
  }

  it('marks searchset entries as matches and uses a custom base', () => {
    const b = toBundle([{ resourceType: 'Patient', id: 'p' }], 'searchset', { base: 'http://h.org/fhir/' });
    expect(b.total).toBe(1);
    expect(b.entry![0]).toMatchObject({ fullUrl: 'http://h.org/fhir/Patient/p', search: { mode: 'match' } });
  });

  it('resourceKey needs an id', () => {
    expect(resourceKey({ resourceType: 'Patient', id: 'x' })).toBe('Patient/x');
    expect(() => resourceKey({ resourceType: 'Patient' })).toThrow(/no id/);
  });
});
