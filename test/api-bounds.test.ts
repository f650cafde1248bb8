/**
 * Issue 13, finding 6, at the engine's API (the dispatch path the host and Electron use, over the
 * real demo consortium): every request field of the contract is bounded, oversized inputs answer
 * BAD_REQUEST and change nothing, "not found" answers NOT_FOUND, a flood of requests for keys that
 * are no patient's is refused at once, and other calls are answered while an expensive report runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CONTRACT, dispatch, MAX_BODY_BYTES, type ApiOutput, type RendererMethod } from '../src-shared/api';
import { MAX_REPORT_SIGNATURES } from '../src-shared/api/chains';
import { FhirInputSchema } from '../src-shared/validation';
import { createService, type Service } from '../src-main/app/service';
import { tempDir } from './support/ledger';

/** Paths in a request schema where a string, array, record or unknown value has no upper bound. */
function unbounded(schema: z.ZodType, path: string, out: string[]): string[] {
  if (schema === (FhirInputSchema as unknown)) return out; // bounded by its own walk (depth, text, attachments)
  const s = schema as unknown as { _zod: { def: Record<string, any> }; maxLength?: number | null; format?: string | null };
  const def = s._zod.def;
  const checks: { _zod: { def: Record<string, any> } }[] = def.checks ?? [];
  const has = (check: string) => checks.some((c) => c._zod.def.check === check);
  switch (def.type) {
    case 'string': {
      const pattern = checks.map((c) => c._zod.def.pattern as RegExp | undefined).find(Boolean);
      const fixed = pattern && /^\^.*\$$/.test(pattern.source) && !/[*+]|\{\d+,\}/.test(pattern.source);
      if (s.maxLength == null && !fixed && s.format !== 'date') out.push(path);
      break;
    }
    case 'array':
      if (!has('max_length')) out.push(path);
      unbounded(def.element, `${path}[]`, out);
      break;
    case 'object':
      for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) unbounded(v, `${path}.${k}`, out);
      if (def.catchall && def.catchall._zod.def.type !== 'never') out.push(`${path}.*`);
      break;
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
      unbounded(def.innerType, path, out);
      break;
    case 'pipe':
      unbounded(def.in, path, out);
      break;
    case 'union':
      (def.options as z.ZodType[]).forEach((o, i) => unbounded(o, `${path}|${i}`, out));
      break;
    case 'record': case 'unknown': case 'any': case 'map': case 'set': case 'lazy':
      out.push(path);
      break;
    default: // number, boolean, enum, literal, date: bounded by their kind
  }
  return out;
}

let svc: Service;
async function call<M extends RendererMethod>(method: M, input: unknown = {}): Promise<ApiOutput<M>> {
  const r = await dispatch(svc, method, input, 'renderer');
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as ApiOutput<M>;
}
const answer = (method: string, input: unknown) => dispatch(svc, method, input, 'renderer');
const prepare = (method: string, input: unknown) => answer('sign.prepare', { method, input });
const as = (roleId: string) => call('session.switchRole', { roleId });
const randomPatientId = () => Buffer.from(Array.from({ length: 48 }, () => Math.floor(Math.random() * 256))).toString('hex');

describe('every request field of the contract has an upper bound', () => {
  it('strings, arrays and free-form values of every method', () => {
    const found = Object.entries(CONTRACT).flatMap(([m, d]) => unbounded((d as { request: z.ZodType }).request, m, []));
    expect(found).toEqual([]);
  });
});

