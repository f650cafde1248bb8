import { beforeAll, describe, expect, it } from 'vitest';
import { defaultBls } from '../../src-main/crypto/bls';
import { bytesEqual } from '../../src-main/codec/canonical';
import { acceptBinding, decodeBindingString, encodeBindingString, PeerDirectory, signBinding, verifyBinding, type KnownKey, type SignedBinding } from '../../src-main/net/binding';
import { tlsFor } from '../support/net';
import type { TlsIdentity } from '../../src-main/net/tls';

const bls = defaultBls();
const skA = bls.keygen(new Uint8Array(32).fill(1));
const skB = bls.keygen(new Uint8Array(32).fill(2));
const pkA = bls.publicKey(skA);
const pkB = bls.publicKey(skB);
let tlsA: TlsIdentity;
let tlsB: TlsIdentity;
let signed: SignedBinding;
const known = (pk: Uint8Array): KnownKey | null => (bytesEqual(pk, pkA) ? { role: 'hospital', name: 'General', validatorOf: ['hospital'] } : null);

beforeAll(async () => {
  tlsA = await tlsFor('a');
  tlsB = await tlsFor('b');
  signed = signBinding(bls, skA, { fingerprint: tlsA.fingerprint, blsPk: pkA, role: 'hospital', name: 'General', time: 1_700_000_000_000 });
});

describe('identity binding statement', () => {
  it('binds a TLS fingerprint to a known BLS key', () => {
    expect(verifyBinding(bls, signed)).toBe(true);
    const r = acceptBinding({ bls, signed, tlsFingerprint: tlsA.fingerprint, knownKey: known });
    expect(r).toEqual({ ok: true, peer: { fingerprint: tlsA.fingerprint, blsPk: pkA, role: 'hospital', name: 'General', validatorOf: ['hospital'] } });
  });

  it('refuses a connection whose TLS fingerprint is not the one in the statement', () => {
    expect(acceptBinding({ bls, signed, tlsFingerprint: tlsB.fingerprint, knownKey: known })).toEqual({ ok: false, reason: expect.stringMatching(/fingerprint differs/) });
  });

  it('refuses a statement signed with the wrong key', () => {
    const forged: SignedBinding = { statement: signed.statement, signature: bls.sign(skB, new Uint8Array([1])) };
    expect(verifyBinding(bls, forged)).toBe(false);
    const byB = signBinding(bls, skB, { ...signed.statement, blsPk: pkB });
    const claimA: SignedBinding = { statement: signed.statement, signature: byB.signature }; // B's signature, A's key
    expect(acceptBinding({ bls, signed: claimA, tlsFingerprint: tlsA.fingerprint, knownKey: known })).toMatchObject({ ok: false, reason: expect.stringMatching(/signature/) });
    expect(() => signBinding(bls, skB, signed.statement)).toThrow(/does not match/);
  });

  it('refuses an altered statement (fingerprint swapped after signing)', () => {
    const swapped: SignedBinding = { statement: { ...signed.statement, fingerprint: tlsB.fingerprint }, signature: signed.signature };
    expect(acceptBinding({ bls, signed: swapped, tlsFingerprint: tlsB.fingerprint, knownKey: known })).toMatchObject({ ok: false, reason: expect.stringMatching(/signature/) });
  });

  it('refuses a valid statement from a key the node does not know, or with another role', () => {
    const byB = signBinding(bls, skB, { fingerprint: tlsB.fingerprint, blsPk: pkB, role: 'hospital', name: 'B', time: 1 });
    expect(acceptBinding({ bls, signed: byB, tlsFingerprint: tlsB.fingerprint, knownKey: known })).toMatchObject({ ok: false, reason: expect.stringMatching(/not a known member/) });
    const asEntity = signBinding(bls, skA, { ...signed.statement, role: 'entity' });
    expect(acceptBinding({ bls, signed: asEntity, tlsFingerprint: tlsA.fingerprint, knownKey: known })).toMatchObject({ ok: false, reason: expect.stringMatching(/registered as hospital/) });
  });

  it('PeerDirectory authorizes only fingerprints with accepted bindings', () => {
    const dir = new PeerDirectory(bls, known);
    expect(dir.authorize(tlsA.fingerprint)).toBeNull();
    dir.add(signed);
    expect(dir.authorize(tlsA.fingerprint)?.name).toBe('General');
    expect(dir.authorize(tlsB.fingerprint)).toBeNull();
    expect(() => dir.add(signBinding(bls, skB, { fingerprint: tlsB.fingerprint, blsPk: pkB, role: 'patient', name: 'B', time: 1 }))).toThrow(/not a known member/);
    dir.remove(tlsA.fingerprint);
    expect(dir.authorize(tlsA.fingerprint)).toBeNull();
  });

  it('round-trips as a checksummed string and detects tampering', () => {
    const s = encodeBindingString(signed);
    expect(s.startsWith('trichain-peer:')).toBe(true);
    const back = decodeBindingString(s);
    expect(back).toEqual(signed);
    expect(verifyBinding(bls, back)).toBe(true);
    const i = 30;
    const flipped = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(() => decodeBindingString(flipped)).toThrow(/checksum/);
  });
});
