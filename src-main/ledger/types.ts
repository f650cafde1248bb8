/**
 * Core ledger data structures shared by the three chains (DESIGN.md §3). Everything that is
 * hashed or signed goes through codec/canonical (deterministic CBOR with a domain per chain and
 * message kind); the domains are listed in docs/encoding.md.
 */
import type { Canonical } from '../codec/canonical';

export type { ChainId } from '../../src-shared/vocabulary';
import { CHAINS, type ChainId } from '../../src-shared/vocabulary';

export const HASH_LENGTH = 32;

export function isChainId(x: unknown): x is ChainId {
  return typeof x === 'string' && (CHAINS as readonly string[]).includes(x);
}

/** A validator of one chain: its BLS public key (48 bytes), a display name and its proof of possession. */
export interface ValidatorInfo {
  name: string;
  blsPk: Uint8Array;
  pop: Uint8Array;
  /** Its CometBFT validator key (ed25519 public key, 32 bytes), on chains run by CometBFT. */
  consensusKey?: Uint8Array;
}

/** A member registered at genesis (founding organizations, with their encryption keys). */
export interface GenesisMember {
  name: string;
  role: 'hospital' | 'patient' | 'entity';
  blsPk: Uint8Array;
  x25519Pk: Uint8Array;
  pop: Uint8Array;
}

export interface Genesis {
  chain: ChainId;
  /** Network name chosen by the founding node; the genesis hash identifies the network. */
  network: string;
  /** Milliseconds since the epoch. */
  time: number;
  validators: ValidatorInfo[];
  members: GenesisMember[];
}

export interface BlockHeader {
  chain: ChainId;
  /** Hash of the chain's genesis: binds every block to one network. */
  genesis: Uint8Array;
  height: number;
  prevHash: Uint8Array;
  time: number;
  /** Index of the proposer in the validator set in force at this height. */
  proposer: number;
  /** RFC 6962 Merkle root over the transactions' ids (leaf hashes of their signing bytes). */
  txRoot: Uint8Array;
  /**
   * SHA-256 over the transactions' signatures in order. Signatures are witness data: the Merkle
   * tree commits to what was signed, so an inclusion proof can carry a transaction without its
   * signature (which travels aggregated, DESIGN.md §5); BLS signatures are unique per key and
   * message, and this hash binds the exact bytes stored.
   */
  sigsHash: Uint8Array;
  /** Hash of the validator set in force at this height. */
  validatorsHash: Uint8Array;
  /**
   * Root of the chain's state after this block's transactions (ledger/state-tree.ts): what
   * CometBFT calls the app hash. A node checks it before storing the block, and checks its stored
   * state against the head's root when it starts and on `trichain verify`.
   */
  stateRoot: Uint8Array;
}

/**
 * A commit certificate: one BLS aggregate of the precommit votes (DESIGN.md §4) over
 * voteMessage(genesis, height, round, 'precommit', blockHash) plus a bitmap of the signers
 * (bit i, least significant first within each byte, is validator i). 96 bytes of signature
 * however many validators signed.
 */
export interface Certificate {
  round: number;
  signers: Uint8Array;
  signature: Uint8Array;
}

export interface SignedTx {
  chain: ChainId;
  type: string;
  /** BLS public key of the author (48 bytes). */
  author: Uint8Array;
  /** Author-chosen unique number; (author, nonce) never repeats on a chain. */
  nonce: number;
  time: number;
  body: { [k: string]: Canonical };
  /** BLS signature over txSigningBytes(tx without sig). */
  sig: Uint8Array;
}

export interface Block {
  header: BlockHeader;
  txs: SignedTx[];
  cert: Certificate;
}
