/**
 * The byte encodings of ledger objects: the one place their domains are named.
 *   <chain>/genesis   genesis document            -> genesis hash
 *   <chain>/block     block header                -> block hash
 *   <chain>/tx        transaction without its sig -> what the author signs
 *   validators        validator set               -> validatorsHash in headers
 *   vote              (genesis, height, round, phase, block hash) -> what validators sign
 * Wire form of a block (storage and sync): canonical CBOR of {header, txs, cert}.
 */
import { canonicalDecode, canonicalEncode, domainBytes, domainHash, type Canonical } from '../codec/canonical';
import { sha256 } from '../crypto/hash';
import { leafHash, merkleRootOfLeaves } from './merkle';
import type { Block, BlockHeader, Certificate, Genesis, SignedTx, ValidatorInfo } from './types';

export type VotePhase = 'prevote' | 'precommit';

export const genesisHash = (g: Genesis): Uint8Array => domainHash(`${g.chain}/genesis`, g as unknown as Canonical);

export const blockHash = (h: BlockHeader): Uint8Array => domainHash(`${h.chain}/block`, h as unknown as Canonical);

export const validatorsHash = (vs: ValidatorInfo[]): Uint8Array =>
  domainHash('validators', vs.map((v): Canonical => (v.consensusKey ? { name: v.name, blsPk: v.blsPk, consensusKey: v.consensusKey } : { name: v.name, blsPk: v.blsPk })));

export function txSigningBytes(tx: Omit<SignedTx, 'sig'>): Uint8Array {
  const { chain, type, author, nonce, time, body } = tx;
  return domainBytes(`${chain}/tx`, { chain, type, author, nonce, time, body });
}

/** Canonical bytes of a whole signed transaction (its Merkle leaf data and its wire form). */
export const txBytes = (tx: SignedTx): Uint8Array => canonicalEncode(tx as unknown as Canonical);

/** A transaction's id: the RFC 6962 leaf hash of its signing bytes (what its author signed). */
export const txId = (tx: Omit<SignedTx, 'sig'>): Uint8Array => leafHash(txSigningBytes(tx));

export const txRoot = (txs: Omit<SignedTx, 'sig'>[]): Uint8Array => merkleRootOfLeaves(txs.map(txId));

/** SHA-256 over the concatenated 96-byte signatures, in block order. */
export function sigsHash(txs: SignedTx[]): Uint8Array {
  const all = new Uint8Array(txs.length * 96);
  txs.forEach((tx, i) => {
    if (!(tx.sig instanceof Uint8Array) || tx.sig.length !== 96) throw new Error('transaction signature must be 96 bytes');
    all.set(tx.sig, i * 96);
  });
  return sha256(all);
}

export function voteMessage(genesis: Uint8Array, height: number, round: number, phase: VotePhase, block: Uint8Array | null): Uint8Array {
  return domainBytes('vote', { genesis, height, round, phase, block });
}

export const encodeBlock = (b: Block): Uint8Array => canonicalEncode(b as unknown as Canonical);

export function decodeBlock(bytes: Uint8Array): Block {
  const b = canonicalDecode(bytes) as unknown as Block;
  if (!b || typeof b !== 'object' || !b.header || !Array.isArray(b.txs) || !b.cert) throw new Error('block: malformed encoding');
  return b;
}

export const encodeCertificate = (c: Certificate): Uint8Array => canonicalEncode(c as unknown as Canonical);
