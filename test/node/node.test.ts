import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TrichainNode, NodeError } from '../../src-main/node/node';
import { KeystoreError } from '../../src-main/crypto/identity';
import { tempDir } from '../support/ledger';
import { main } from '../../src-main/cli/main';
import type { CliIO } from '../../src-main/cli/io';

const fast = { N: 2 ** 10 };

function captureIO(env: Record<string, string> = {}): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout, stderr, env,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    passphrase: async () => env.TRICHAIN_PASSPHRASE ?? '',
  };
}

describe('TrichainNode', () => {
  it('a founding hospital commits its own transactions at once (n = 1) and they survive a reopen', async () => {
    const dir = tempDir();
    const node = await TrichainNode.init(dir, { role: 'hospital', name: 'Lone Clinic', passphrase: 'pass-phrase', found: true, scrypt: fast });
    const bls = node.bls;
    const sk = bls.keygen(randomBytes(32));
    const r = node.submit('hospital', 'member.register', { role: 'clinician', name: 'Dr Who', blsPk: bls.publicKey(sk), x25519Pk: new Uint8Array(32).fill(9), pop: bls.popProve(sk) });
    expect(r.status).toBe('committed');
    expect(r.height).toBe(1);
    expect(node.outbox('committed')).toHaveLength(1);
    node.close();
    const again = await TrichainNode.open(dir, { passphrase: 'pass-phrase' });
    expect(again.status().chains.hospital?.height).toBe(1);
    again.close();
  });

  it('refuses a wrong passphrase and changes nothing', async () => {
    const dir = tempDir();
    (await TrichainNode.init(dir, { role: 'patient', name: 'Pat', passphrase: 'right-one', scrypt: fast })).close();
    const before = readFileSync(join(dir, 'identity.json'));
    await expect(TrichainNode.open(dir, { passphrase: 'wrong-one' })).rejects.toThrow(KeystoreError);
    expect(readFileSync(join(dir, 'identity.json'))).toEqual(before);
  });

  it('refuses to init over an existing node and only lets a hospital found a network', async () => {
    const dir = tempDir();
    (await TrichainNode.init(dir, { role: 'entity', name: 'Insurer', passphrase: 'pass-phrase', scrypt: fast })).close();
    await expect(TrichainNode.init(dir, { role: 'entity', name: 'x', passphrase: 'pass-phrase', scrypt: fast })).rejects.toThrow(/already holds a node/);
    await expect(TrichainNode.init(tempDir(), { role: 'patient', name: 'x', passphrase: 'pass-phrase', found: true, scrypt: fast })).rejects.toThrow(NodeError);
  });

  it('a rejected transaction is reported with its reason and leaves no trace', async () => {
    const node = await TrichainNode.init(tempDir(), { role: 'hospital', name: 'H', passphrase: 'pass-phrase', found: true, scrypt: fast });
    expect(() => node.submit('patient', 'consent.revoke', { consentId: 'nope' })).toThrow(/does not exist/);
    expect(node.outbox()).toHaveLength(0);
    expect(node.mempool('patient')).toHaveLength(0);
    expect(node.ledger.height('patient')).toBe(0);
    node.close();
  });
});

describe('trichain CLI', () => {
  it('init, status --json, verify; verify exits non-zero naming the tampered height', async () => {
    const dir = tempDir();
    const io = captureIO({ TRICHAIN_PASSPHRASE: 'cli-passphrase' });
    expect(await main(['init', '--data', dir, '--role', 'hospital', '--name', 'CLI General'], io)).toBe(0);
    const node = await TrichainNode.open(dir, { passphrase: 'cli-passphrase' });
    for (let i = 0; i < 3; i++) {
      const sk = node.bls.keygen(randomBytes(32));
      node.submit('hospital', 'member.register', { role: 'clinician', name: `Dr ${i}`, blsPk: node.bls.publicKey(sk), x25519Pk: new Uint8Array(32).fill(1), pop: node.bls.popProve(sk) });
    }
    node.close();
    const s = captureIO({ TRICHAIN_PASSPHRASE: 'cli-passphrase' });
    expect(await main(['status', '--data', dir, '--json'], s)).toBe(0);
    const status = JSON.parse(s.stdout.join('\n'));
    expect(status.identity.name).toBe('CLI General');
    expect(status.chains.hospital.height).toBe(3);
    expect(status.chains.hospital.head).toMatch(/^[0-9a-f]{64}$/);
    const v = captureIO({ TRICHAIN_PASSPHRASE: 'cli-passphrase' });
    expect(await main(['verify', '--data', dir], v)).toBe(0);
    // tamper with block 2 through SQLite
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(join(dir, 'node.db'));
    const row = raw.prepare("SELECT bytes FROM blocks WHERE chain='hospital' AND height=2").get() as { bytes: Buffer };
    const b = Buffer.from(row.bytes);
    b[b.length - 300] ^= 0x40;
    raw.prepare("UPDATE blocks SET bytes=? WHERE chain='hospital' AND height=2").run(b);
    raw.close();
    const bad = captureIO({ TRICHAIN_PASSPHRASE: 'cli-passphrase' });
    expect(await main(['verify', '--data', dir], bad)).toBe(4);
    expect(bad.stderr.join('\n')).toMatch(/hospital chain at height 2/);
    // status (which opens with verification) refuses the tampered store too
    const st = captureIO({ TRICHAIN_PASSPHRASE: 'cli-passphrase' });
    expect(await main(['status', '--data', dir], st)).toBe(1);
    expect(st.stderr.join('\n')).toMatch(/corrupt at height 2/);
  });

  it('wrong passphrase exits 3 with a clear message; unknown command exits 2', async () => {
    const dir = tempDir();
    await main(['init', '--data', dir, '--role', 'patient', '--name', 'P'], captureIO({ TRICHAIN_PASSPHRASE: 'good-passphrase' }));
    const io = captureIO({ TRICHAIN_PASSPHRASE: 'bad-passphrase' });
    expect(await main(['status', '--data', dir], io)).toBe(3);
    expect(io.stderr.join('\n')).toMatch(/wrong passphrase/);
    expect(await main(['frobnicate'], captureIO())).toBe(2);
    expect(await main(['init', '--data', tempDir(), '--role', 'wizard', '--name', 'x'], captureIO({ TRICHAIN_PASSPHRASE: 'good-passphrase' }))).toBe(2);
  });

  it('corrupt node.json is a clear error', async () => {
    const dir = tempDir();
    await main(['init', '--data', dir, '--role', 'patient', '--name', 'P'], captureIO({ TRICHAIN_PASSPHRASE: 'good-passphrase' }));
    writeFileSync(join(dir, 'node.json'), '{"version": 1, "role": "king"');
    const io = captureIO({ TRICHAIN_PASSPHRASE: 'good-passphrase' });
    expect(await main(['status', '--data', dir], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/not valid JSON/);
  });
});
