import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, type HostArgs } from '../../src-main/host/main';
import { HOST_FILE, readHostAddress } from '../../src-main/host/address';

// A stand-in engine: the host's address handling does not depend on what it serves.
const factory = async () => ({ close: async () => {} });
const dirs: string[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function args(dataDir: string, port?: number): HostArgs {
  return { dataDir, port, rendererDir: path.join(dataDir, 'no-renderer'), exitWithStdin: false };
}

async function startStop(a: HostArgs, lines: string[] = []) {
  const r = await run(a, factory, (l) => lines.push(l));
  const out = { port: r.host.port, token: r.host.token, url: r.host.url };
  await r.shutdown();
  return out;
}

describe('browser host address across restarts (a bookmarked tab keeps working)', () => {
  it('reuses the port and token of the previous run, kept in DATA/host.json readable only by the user', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trichain-host-'));
    dirs.push(dir);
    const first = await startStop(args(dir));
    const second = await startStop(args(dir));
    expect(second.url).toBe(first.url);
    expect(readHostAddress(dir)).toEqual({ port: first.port, token: first.token });
    expect(statSync(path.join(dir, HOST_FILE)).mode & 0o077).toBe(0);
  });

  it('a taken remembered port: serves on another, says so, and remembers the new one with the same token', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trichain-host-'));
    dirs.push(dir);
    const first = await startStop(args(dir));
    const squatter = createServer();
    servers.push(squatter);
    await new Promise<void>((r) => squatter.listen(first.port, '127.0.0.1', () => r()));
    const lines: string[] = [];
    const second = await startStop(args(dir), lines);
    expect(second.port).not.toBe(first.port);
    expect(second.token).toBe(first.token);
    expect(lines.join('\n')).toMatch(new RegExp(`Port ${first.port} is in use`));
    expect(readHostAddress(dir)?.port).toBe(second.port);
  });

  it('an explicit port that is taken is a clear error, not a silent move', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trichain-host-'));
    dirs.push(dir);
    const squatter = createServer();
    servers.push(squatter);
    const port = await new Promise<number>((r) => squatter.listen(0, '127.0.0.1', () => r((squatter.address() as { port: number }).port)));
    await expect(run(args(dir, port), factory, () => {})).rejects.toThrow(new RegExp(`port ${port} is in use`));
  });

  it('a damaged host.json is ignored and replaced; a token from the Electron shell is never written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trichain-host-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, HOST_FILE), '{"port": "eighty", "token": "x"}');
    const a = await startStop(args(dir));
    expect(readHostAddress(dir)).toEqual({ port: a.port, token: a.token });

    const dir2 = mkdtempSync(path.join(tmpdir(), 'trichain-host-'));
    dirs.push(dir2);
    process.env.TRICHAIN_TOKEN = 'e'.repeat(64);
    try {
      const b = await startStop(args(dir2));
      expect(b.token).toBe('e'.repeat(64));
      expect(() => readFileSync(path.join(dir2, HOST_FILE))).toThrow(/ENOENT/);
    } finally {
      delete process.env.TRICHAIN_TOKEN;
    }
  });
});
