import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as fhir4 from 'fhir/r4';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from '../../../src-main/codec/hex';
import { HCS_SYSTEMS } from '../../../src-main/emr/labels';
import { parseBundle, referencesOf, resourceKey } from '../../../src-main/emr/fhir';
import {
  AGE_90_OR_OLDER,
  CSV_COLUMNS,
  DEID_SYSTEMS,
  SAFE_HARBOR_KINDS,
  assertSafeHarbor,
  deidentify,
  generalizeZip,
  packageRows,
  packageToCsv,
  patientPseudonym,
  pseudonym,
  type DeidOptions,
} from '../../../src-main/emr/deid/index';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = path.resolve(repoRoot, '../shared/data/fhir');
const files = readdirSync(dataDir).filter((f) => f.endsWith('.json')).sort();
const parsed = new Map(files.map((f) => [f, parseBundle(JSON.parse(readFileSync(path.join(dataDir, f), 'utf8')))]));
const bundle = (prefix: string) => parsed.get(files.find((f) => f.startsWith(prefix))!)!;

const KEY = new Uint8Array(32).map((_, i) => i + 1);
const NOW = new Date('2025-06-01T00:00:00Z');
const opts = (entityId = 'insurer-a', extra: Partial<DeidOptions> = {}): DeidOptions => ({ pseudonymKey: KEY, entityId, purpose: 'HRESCH', now: NOW, ...extra });

/** Everything a recipient can read: the JSON plus every base64 attachment decoded. */
function readable(resources: readonly fhir4.FhirResource[]): string {
  const parts = [JSON.stringify(resources)];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (typeof o.data === 'string') parts.push(Buffer.from(o.data, 'base64').toString('utf8'));
      Object.values(o).forEach(visit);
    }
  };
  visit(resources);
  return parts.join('\n');
}

/** The identifying strings of a bundle's patient, straight from the original Patient resource. */
function identifiersOf(p: fhir4.Patient): string[] {
  const out: string[] = [];
  for (const n of p.name ?? []) out.push(...(n.given ?? []), n.family ?? '');
  for (const a of p.address ?? []) out.push(...(a.line ?? []), a.city ?? '', a.postalCode ?? '');
  for (const t of p.telecom ?? []) out.push(t.value ?? '');
  for (const i of p.identifier ?? []) out.push(i.value ?? '');
  out.push(p.birthDate!, p.id!);
  const maiden = p.extension?.find((e) => e.url.endsWith('patient-mothersMaidenName'))?.valueString;
  if (maiden) out.push(...maiden.split(' '));
  const birthCity = p.extension?.find((e) => e.url.endsWith('patient-birthPlace'))?.valueAddress?.city;
  if (birthCity) out.push(birthCity);
  return out.filter((s) => s.length > 0);
}