describe('the API under attack, over the demo consortium', () => {
  beforeAll(async () => {
    // St Mary validating alone: its chains stay still between transactions, so "changes nothing"
    // can be read off the heights (the quorum demo adds empty blocks every few seconds).
    svc = await createService({ dataDir: tempDir('api-bounds-'), emit: () => {}, demoQuorum: false });
    await call('demo.start', {});
  }, 240_000);
  afterAll(async () => svc?.close());

  const socialHeight = async () => (await call('chains.status')).chains.find((c) => c.chain === 'social')!.height;

  it('oversized inputs answer BAD_REQUEST and change nothing', async () => {
    await as('research');
    const before = { requests: (await call('shares.requests', { status: 'all' })).requests.length, height: await socialHeight() };
    const period = { from: '2000-01-01', to: '2030-01-01' };
    const refused = [
      await answer('patients.search', { query: 'x'.repeat(201) }),
      await answer('storage.signatures', { parties: [1000] }),
      await answer('storage.signatures', { parties: Array.from({ length: 12 }, () => 64) }),
      await answer('storage.signatures', { parties: Array.from({ length: 13 }, () => 1) }),
      await prepare('shares.request', { patientId: randomPatientId(), purpose: 'HRESCH', categories: Array.from({ length: 1000 }, () => 'condition'), period }),
      await prepare('shares.request', { patientId: 'f'.repeat(100_000), purpose: 'HRESCH', categories: ['condition'], period }),
      await prepare('records.import', { importId: 'imp-big', bundle: 'x'.repeat(MAX_BODY_BYTES + 1) }),
      await prepare('consents.grant', { entityId: 'kind:research', purpose: 'HRESCH', categories: ['condition'], includeSensitive: Array.from({ length: 500 }, () => 'PSY'), validUntil: '2030-01-01' }),
      await prepare('records.amend', { recordId: 'r', resource: { resourceType: 'Observation' }, reason: 'y'.repeat(1001) }),
    ];
    for (const r of refused) expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(JSON.stringify(refused[2])).toContain(`at most ${MAX_REPORT_SIGNATURES} signatures`);
    expect((await call('shares.requests', { status: 'all' })).requests.length).toBe(before.requests);
    expect(await socialHeight()).toBe(before.height);
  });

  it('what is not there answers NOT_FOUND', async () => {
    const got: [string, Awaited<ReturnType<typeof answer>>][] = [];
    await as('stMary');
    got.push(['shares.preview', await answer('shares.preview', { requestId: 'req-nope' })]);
    got.push(['chains.block', await answer('chains.block', { chain: 'social', height: 10_000_000 })]);
    got.push(['imports.status', await answer('imports.status', { importId: 'imp-nope' })]);
    got.push(['records.get', await answer('records.get', { recordId: 'rec-nope' })]);
    got.push(['session.switchRole', await answer('session.switchRole', { roleId: 'nobody' })]);
    got.push(['packages.verify', await answer('packages.verify', { packageId: 'req-nope' })]);
    got.push(['records.amend', await prepare('records.amend', { recordId: 'rec-nope', resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, reason: 'typo' })]);
    got.push(['shares.approve', await prepare('shares.approve', { requestId: 'req-nope' })]);
    got.push(['sign.confirm', await answer('sign.confirm', { requestId: 'sign-nope' })]);
    await as('research');
    got.push(['packages.export', await answer('packages.export', { packageId: 'req-nope', format: 'fhir' })]);
    await as('patient');
    const revoke = await call('sign.prepare', { method: 'consents.revoke', input: { consentId: 'consent-nope' } });
    got.push(['consents.revoke', await answer('sign.confirm', { requestId: revoke.requestId })]);
    got.push(['records.get (patient)', await answer('records.get', { recordId: 'rec-nope' })]);
    expect(got.filter(([, r]) => r.ok || r.error.code !== 'NOT_FOUND').map(([m, r]) => `${m}: ${JSON.stringify(r).slice(0, 200)}`)).toEqual([]);
  });

  it('a flood of requests for keys that are no patient is refused at once, and other calls keep answering', async () => {
    await as('research');
    const before = { requests: (await call('shares.requests', { status: 'all' })).requests.length, height: await socialHeight() };
    const period = { from: '2000-01-01', to: '2030-01-01' };
    const flood = Array.from({ length: 200 }, () => prepare('shares.request', { patientId: randomPatientId(), purpose: 'HRESCH', categories: ['condition'], period }));
    const meanwhile = call('chains.status');
    const answers = await Promise.all(flood);
    expect(answers.every((r) => !r.ok && r.error.code === 'NOT_FOUND' && /no patient on the patient chain has this key/.test(r.error.message))).toBe(true);
    expect((await meanwhile).chains).toHaveLength(3);
    expect((await call('shares.requests', { status: 'all' })).requests.length).toBe(before.requests);
    expect(await socialHeight()).toBe(before.height);
  });

  it('other calls are answered while a large signature report runs', async () => {
    let pending = true;
    const report = call('storage.signatures', { parties: [64, 64, 64, 64] }).finally(() => (pending = false));
    let answered = 0;
    while (pending) {
      expect((await call('session.roles')).roles.length).toBeGreaterThan(0);
      if (pending) answered++;
      await new Promise((r) => setTimeout(r, 5)); // the report's answer is an event: let it in
    }
    const rows = await report;
    expect(answered).toBeGreaterThan(0);
    expect(rows.series.map((r) => r.parties)).toEqual([64, 64, 64, 64]);
  });
});
