/**
 * SIMULATION-ONLY stand-in for BLS. NOT A SIGNATURE SCHEME: "signatures" are HMAC-SHA256 tags
 * under per-validator secrets, and verification looks the secret up by public key in a registry
 * that every simulated node shares. It exists so that hundreds of simulation seeds run in seconds
 * on two cores; a few seeds run end to end with real BLS (createBls) as well. Never use outside
 * src-main/consensus/sim and its tests.
 */
import { createHash, createHmac } from 'node:crypto';
import type { ConsensusBls } from '../../../src-main/consensus/driver';

export interface SimKeyPair {
  sk: Uint8Array;
  pk: Uint8Array;
  pop: Uint8Array;
}

export interface SimBls extends ConsensusBls {
  keyPair(label: string): SimKeyPair;
}

const tag = (sk: Uint8Array, msg: Uint8Array): Uint8Array => {
  const t = createHmac('sha256', sk).update(msg).digest();
  const out = new Uint8Array(96);
  out.set(t, 0);
  out.set(t, 32);
  out.set(t, 64);
  return out;
};

const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function createSimBls(): SimBls {
  const secrets = new Map<string, Uint8Array>();
  const aggregate = (sigs: Uint8Array[]): Uint8Array => {
    if (sigs.length === 0) throw new Error('sim-bls: empty aggregate');
    const h = createHash('sha384');
    for (const s of sigs) h.update(s);
    const d = h.digest();
    const out = new Uint8Array(96);
    out.set(d, 0);
    out.set(d, 48);
    return out;
  };
  return {
    keyPair(label: string): SimKeyPair {
      const sk = new Uint8Array(createHash('sha256').update(`sim-key/${label}`).digest());
      const pk = new Uint8Array(createHash('sha384').update(sk).digest());
      secrets.set(hex(pk), sk);
      return { sk, pk, pop: new Uint8Array(96) };
    },
    sign: (sk, msg) => tag(sk, msg),
    verify(pk, msg, sig) {
      const sk = secrets.get(hex(pk));
      return !!sk && sig instanceof Uint8Array && eq(tag(sk, msg), sig);
    },
    aggregate,
    fastAggregateVerify(pks, msg, sig) {
      if (pks.length === 0) return false;
      const sigs: Uint8Array[] = [];
      for (const pk of pks) {
        const sk = secrets.get(hex(pk));
        if (!sk) return false;
        sigs.push(tag(sk, msg));
      }
      return eq(aggregate(sigs), sig);
    },
  };
}
