import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  API_METHODS, CONTRACT, EVENT_NAMES, RENDERER_METHODS,
  SIGNED_METHODS, SignActionSchema, EVENT_NAME_LIST, dispatch, validateEvent, validateRequest, validateResponse,
  type ApiHandlers,
} from '../../src-shared/api';

/** Property names that would mean secret key material is leaving the node. */
const SECRET_NAME = /secret|private|priv[_-]?key|^sk$|^sks?$|seed|mnemonic|passphrase|password|keystore|unlock|^ikm$/i;

/** Every property name a JSON Schema allows, walking nested objects, arrays, unions and records. */
function propertyNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== 'object') return out;
  if (Array.isArray(schema)) {
    for (const s of schema) propertyNames(s, out);
    return out;
  }
  const s = schema as Record<string, unknown>;
  if (s.properties && typeof s.properties === 'object') {
    for (const [k, v] of Object.entries(s.properties as Record<string, unknown>)) {
      out.add(k);
      propertyNames(v, out);
    }
  }
  for (const key of ['items', 'prefixItems', 'anyOf', 'oneOf', 'allOf', 'additionalProperties', 'patternProperties', '$defs', 'definitions', 'not']) {
    if (key in s) propertyNames(key === 'patternProperties' || key === '$defs' || key === 'definitions' ? Object.values(s[key] as object) : s[key], out);
  }
  return out;
}

describe('api contract', () => {
  it('lists every method the product needs', () => {
    const required = [
      'app.info', 'demo.start', 'demo.status', 'session.roles', 'session.switchRole', 'identity.create',
      'network.join', 'patients.search', 'patients.chart', 'records.get', 'records.add', 'records.amend', 'records.import',
      'consents.list', 'consents.grant', 'consents.revoke', 'shares.requests', 'shares.request',
      'shares.preview', 'shares.approve', 'packages.list', 'packages.verify', 'packages.export',
      'audit.list', 'audit.export', 'chains.status', 'chains.blocks', 'chains.block', 'storage.signatures',
      'sign.prepare', 'sign.confirm',
    ];
    for (const m of required) expect(API_METHODS).toContain(m);
    expect([...EVENT_NAMES].sort()).toEqual(['blobs.fetched', 'chain.updated', 'import.progress', 'sync.progress', 'tx.pending']);
    expect([...EVENT_NAME_LIST].sort()).toEqual([...EVENT_NAMES].sort());
  });

  it('has a sign.prepare action for every signed method, and signed methods are not renderer methods', () => {
    const actionMethods = SignActionSchema.options.map((o) => o.shape.method.value).sort();
    expect(actionMethods).toEqual([...SIGNED_METHODS].sort());
    for (const m of SIGNED_METHODS) expect(RENDERER_METHODS).not.toContain(m);
    expect(RENDERER_METHODS.length + SIGNED_METHODS.length).toBe(API_METHODS.length);
  });

  it('no response schema (nor event) can carry a field named like a secret key', () => {
    // The detector itself must work: a schema with such a field is caught.
    const bad = z.object({ a: z.object({ list: z.array(z.object({ secretKey: z.string() })) }) });
    expect([...propertyNames(z.toJSONSchema(bad))].some((n) => SECRET_NAME.test(n))).toBe(true);
    const offending: string[] = [];
    for (const m of API_METHODS) {
      const js = z.toJSONSchema(CONTRACT[m].response as z.ZodType, { io: 'output', unrepresentable: 'any' });
      for (const n of propertyNames(js)) if (SECRET_NAME.test(n)) offending.push(`${m}: ${n}`);
    }
    for (const m of EVENT_NAMES) {
      const js = z.toJSONSchema(validateEventSchema(m), { io: 'output', unrepresentable: 'any' });
      for (const n of propertyNames(js)) if (SECRET_NAME.test(n)) offending.push(`event ${m}: ${n}`);
    }
    expect(offending).toEqual([]);
  });

  it('strips unknown fields from responses, so a stray secret never leaves the node', () => {
    const r = validateResponse('session.switchRole', {
      active: { id: 'r1', label: 'Patient', role: 'patient', displayName: 'Ann', secretKey: 'abcd' },
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(JSON.stringify(r.value)).not.toContain('secretKey');
  });

  it('validates requests: unknown method, bad input, defaults', () => {
    expect(validateRequest('nope.nothing', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(validateRequest('__proto__', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(validateRequest('patients.search', { query: 5 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(validateRequest('app.info', { extra: 1 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(validateRequest('patients.search', {})).toEqual({ ok: true, value: { query: '', limit: 50 } });
    expect(validateRequest('shares.request', {
      patientId: 'p', purpose: 'x', categories: ['lab'], period: { from: '2024-05-01', to: '2024-01-01' },
    })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(validateRequest('sign.prepare', {
      method: 'consents.revoke', input: { consentId: 'c1' },
    })).toMatchObject({ ok: true });
    expect(validateRequest('sign.prepare', { method: 'records.add', input: { patientId: 'p' } }))
      .toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('dispatch refuses signed methods from the renderer and never calls a handler on bad input', async () => {
    const add = vi.fn();
    const search = vi.fn(async () => ({ patients: [] }));
    const handlers = { 'records.add': add, 'patients.search': search } as unknown as Partial<ApiHandlers>;
    expect(await dispatch(handlers, 'records.add', { patientId: 'p', resource: { resourceType: 'Observation' } }))
      .toMatchObject({ ok: false, error: { code: 'SIGNATURE_REQUIRED' } });
    expect(add).not.toHaveBeenCalled();
    expect(await dispatch(handlers, 'patients.search', { query: 7 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(search).not.toHaveBeenCalled();
    expect(await dispatch(handlers, 'patients.search', { query: 'ann' })).toEqual({ ok: true, value: { patients: [] } });
    expect(search).toHaveBeenCalledWith({ query: 'ann', limit: 50 });
    expect(await dispatch(handlers, 'demo.status', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });

  it('turns thrown errors into envelopes without stack traces', async () => {
    const handlers = { 'app.info': async () => { throw new Error('boom'); } } as unknown as Partial<ApiHandlers>;
    const r = await dispatch(handlers, 'app.info', {});
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
  });

  it('validates events', () => {
    expect(validateEvent({ type: 'chain.updated', payload: { chain: 'social', height: 3, headHash: 'ab' } })).not.toBeNull();
    expect(validateEvent({ type: 'chain.updated', payload: { chain: 'moon', height: 3, headHash: 'ab' } })).toBeNull();
    expect(validateEvent({ type: 'nope', payload: {} })).toBeNull();
  });
});

import { EVENTS } from '../../src-shared/api';
function validateEventSchema(name: (typeof EVENT_NAMES)[number]): z.ZodType {
  return EVENTS[name] as z.ZodType;
}
