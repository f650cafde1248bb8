/** Bodies of well-formed transactions with random content, for fixtures that fill chains. */
import { randomBytes } from 'node:crypto';
import type { BlsApi } from '../../src-main/crypto/bls-types';
import type { TxBody } from '../../src-main/ledger/rules/index';
import type { TrichainNode } from '../../src-main/node/node';

export const rnd = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** A record.anchor by this hospital node for `patient` (a random key if none); blobHash is already stored. */
export function anchorBody(node: TrichainNode, bls: BlsApi, blobHash: Uint8Array, patient?: Uint8Array): TxBody<'hospital', 'record.anchor'> {
  const wk = () => ({ epk: rnd(32), nonce: rnd(12), ct: rnd(48) });
  return {
    recordId: `rec-${Buffer.from(rnd(8)).toString('hex')}`,
    version: 1,
    patient: patient ?? bls.publicKey(bls.keygen(rnd(32))),
    org: node.identity.blsPublicKey,
    resourceType: 'Observation',
    contentHash: rnd(32),
    blobHash,
    size: 64,
    labels: { category: 'observation', sensitivity: [], confidentiality: 'N', rulesVersion: 1 },
    keys: { patient: wk(), org: wk() },
  };
}

/** A member.register of a fresh patient key (with its proof of possession). */
export function registerBody(bls: BlsApi, i: number): TxBody<'patient', 'member.register'> {
  const sk = bls.keygen(rnd(32));
  return { role: 'patient', name: `Patient ${i}`, blsPk: bls.publicKey(sk), x25519Pk: rnd(32), pop: bls.popProve(sk) };
}