describe('Safe Harbor on every Synthea bundle', () => {
  for (const f of files) {
    const label = f.split('_').slice(0, 2).join(' ');
    it(`${label}: no finding, and none of the patient's identifiers survive`, () => {
      const { resources } = parsed.get(f)!;
      const before = JSON.stringify(resources);
      const { resources: out, report } = deidentify(resources, opts());
      expect(JSON.stringify(resources)).toBe(before); // originals untouched

      expect(assertSafeHarbor(out, resources, { now: NOW })).toEqual([]);

      const patient = resources.find((r) => r.resourceType === 'Patient') as fhir4.Patient;
      const text = readable(out).toLowerCase();
      const ids = identifiersOf(patient);
      expect(ids.length).toBeGreaterThanOrEqual(12); // names, line, city, ZIP, phone, SSN, MRN, DL, passport, birth date...
      for (const s of ids) expect(text.includes(s.toLowerCase()), `leaked: ${s}`).toBe(false);
      expect(text).not.toMatch(/\b\d{3}-\d{2}-\d{4}\b/); // SSN-like
      expect(text).not.toMatch(/\b\d{4}-(0[1-9]|1[0-2])\b/); // any YYYY-MM / YYYY-MM-DD
      expect(text).not.toMatch(/urn:uuid:/);

      // Every original resource id is gone, replaced by a 32-hex pseudonym.
      for (const r of resources) expect(text.includes(r.id!.toLowerCase())).toBe(false);
      for (const r of out) expect(r.id).toMatch(/^[0-9a-f]{32}$/);

      // Labels and meta.
      for (const r of out) {
        expect(r.meta!.security).toContainEqual(expect.objectContaining({ system: HCS_SYSTEMS.confidentiality, code: 'L' }));
        expect(r.meta!.tag).toEqual([{ system: DEID_SYSTEMS.purpose, code: 'HRESCH' }]);
        expect(r.meta!.lastUpdated ?? r.meta!.versionId ?? r.meta!.source).toBeUndefined();
        expect((r as { text?: unknown }).text).toBeUndefined();
      }
      const p = out.find((r) => r.resourceType === 'Patient') as fhir4.Patient;
      expect(p.birthDate).toBe(patient.birthDate!.slice(0, 4));
      expect(p.name ?? p.telecom ?? p.identifier ?? p.contact ?? p.photo).toBeUndefined();
      for (const a of p.address ?? []) expect(Object.keys(a).sort()).toEqual(expect.arrayContaining(['postalCode', 'state']));
      expect(p.address![0].postalCode).toBe(patient.address![0].postalCode!.slice(0, 3));
      expect(report.patients).toEqual([{ pseudonym: p.id, ageOver89: false }]);

      // Report: the 18 kinds, and what this patient had.
      expect(Object.keys(report.identifiers)).toEqual([...SAFE_HARBOR_KINDS]);
      expect(report.identifiers.names.removed).toBeGreaterThanOrEqual(1);
      expect(report.identifiers.ssn.removed).toBeGreaterThanOrEqual(1);
      expect(report.identifiers.mrn.removed).toBeGreaterThanOrEqual(1);
      expect(report.identifiers.certificateLicense.removed).toBeGreaterThanOrEqual(2); // driver's licence + passport
      expect(report.identifiers.telephone.removed).toBeGreaterThanOrEqual(1);
      expect(report.identifiers.geographic.removed).toBeGreaterThanOrEqual(2);
      expect(report.identifiers.geographic.generalized).toBeGreaterThanOrEqual(1);
      expect(report.identifiers.dates.generalized).toBeGreaterThan(resources.length);
      expect(report.resourcesOut).toBe(out.length);
      expect(report.resourcesIn).toBe(resources.length);
      expect(report.freeText.policy).toMatch(/Narratives/);
    });
  }

  it('keeps references consistent inside the package', () => {
    const { resources } = bundle('Milan');
    const { resources: out } = deidentify(resources, opts());
    const outKeys = new Set(out.map(resourceKey));
    const inKeys = new Set(resources.map(resourceKey));
    let resolvedIn = 0;
    for (const r of resources) for (const ref of referencesOf(r)) if (inKeys.has(ref)) resolvedIn++;
    let resolvedOut = 0;
    for (const r of out) for (const ref of referencesOf(r)) if (outKeys.has(ref)) resolvedOut++;
    expect(resolvedOut).toBe(resolvedIn);
    expect(resolvedOut).toBeGreaterThan(500);
    // The Patient/pseudonym every resource points to is the Patient resource of the package.
    const p = out.find((r) => r.resourceType === 'Patient')!;
    const cond = out.find((r) => r.resourceType === 'Condition') as fhir4.Condition;
    expect(cond.subject.reference).toBe(`Patient/${p.id}`);
  });

  it('pseudonymizes conditional references and drops person/organization displays (HIV bundle)', () => {
    const { resources } = bundle('Bob965');
    const { resources: out, report } = deidentify(resources, opts());
    const enc = out.find((r) => r.resourceType === 'Encounter') as fhir4.Encounter;
    expect(enc.participant![0].individual).toEqual({ reference: expect.stringMatching(/^Practitioner\/[0-9a-f]{32}$/) });
    expect(enc.serviceProvider).toEqual({ reference: expect.stringMatching(/^Organization\/[0-9a-f]{32}$/) });
    expect(report.references.conditionalPseudonymized).toBeGreaterThan(100);
    expect(report.dropped).toEqual({ Provenance: 1 });
    const txt = readable(out);
    expect(txt).not.toMatch(/Ronny|Block661|PCP103937|us-npi|9999955949/);
    // Notes are kept, scrubbed: the clinical content survives, the name does not.
    const doc = out.find((r) => r.resourceType === 'DocumentReference') as fhir4.DocumentReference;
    const note = Buffer.from(doc.content[0].attachment.data!, 'base64').toString('utf8');
    expect(note).toContain('[NAME]\n is a newborn');
    expect(note).toContain('is an alcoholic');
    expect(note.trimStart().startsWith('1991\n')).toBe(true);
    expect(doc.content[0].attachment.size).toBe(Buffer.byteLength(note));
    expect(report.freeText.attachmentsScrubbed).toBe(64); // 32 DocumentReferences + 32 DiagnosticReport.presentedForm
    expect(report.freeText.replacements.name).toBeGreaterThanOrEqual(64);
  });
});

