import { describe, expect, it, vi } from 'vitest';
import { ApiError, createHttpBridge, makeApi, takeTokenFromLocation } from '../../../src-renderer/src/api/client';
import { buildResource } from '../../../src-renderer/src/screens/clinician/RecordForm';
import { validateRequest, type TrichainBridge } from '../../../src-shared/api';

describe('renderer API client', () => {
  it('takes the token from the fragment, remembers it and clears the address bar', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const clear = vi.fn();
    const token = 'ab'.repeat(32);
    expect(takeTokenFromLocation({ hash: `#token=${token}` }, storage, clear)).toBe(token);
    expect(clear).toHaveBeenCalledOnce();
    expect(takeTokenFromLocation({ hash: '' }, storage)).toBe(token); // after a reload
    expect(takeTokenFromLocation({ hash: '#token=<script>' }, undefined)).toBeNull();
    expect(takeTokenFromLocation({ hash: '' }, undefined)).toBeNull();
  });

  it('HTTP bridge posts JSON with the token header and returns envelopes', async () => {
    const fetchImpl = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => new Response(JSON.stringify({ ok: true, value: { patients: [] } }), { status: 200 }));
    const bridge = createHttpBridge({ origin: 'http://127.0.0.1:9', token: 'tok', fetchImpl: fetchImpl as typeof fetch });
    expect(await bridge.call('patients.search', { query: 'x' })).toEqual({ ok: true, value: { patients: [] } });
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe('http://127.0.0.1:9/api/patients.search');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>)['x-trichain-token']).toBe('tok');
    expect(JSON.parse(String(init?.body))).toEqual({ query: 'x' });
  });

  it('HTTP bridge turns network failures and non-envelopes into UNAVAILABLE', async () => {
    const down = createHttpBridge({ origin: 'http://x', token: 't', fetchImpl: (async () => { throw new Error('refused'); }) as typeof fetch });
    expect(await down.call('app.info', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    const html = createHttpBridge({ origin: 'http://x', token: 't', fetchImpl: (async () => new Response('<html>', { status: 502 })) as typeof fetch });
    expect(await html.call('app.info', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('502') } });
  });

  it('makeApi resolves values and throws ApiError with the code; exposes no signed method', async () => {
    const bridge: TrichainBridge = {
      call: (async (method: string) => method === 'app.info'
        ? { ok: false, error: { code: 'NOT_INITIALIZED', message: 'no identity' } }
        : { ok: true, value: { cancelled: true } }) as TrichainBridge['call'],
      on: () => () => {},
    };
    const api = makeApi(bridge);
    expect(await api['sign.cancel']({ requestId: 'r' })).toEqual({ cancelled: true });
    await expect(api['app.info']({})).rejects.toMatchObject({ code: 'NOT_INITIALIZED', message: 'no identity' });
    await expect(api['app.info']({})).rejects.toBeInstanceOf(ApiError);
    expect('records.add' in api).toBe(false);
    expect('sign.prepare' in api).toBe(true);
  });

  it('record forms build resources the contract accepts', () => {
    const f = { code: '2339-0', display: 'Glucose', date: '2024-05-01', value: '5.4', unit: 'mmol/L', note: 'fasting, café' };
    for (const kind of ['Observation', 'Condition', 'MedicationStatement', 'AllergyIntolerance', 'Immunization', 'DocumentReference'] as const) {
      const resource = buildResource(kind, f, 'Patient/p1');
      expect(resource.resourceType).toBe(kind);
      expect(validateRequest('records.add', { patientId: 'p1', resource })).toMatchObject({ ok: true });
    }
    expect(buildResource('Observation', f, 'Patient/p1')).toMatchObject({ valueQuantity: { value: 5.4, unit: 'mmol/L' } });
    const note = buildResource('DocumentReference', f, 'Patient/p1') as unknown as { content: { attachment: { data: string } }[] };
    expect(Buffer.from(note.content[0].attachment.data, 'base64').toString('utf8')).toBe('fasting, café');
  });
});
