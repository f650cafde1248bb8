import { describe, expect, it } from 'vitest';
import { chainsFor, mayReceiveBlob, mayReceiveChain, maySendConsensus, type BlobMeta } from '../../src-main/net/acl';
import type { PeerIdentity, Role } from '../../src-main/net/types';
import type { ChainId } from '../../src-main/ledger/types';

const pk = (n: number) => new Uint8Array(48).fill(n);
const peer = (role: Role, n: number, validatorOf: ChainId[] = []): PeerIdentity => ({ fingerprint: 'f'.repeat(64), blsPk: pk(n), role, name: `${role}${n}`, validatorOf });

const hospitalV = peer('hospital', 1, ['hospital', 'patient', 'social']);
const clinic = peer('hospital', 2, ['social']);
const pat = peer('patient', 3);
const pat2 = peer('patient', 4);
const insurer = peer('entity', 5);
const research = peer('entity', 6);

const record: BlobMeta = { kind: 'record', patient: pk(3), author: pk(2), keyHolders: [pk(2)] };
const rewrapped: BlobMeta = { kind: 'record', patient: pk(4), author: pk(9), keyHolders: [pk(9), pk(2)] };
const pkg: BlobMeta = { kind: 'package', publisher: pk(1), addressedTo: [pk(5)] };

describe('chain entitlements', () => {
  it('hospital: all three; patient: patient only; entity: social only', () => {
    expect(chainsFor(hospitalV)).toEqual(['patient', 'hospital', 'social']);
    expect(chainsFor(pat)).toEqual(['patient']);
    expect(chainsFor(insurer)).toEqual(['social']);
    expect(mayReceiveChain(pat, 'hospital')).toBe(false);
    expect(mayReceiveChain(insurer, 'patient')).toBe(false);
    expect(mayReceiveChain(insurer, 'hospital')).toBe(false);
  });
  it('returns copies, so callers cannot widen the policy', () => {
    chainsFor(pat).push('hospital');
    expect(chainsFor(pat)).toEqual(['patient']);
  });
  it('consensus only from validators of that chain (and never beyond the role)', () => {
    expect(maySendConsensus(hospitalV, 'hospital')).toBe(true);
    expect(maySendConsensus(clinic, 'hospital')).toBe(false);
    expect(maySendConsensus(clinic, 'social')).toBe(true);
    expect(maySendConsensus({ ...insurer, validatorOf: ['hospital', 'social'] }, 'hospital')).toBe(false);
    expect(maySendConsensus({ ...insurer, validatorOf: ['social'] }, 'social')).toBe(true);
  });
});

describe('blob entitlements', () => {
  it('patient: own records only', () => {
    expect(mayReceiveBlob(pat, record)).toBe(true);
    expect(mayReceiveBlob(pat2, record)).toBe(false);
    expect(mayReceiveBlob(pat, pkg)).toBe(false);
  });
  it('entity: packages addressed to it only', () => {
    expect(mayReceiveBlob(insurer, pkg)).toBe(true);
    expect(mayReceiveBlob(research, pkg)).toBe(false);
    expect(mayReceiveBlob(insurer, record)).toBe(false);
  });
  it('hospital: authored or key held; validators of the hospital chain replicate record ciphertexts; packages only to their publisher', () => {
    expect(mayReceiveBlob(clinic, record)).toBe(true); // author
    expect(mayReceiveBlob(clinic, rewrapped)).toBe(true); // re-wrapped key
    expect(mayReceiveBlob(hospitalV, rewrapped)).toBe(true); // validator replica
    expect(mayReceiveBlob(peer('hospital', 7), rewrapped)).toBe(false);
    expect(mayReceiveBlob(hospitalV, pkg)).toBe(true); // publisher
    expect(mayReceiveBlob(clinic, pkg)).toBe(false);
  });
  it('denies by default', () => {
    for (const p of [hospitalV, clinic, pat, insurer]) expect(mayReceiveBlob(p, null)).toBe(false);
    expect(mayReceiveBlob({ ...pat, role: 'admin' as Role }, record)).toBe(false);
  });
});