describe('ages over 89, ZIP3 and other generalizations', () => {
  const old: fhir4.Patient = {
    resourceType: 'Patient',
    id: 'old-1',
    name: [{ family: 'Oldfield', given: ['Agatha'] }],
    birthDate: '1920-03-15',
    gender: 'female',
    multipleBirthInteger: 2,
    address: [{ line: ['1 Elm St'], city: 'Lebanon', state: 'NH', postalCode: '03601', country: 'US' }],
    extension: [
      { url: 'http://synthetichealth.github.io/synthea/quality-adjusted-life-years', valueDecimal: 99.5 },
      { url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName', valueString: 'Hildegard Smythe' },
    ],
    maritalStatus: { text: 'Widowed' },
  };
  const young: fhir4.Patient = { resourceType: 'Patient', id: 'young-1', birthDate: '1936-12-31', address: [{ postalCode: '89012-3456', state: 'NV' }] };

  it('groups a patient born in 1920: birthDate removed, "90 or older" flag, life-years extension removed', () => {
    const { resources, report } = deidentify([old], opts());
    const p = resources[0] as fhir4.Patient;
    expect(p.birthDate).toBeUndefined();
    expect(p.extension).toEqual([{ url: DEID_SYSTEMS.ageGroupExtension, valueString: AGE_90_OR_OLDER }]);
    expect(report.patients[0].ageOver89).toBe(true);
    expect(JSON.stringify(p)).not.toMatch(/1920|Oldfield|Agatha|Hildegard|Smythe|Elm|Lebanon|99\.5/);
    expect(p.multipleBirthBoolean).toBe(true);
    expect(p.multipleBirthInteger).toBeUndefined();
    expect(p.maritalStatus).toEqual({ text: 'Widowed' }); // kept: not one of the 18
    expect(assertSafeHarbor(resources, [old], { now: NOW })).toEqual([]);
    // The checker catches a birth year that implies an age over 89.
    const leaky = { ...p, birthDate: '1920' };
    expect(assertSafeHarbor([leaky], [old], { now: NOW }).map((f) => f.kind)).toContain('age');
  });

  it('keeps the birth year when the age cannot exceed 89, and uses the year of death if deceased', () => {
    expect((deidentify([young], opts()).resources[0] as fhir4.Patient).birthDate).toBe('1936');
    const dead: fhir4.Patient = { ...old, deceasedDateTime: '1990-05-01T10:00:00Z' };
    const p = deidentify([dead], opts()).resources[0] as fhir4.Patient;
    expect(p.birthDate).toBe('1920');
    expect(p.deceasedDateTime).toBe('1990');
  });

  it('generalizes ZIP codes to ZIP3, "000" for restricted prefixes', () => {
    expect(generalizeZip('01801')).toBe('018');
    expect(generalizeZip('02169-1234')).toBe('021');
    for (const z of ['03601', '05901', '06390', '10201', '20301', '55601', '69201', '79001', '82101', '82301', '83001', '83101', '87801', '87901', '88401', '89012', '89301']) {
      expect(generalizeZip(z), z).toBe('000');
    }
    expect(generalizeZip('SW1A 1AA')).toBeUndefined();
    const [a] = deidentify([old], opts()).resources as fhir4.Patient[];
    expect(a.address).toEqual([{ state: 'NH', postalCode: '000', country: 'US' }]);
    const [b] = deidentify([young], opts()).resources as fhir4.Patient[];
    expect(b.address).toEqual([{ postalCode: '000', state: 'NV' }]);
  });
});

describe('pseudonyms', () => {
  const { resources } = bundle('Clemente');
  const pid = resources.find((r) => r.resourceType === 'Patient')!.id!;

  it('are stable for one entity across packages and differ between entities', () => {
    const a1 = deidentify(resources, opts('insurer-a')).report.patients[0].pseudonym;
    // A later, smaller package for the same entity: same patient pseudonym.
    const subset = resources.filter((r) => r.resourceType === 'Patient' || r.resourceType === 'Condition');
    const a2 = deidentify(subset, opts('insurer-a', { purpose: 'PAYMENT' })).report.patients[0].pseudonym;
    const b = deidentify(resources, opts('research-b')).report.patients[0].pseudonym;
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
    expect(a1).toBe(patientPseudonym(KEY, 'insurer-a', pid));
    expect(a1).toBe(toHex(hmac(sha256, KEY, utf8(`insurer-a|Patient/${pid}`))).slice(0, 32));
    // Same for every resource id, not just the patient.
    const ids = (e: string) => deidentify(resources, opts(e)).resources.map((r) => r.id);
    const idsA = ids('insurer-a');
    expect(ids('insurer-a')).toEqual(idsA);
    const idsB = new Set(ids('research-b'));
    expect(idsA.filter((x) => idsB.has(x))).toEqual([]);
  });

  it('cannot be mapped from entity A to entity B without the provider key', () => {
    const a = patientPseudonym(KEY, 'insurer-a', pid);
    const b = patientPseudonym(KEY, 'research-b', pid);
    // What A knows: its own pseudonym, B's entity id, the public algorithm. None of these gives B's pseudonym.
    const guesses = [
      toHex(sha256(utf8(`research-b|Patient/${pid}`))).slice(0, 32), // unkeyed hash (A would also need pid)
      toHex(hmac(sha256, utf8(a), utf8(`research-b|Patient/${pid}`))).slice(0, 32), // A's pseudonym as key
      toHex(hmac(sha256, utf8(a), utf8('research-b'))).slice(0, 32),
      toHex(sha256(utf8(`${a}|research-b`))).slice(0, 32),
      pseudonym(new Uint8Array(32), 'research-b', `Patient/${pid}`), // wrong provider key
      pseudonym(new Uint8Array(32).fill(0xff), 'research-b', `Patient/${pid}`),
    ];
    for (const g of guesses) expect(g).not.toBe(b);
    // A different provider key gives unrelated pseudonyms for the same entity too.
    const otherKey = new Uint8Array(32).fill(9);
    expect(patientPseudonym(otherKey, 'insurer-a', pid)).not.toBe(a);
    // Pseudonyms carry no trace of the original id.
    expect(a.includes(pid.slice(0, 8))).toBe(false);
  });

  it('rejects a bad key, entity id or purpose', () => {
    expect(() => deidentify(resources, { ...opts(), pseudonymKey: new Uint8Array(31) })).toThrow(/32 bytes/);
    expect(() => deidentify(resources, opts('a|b'))).toThrow(/must not contain "\|"/);
    expect(() => deidentify(resources, opts(''))).toThrow(/entityId/);
    expect(() => deidentify(resources, { ...opts(), purpose: '  ' })).toThrow(/purpose/);
  });
});

describe('free text, attachments, dropped resources', () => {
  const patient: fhir4.Patient = {
    resourceType: 'Patient',
    id: 'pat-12345678',
    name: [{ family: 'Quackenbush', given: ['Zelda', 'Mae'] }],
    telecom: [{ system: 'phone', value: '617-555-0199' }, { system: 'email', value: 'zelda@example.org' }, { system: 'fax', value: '617-555-0100' }],
    identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'MRN-778899' }, { system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6789' }],
    address: [{ line: ['42 Wallaby Way'], city: 'Springfield', postalCode: '01103', state: 'MA' }],
    birthDate: '1970-02-03',
    photo: [{ contentType: 'image/jpeg', data: 'AAAA' }],
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Zelda Quackenbush</div>' },
  };
  const noteText =
    'Zelda Quackenbush (MRN-778899, SSN 123-45-6789) seen 2024-02-03 and on 3/4/2024 and March 5, 2024. ' +
    'Call (617) 555-0199 or zelda@example.org; portal https://portal.example.org/p/42 from 10.1.2.3. ' +
    'Lives at 42 Wallaby Way, Springfield. Her grandmother, aged 94, visited. Dx: asthma.';
  const obs: fhir4.Observation = {
    resourceType: 'Observation', id: 'obs-12345678', status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8302-2', display: 'Body Height' }] },
    subject: { reference: 'Patient/pat-12345678', display: 'Zelda Quackenbush' },
    performer: [{ reference: 'Practitioner/doc-1', display: 'Dr. Yusuf Oyelaran' }, { display: 'Dr. Yusuf Oyelaran' }],
    effectiveDateTime: '2024-02-03T10:11:12+01:00',
    issued: '2024-02-03T10:11:12.123+01:00',
    valueQuantity: { value: 170, unit: 'cm' },
    note: [{ authorString: 'Nurse Ratched', time: '2024-02-03', text: noteText }],
  };
  const doc: fhir4.DocumentReference = {
    resourceType: 'DocumentReference', id: 'doc-12345678', status: 'current',
    subject: { reference: 'Patient/pat-12345678' },
    date: '2024-02-03T10:11:12Z',
    masterIdentifier: { value: 'DOC-5550001' },
    content: [
      { attachment: { contentType: 'text/plain', data: Buffer.from(noteText).toString('base64'), hash: 'abcd', url: 'https://h.org/doc/1', title: 'Note for Zelda' } },
      { attachment: { contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 Zelda').toString('base64') } },
      { attachment: { contentType: 'text/html', data: Buffer.from('<p>Zelda was <b>well</b></p>').toString('base64') } },
    ],
  };
  const media = { resourceType: 'Media', id: 'media-12345678', status: 'completed', content: { contentType: 'image/png' } } as fhir4.Media;
  const all = [patient, obs, doc, media];

  it('scrubs notes and text attachments, drops binaries, Media and narratives', () => {
    const { resources: out, report } = deidentify(all, opts());
    expect(out.map((r) => r.resourceType)).toEqual(['Patient', 'Observation', 'DocumentReference']);
    expect(report.dropped).toEqual({ Media: 1 });
    const o = out[1] as fhir4.Observation;
    expect(o.note![0].authorString).toBeUndefined();
    expect(o.note![0].time).toBe('2024');
    expect(o.issued).toBeUndefined();
    expect(o.effectiveDateTime).toBe('2024');
    expect(o.subject).toEqual({ reference: `Patient/${out[0].id}` });
    expect(o.performer).toEqual([{ reference: expect.stringMatching(/^Practitioner\//) }]); // display-only person dropped too
    const clean = o.note![0].text;
    expect(clean).toBe(
      '[NAME] [NAME] ([ID], SSN [SSN]) seen 2024 and on 2024 and 2024. ' +
        'Call [PHONE] or [EMAIL]; portal [URL] from [IP]. ' +
        'Lives at [ADDRESS], [LOCATION]. Her grandmother, aged 90+, visited. Dx: asthma.',
    );
    const d = out[2] as fhir4.DocumentReference;
    expect(d.date).toBeUndefined();
    expect(d.content).toHaveLength(2); // the PDF attachment had nothing left
    expect(Buffer.from(d.content[0].attachment.data!, 'base64').toString()).toBe(clean);
    expect(d.content[0].attachment).toEqual({ contentType: 'text/plain', data: expect.any(String), size: Buffer.byteLength(clean), title: 'Note for [NAME]' });
    expect(Buffer.from(d.content[1].attachment.data!, 'base64').toString().trim()).toBe('[NAME] was  well');
    expect(report.freeText).toMatchObject({ narrativesRemoved: 1, notesScrubbed: 1, attachmentsScrubbed: 2, attachmentsDropped: 1 });
    expect(report.identifiers.fax.removed).toBe(1);
    expect(report.identifiers.email.removed).toBeGreaterThanOrEqual(3);
    expect(report.identifiers.photo.removed).toBe(2); // Patient.photo + Media
    expect(report.identifiers.url.removed).toBeGreaterThanOrEqual(3);
    expect(report.identifiers.ip.removed).toBe(2);
    expect(assertSafeHarbor(out, all, { now: NOW })).toEqual([]);
    const leak = /Zelda|Quackenbush|Oyelaran|Ratched|778899|6789|0199|Wallaby|Springfield|01103|1970-|02-03|example\.org/.exec(readable(out));
    expect(leak?.[0]).toBeUndefined();
  });

  it('scrubs names known only from context resources that are not shared', () => {
    const { resources: out } = deidentify([obs], opts('insurer-a', { context: [patient] }));
    expect(JSON.stringify(out)).not.toMatch(/Zelda|Quackenbush/);
    expect(assertSafeHarbor(out, [patient, obs], { now: NOW })).toEqual([]);
  });

  it('the checker finds what was left behind', () => {
    const kinds = (rs: fhir4.FhirResource[]) => new Set(assertSafeHarbor(rs, all, { now: NOW }).map((f) => f.kind));
    const orig = kinds(all);
    for (const k of ['name', 'identifier', 'telecom', 'photo', 'narrative', 'geographic', 'ssn', 'phone', 'email', 'url', 'ip', 'date', 'resource-id', 'attachment']) {
      expect(orig.has(k), k).toBe(true);
    }
    const { resources: out } = deidentify(all, opts());
    const tampered = JSON.parse(JSON.stringify(out)) as fhir4.FhirResource[];
    (tampered[1] as fhir4.Observation).note![0].text += ' Zelda called from 617-555-0199 on 2024-02-03.';
    expect([...kinds(tampered)].sort()).toEqual(['date', 'name', 'phone']);
  });
});

describe('packageToCsv', () => {
  it('has a header, one row per resource, pseudonymous patients and no identifiers', () => {
    const { resources } = bundle('Laurie');
    const { resources: out, report } = deidentify(resources, opts());
    const csv = packageToCsv(out);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    const rows = packageRows(out);
    expect(rows.every((r) => !Object.values(r).some((v) => v.includes('\n')))).toBe(true);
    expect(lines).toHaveLength(out.length + 1);
    const pseud = report.patients[0].pseudonym;
    for (const r of rows) {
      if (r.resourceType === 'Organization' || r.resourceType === 'Practitioner') expect(r.patient).toBe('');
      else expect(r.patient).toBe(pseud);
      expect(r.year).toMatch(/^(\d{4})?$/);
    }
    const obs = rows.find((r) => r.resourceType === 'Observation' && r.unit !== '')!;
    expect(obs.codeSystem).toBe('http://loinc.org');
    expect(Number(obs.value)).not.toBeNaN();
    const patient = resources.find((r) => r.resourceType === 'Patient') as fhir4.Patient;
    const lower = csv.toLowerCase();
    for (const s of identifiersOf(patient)) expect(lower.includes(s.toLowerCase()), s).toBe(false);
    expect(csv).not.toMatch(/\b\d{4}-(0[1-9]|1[0-2])\b|\b\d{3}-\d{2}-\d{4}\b/);
  });

  it('neutralizes spreadsheet formulas', () => {
    const csv = packageToCsv([{ resourceType: 'Observation', id: 'x', status: 'final', code: { text: '=HYPERLINK("http://evil")' }, valueQuantity: { value: -5, unit: 'C' } }]);
    expect(csv.split('\n')[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv.split('\n')[1]).toContain(',-5,C,final');
  });
});
