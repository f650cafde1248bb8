import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalEncode } from '../../src-main/codec/canonical';
import { toB64u } from '../../src-main/codec/hex';
import { defaultBls } from '../../src-main/crypto/bls';
import { checksumOf } from '../../src-main/net/binding';
import { decodeInvite, encodeInvite, inviteBinding, makeInvite, verifyInvite, type Invite } from '../../src-main/net/invite';
import { PeerList } from '../../src-main/net/peers';

const bls = defaultBls();
const sk = bls.keygen(new Uint8Array(32).fill(5));
const genesis = { patient: new Uint8Array(32).fill(1), hospital: new Uint8Array(32).fill(2), social: new Uint8Array(32).fill(3) };
const fp = 'ab'.repeat(32);
const identity = { blsPublicKey: bls.publicKey(sk), role: 'hospital' as const, name: 'General Hospital', sign: (m: Uint8Array) => bls.sign(sk, m) };
const good = makeInvite({ network: 'Valley Health', genesis, address: '10.1.2.3:7443', fingerprint: fp, identity, time: 1_700_000_000_000 });

const rewrap = (o: Record<string, unknown>): string => {
  const b = canonicalEncode(o as never);
  return `trichain-invite:${toB64u(b)}.${checksumOf(b)}`;
};
const raw = (): Record<string, unknown> => ({
  v: 1, network: 'Valley Health', genesis, address: '10.1.2.3:7443', fingerprint: new Uint8Array(32).fill(0xab),
  blsPk: identity.blsPublicKey, role: 'hospital', name: 'General Hospital', time: 1_700_000_000_000, sig: new Uint8Array(96),
});

describe('invites', () => {
  it('round-trip and carry a verifiable binding', () => {
    expect(good.startsWith('trichain-invite:')).toBe(true);
    const inv = decodeInvite(good);
    expect(inv).toMatchObject({ network: 'Valley Health', address: '10.1.2.3:7443', fingerprint: fp, role: 'hospital', name: 'General Hospital' });
    expect(inv.genesis).toEqual(genesis);
    expect(verifyInvite(bls, inv)).toBe(true);
    expect(encodeInvite(inv)).toBe(good);
    expect(decodeInvite(`  ${good}\n`)).toEqual(inv);
    expect(inviteBinding(inv).statement.fingerprint).toBe(fp);
  });

  it('refuse a wrong prefix, a bad checksum, truncation and altered characters', () => {
    expect(() => decodeInvite(good.replace('trichain-invite:', 'trichain-invit:'))).toThrow(/must start with/);
    expect(() => decodeInvite(good.slice(0, -1))).toThrow(/checksum/);
    expect(() => decodeInvite(good.slice(0, 60))).toThrow(/checksum/);
    for (const i of [20, 80, 200]) {
      const c = good[i] === 'x' ? 'y' : 'x';
      expect(() => decodeInvite(good.slice(0, i) + c + good.slice(i + 1))).toThrow(/checksum|base64url/);
    }
    expect(() => decodeInvite(good.replace('.', ''))).toThrow(/checksum/);
    expect(() => decodeInvite('trichain-invite:%%%.AAAA')).toThrow(/base64url/);
  });

  it('refuse wrong lengths, wrong fields and unreachable addresses even with a valid checksum', () => {
    expect(() => decodeInvite(rewrap({ ...raw(), fingerprint: new Uint8Array(31) }))).toThrow(/fingerprint must be 32 bytes/);
    expect(() => decodeInvite(rewrap({ ...raw(), genesis: { ...genesis, social: new Uint8Array(33) } }))).toThrow(/social genesis hash must be 32 bytes/);
    expect(() => decodeInvite(rewrap({ ...raw(), genesis: { patient: genesis.patient, hospital: genesis.hospital } }))).toThrow(/exactly the patient, hospital and social/);
    expect(() => decodeInvite(rewrap({ ...raw(), blsPk: new Uint8Array(47) }))).toThrow(/48 bytes/);
    expect(() => decodeInvite(rewrap({ ...raw(), sig: new Uint8Array(95) }))).toThrow(/96 bytes/);
    expect(() => decodeInvite(rewrap({ ...raw(), role: 'admin' }))).toThrow(/unknown role/);
    expect(() => decodeInvite(rewrap({ ...raw(), address: 'nohost' }))).toThrow(/malformed address/);
    expect(() => decodeInvite(rewrap({ ...raw(), address: '0.0.0.0:7443' }))).toThrow(/reachable/);
    expect(() => decodeInvite(rewrap({ ...raw(), extra: 1 }))).toThrow(/unexpected or missing fields/);
    expect(() => decodeInvite(rewrap({ ...raw(), v: 2 }))).toThrow(/unsupported version/);
    expect(decodeInvite(rewrap(raw())).network).toBe('Valley Health'); // the control case decodes
  });

  it('a re-checksummed invite with a swapped fingerprint or address fails the binding check', () => {
    const swappedFp = decodeInvite(rewrap({ ...raw(), sig: decodeInvite(good).sig, fingerprint: new Uint8Array(32).fill(0xcd) }));
    expect(verifyInvite(bls, swappedFp)).toBe(false);
    const ok = decodeInvite(rewrap({ ...raw(), sig: decodeInvite(good).sig }));
    expect(verifyInvite(bls, ok)).toBe(true);
    const badKey: Invite = { ...ok, blsPk: bls.publicKey(bls.keygen(new Uint8Array(32).fill(6))) };
    expect(verifyInvite(bls, badKey)).toBe(false);
  });
});

describe('peer list', () => {
  it('persists pinned peers atomically and validates the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trichain-peers-'));
    const pl = PeerList.load(dir);
    expect(pl.list()).toEqual([]);
    pl.upsert({ address: '10.0.0.1:7443', fingerprint: fp, blsPk: 'cd'.repeat(48), role: 'hospital', name: 'General', lastSeen: null, source: 'invite' });
    pl.markSeen(fp, 1234);
    pl.markBad(fp, 'served block 7 with a bad certificate');
    const again = PeerList.load(dir);
    expect(again.get(fp)).toMatchObject({ lastSeen: 1234, bad: 'served block 7 with a bad certificate' });
    expect(again.good()).toEqual([]);
    again.clearBad(fp);
    expect(PeerList.load(dir).good().length).toBe(1);
    expect(PeerList.load(dir).byBlsPk(new Uint8Array(48).fill(0xcd))?.name).toBe('General');
    expect(() => pl.upsert({ address: 'x', fingerprint: 'zz', blsPk: '', role: 'hospital', name: 'n', lastSeen: null })).toThrow();
    const file = PeerList.pathIn(dir);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    j.peers[0].fingerprint = 'not hex';
    writeFileSync(file, JSON.stringify(j));
    expect(() => PeerList.load(dir)).toThrow(/invalid/);
    writeFileSync(file, '{ half');
    expect(() => PeerList.load(dir)).toThrow(/not valid JSON/);
  });
});
