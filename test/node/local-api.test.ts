import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { TrichainNode } from '../../src-main/node/node';
import { readConfig, writeConfig } from '../../src-main/node/config';
import { startLocalApi } from '../../src-main/node/local-api';
import * as statusCmd from '../../src-main/cli/commands/status';
import type { CliIO } from '../../src-main/cli/io';

// Hospital IT's monitoring surface of `trichain start`: GET /health (no token), GET /status (bearer
// token), and `trichain status --json`, which asks the running node before opening the data folder.
const fast = { N: 1024, r: 8, p: 1 };
const cleanup: (() => void)[] = [];
afterEach(() => { for (const f of cleanup.splice(0).reverse()) f(); });

function io(passphrase?: string): CliIO & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines, out: (l) => lines.push(l), err: () => {}, env: {},
    passphrase: async () => { if (!passphrase) throw new Error('asked for a passphrase'); return passphrase; },
  };
}

async function hospital() {
  const dir = mkdtempSync(join(tmpdir(), 'trichain-local-api-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const node = await TrichainNode.init(dir, { role: 'hospital', name: 'General Hospital', passphrase: 'pass-phrase', found: true, network: 'Valley', scrypt: fast });
  const api = await startLocalApi(node);
  writeConfig(node.paths.config, { ...readConfig(node.paths.config), api: api.url });
  const closeServer = (s: Server) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); });
  return { dir, node, api, closeServer };
}

describe('local API for monitoring', () => {
  it('/health answers without a token with heights and pending; /status needs the token', async () => {
    const { node, api, closeServer } = await hospital();
    cleanup.push(() => node.close());
    const h = await fetch(`${api.url}/health`);
    expect(h.status).toBe(200);
    const body = (await h.json()) as { ok: boolean; value: { status: string; role: string; chains: Record<string, number>; pending: number } };
    expect(body).toMatchObject({ ok: true, value: { status: 'serving', role: 'hospital', pending: 0 } });
    expect(Object.keys(body.value.chains).sort()).toEqual(Object.keys(node.status().chains).filter((c) => node.status().chains[c as 'patient']).sort());
    expect(JSON.stringify(body)).not.toContain(api.token);

    expect((await fetch(`${api.url}/status`)).status).toBe(401);
    expect((await fetch(`${api.url}/status`, { headers: { authorization: 'Bearer ' + '0'.repeat(64) } })).status).toBe(401);
    const s = await fetch(`${api.url}/status`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(((await s.json()) as { value: { identity: { name: string } } }).value.identity.name).toBe('General Hospital');
    await closeServer(api.server);
  });

  it('/health answers 503 when the node behind it no longer answers', async () => {
    const { node, api, closeServer } = await hospital();
    node.close();
    const h = await fetch(`${api.url}/health`);
    expect(h.status).toBe(503);
    expect(await h.json()).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    await closeServer(api.server);
  });

  it('trichain status --json asks the running node (no passphrase), else opens the folder', async () => {
    const { dir, node, api, closeServer } = await hospital();
    const live = io();
    expect(await statusCmd.run(['--data', dir, '--json'], live)).toBe(0);
    expect(JSON.parse(live.lines.join('\n'))).toMatchObject({ running: true, identity: { name: 'General Hospital' }, pending: 0 });
    await closeServer(api.server);
    node.close();
    // Stopped: the recorded address no longer answers; status opens the data folder with the passphrase.
    await expect(statusCmd.run(['--data', dir, '--json'], io())).rejects.toThrow(/asked for a passphrase/);
    const offline = io('pass-phrase');
    expect(await statusCmd.run(['--data', dir, '--json'], offline)).toBe(0);
    expect(JSON.parse(offline.lines.join('\n'))).toMatchObject({ running: false, identity: { name: 'General Hospital' } });
  });
});

describe('unattended start (systemd credentials)', () => {
  it('reads the passphrase from TRICHAIN_PASSPHRASE_FILE, and names the file when it cannot', async () => {
    const { processIO } = await import('../../src-main/cli/io');
    const { writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'trichain-cred-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const saved = { p: process.env.TRICHAIN_PASSPHRASE, f: process.env.TRICHAIN_PASSPHRASE_FILE };
    cleanup.push(() => {
      if (saved.p === undefined) delete process.env.TRICHAIN_PASSPHRASE; else process.env.TRICHAIN_PASSPHRASE = saved.p;
      if (saved.f === undefined) delete process.env.TRICHAIN_PASSPHRASE_FILE; else process.env.TRICHAIN_PASSPHRASE_FILE = saved.f;
    });
    delete process.env.TRICHAIN_PASSPHRASE;
    writeFileSync(join(dir, 'passphrase'), 'correct horse battery\n', { mode: 0o600 });
    process.env.TRICHAIN_PASSPHRASE_FILE = join(dir, 'passphrase');
    expect(await processIO().passphrase('?')).toBe('correct horse battery');
    process.env.TRICHAIN_PASSPHRASE_FILE = join(dir, 'missing');
    await expect(processIO().passphrase('?')).rejects.toThrow(/TRICHAIN_PASSPHRASE_FILE .*missing.*ENOENT/);
  });
});
