import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startHost, tokenMatches, type Host } from '../../src-main/host/server';
import { parseArgs } from '../../src-main/host/main';
import { defaultDataDir } from '../../src-main/host/paths';
import type { ApiHandlers } from '../../src-shared/api';

let dir: string;
let host: Host;
const search = vi.fn(async (input: { query: string; limit: number }) => ({
  patients: [{ id: 'p1', name: `match ${input.query}`, recordCount: 1, consentStatus: 'none' as const }],
}));
const add = vi.fn();

beforeEach(async () => {
  search.mockClear();
  add.mockClear();
  dir = mkdtempSync(path.join(tmpdir(), 'trichain-host-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Trichain</title>');
  writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  writeFileSync(path.join(tmpdir(), 'trichain-secret.txt'), 'outside');
  host = await startHost({
    handlers: { 'patients.search': search, 'records.add': add } as unknown as Partial<ApiHandlers>,
    rendererDir: dir,
    maxBodyBytes: 1024,
  });
});
afterEach(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(method: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${host.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-trichain-token': host.token, ...headers },
    body,
  });
  return { status: res.status, json: (await res.json()) as { ok: boolean; value?: unknown; error?: { code: string; message: string } } };
}

/** Raw request to set headers fetch() forbids (Host). */
function rawGet(p: string, hostHeader: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path: p, headers: { host: hostHeader } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser host', () => {
  it('binds loopback, prints a tokenized URL, uses a 32-byte random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
    expect(host.token).toHaveLength(64);
  });

  it('answers a valid call', async () => {
    const r = await post('patients.search', JSON.stringify({ query: 'ann' }));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, value: { patients: [{ id: 'p1', name: 'match ann', recordCount: 1, consentStatus: 'none' }] } });
    expect(search).toHaveBeenCalledWith({ query: 'ann', limit: 50 });
  });

  it('refuses a missing or wrong token without calling the handler', async () => {
    const none = await fetch(`${host.origin}/api/patients.search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const wrong = await post('patients.search', '{}', { 'x-trichain-token': 'a'.repeat(64) });
    expect(wrong.status).toBe(401);
    expect(search).not.toHaveBeenCalled();
    expect(tokenMatches(host.token, host.token)).toBe(true);
    expect(tokenMatches(host.token.slice(1), host.token)).toBe(false);
    expect(tokenMatches(undefined, host.token)).toBe(false);
  });

  it('refuses malformed JSON, invalid input and unknown methods without calling a handler', async () => {
    const bad = await post('patients.search', '{"query": ');
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toMatch(/Malformed JSON/);
    const invalid = await post('patients.search', JSON.stringify({ query: 42 }));
    expect(invalid.status).toBe(400);
    expect(invalid.json.error?.code).toBe('BAD_REQUEST');
    const unknown = await post('nope.nothing', '{}');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.code).toBe('UNKNOWN_METHOD');
    const proto = await post('__proto__', '{}');
    expect(proto.json.error?.code).toBe('UNKNOWN_METHOD');
    const wrongType = await post('patients.search', '{}', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(search).not.toHaveBeenCalled();
  });

  it('refuses an oversized body', async () => {
    const r = await post('patients.search', JSON.stringify({ query: 'x'.repeat(5000) }));
    expect(r.status).toBe(413);
    expect(r.json.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(search).not.toHaveBeenCalled();
  });

  it('refuses signed methods called directly (they go through sign.prepare/confirm)', async () => {
    const r = await post('records.add', JSON.stringify({ patientId: 'p1', resource: { resourceType: 'Observation' } }));
    expect(r.status).toBe(403);
    expect(r.json.error?.code).toBe('SIGNATURE_REQUIRED');
    expect(add).not.toHaveBeenCalled();
  });

  it('refuses cross-origin calls and foreign Host headers', async () => {
    const r = await post('patients.search', '{}', { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(search).not.toHaveBeenCalled();
    expect(await rawGet('/', 'evil.example')).toBe(421);
    expect(await rawGet('/', `127.0.0.1:${host.port}`)).toBe(200);
  });

  it('serves the renderer with a strict CSP and no path traversal', async () => {
    const res = await fetch(`${host.origin}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>Trichain</title>');
    const js = await fetch(`${host.origin}/app.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${host.origin}/%2e%2e/trichain-secret.txt`)).status).not.toBe(200);
    expect((await fetch(`${host.origin}/..%2ftrichain-secret.txt`)).status).not.toBe(200);
    expect((await fetch(`${host.origin}/missing.js`)).status).toBe(404);
  });

  it('delivers events over the WebSocket only with the token', async () => {
    const bad = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=nope`);
    const badResult = await new Promise<string>((resolve) => {
      bad.on('open', () => resolve('open'));
      bad.on('error', () => resolve('error'));
      bad.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    });
    expect(badResult).toBe('401');

    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`);
    await new Promise<void>((resolve, reject) => { ws.on('open', () => resolve()); ws.on('error', reject); });
    const got = new Promise<unknown>((resolve) => ws.on('message', (m) => resolve(JSON.parse(String(m)))));
    // An invalid event is dropped, a valid one arrives.
    host.broadcast({ type: 'chain.updated', payload: { chain: 'moon', height: 1, headHash: 'x' } } as never);
    host.broadcast({ type: 'import.progress', payload: { importId: 'i1', phase: 'anchoring', done: 3, total: 10 } });
    expect(await got).toEqual({ type: 'import.progress', payload: { importId: 'i1', phase: 'anchoring', done: 3, total: 10 } });
    ws.close();
  });
});

describe('host entry', () => {
  it('parses arguments and picks the data folder', () => {
    const a = parseArgs(['--data', '/tmp/x', '--port', '0', '--exit-with-stdin'], {});
    expect(a).toMatchObject({ dataDir: '/tmp/x', port: 0, exitWithStdin: true });
    expect(() => parseArgs(['--bogus'], {})).toThrow(/Unknown option '--bogus'/);
    expect(defaultDataDir({ XDG_DATA_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/trichain');
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.local/share/trichain');
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/Trichain');
    expect(defaultDataDir({ TRICHAIN_DATA: '/d' }, 'linux', '/home/u')).toBe('/d');
  });
});
