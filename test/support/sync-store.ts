/**
 * An in-memory SyncStore for the network tests and benchmarks. It really verifies what it can
 * without the ledger's state machine: the block decodes canonically, belongs to this chain and
 * genesis, has the next height, links to the previous block's hash (block 1 links to the genesis
 * hash), its txRoot is the RFC 6962 root of its transactions, its sigsHash matches and, when a validator set is given,
 * its header names that set and its commit certificate verifies against it (checkCertificate); in a
 * catch-up window (appendBlocks) only the last block's, the others audited later (audit()).
 * The real store is the ledger's; this one is a stand-in with the same contract.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual } from '../../src-main/codec/canonical';
import { toHex } from '../../src-main/codec/hex';
import type { BatchItem, BlsApi } from '../../src-main/crypto/bls-types';
import { certificateItem } from '../../src-main/ledger/batch-verify';
import { checkCertificate, makeCertificate } from '../../src-main/ledger/certificate';
import { blockHash, decodeBlock, encodeBlock, sigsHash, txRoot, validatorsHash, voteMessage } from '../../src-main/ledger/encoding';
import type { Block, BlockHeader, ChainId, SignedTx, ValidatorInfo } from '../../src-main/ledger/types';
import type { SyncStore } from '../../src-main/net/sync-store';

interface StoredChain {
  genesis: Uint8Array;
  blocks: Uint8Array[];
  last: BlockHeader | null;
  /** The lowest height whose certificate a window stored unaudited, or null. */
  unaudited: number | null;
}

export interface CertifyWith {
  bls: BlsApi;
  validators: ValidatorInfo[];
}

export class MemorySyncStore implements SyncStore {
  private readonly chains = new Map<ChainId, StoredChain>();
  private readonly blobs = new Map<string, Uint8Array>();
  /** Number of appendBlock calls that were refused, with their reasons. */
  readonly refused: string[] = [];

  constructor(
    genesis: Partial<Record<ChainId, Uint8Array>>,
    private readonly certify?: Partial<Record<ChainId, CertifyWith>>,
  ) {
    for (const [chain, g] of Object.entries(genesis) as [ChainId, Uint8Array][]) this.chains.set(chain, { genesis: g, blocks: [], last: null, unaudited: null });
  }

  genesisHash(chain: ChainId): Uint8Array | null {
    return this.chains.get(chain)?.genesis ?? null;
  }

  height(chain: ChainId): number {
    return this.chains.get(chain)?.blocks.length ?? 0;
  }

  blockBytes(chain: ChainId, height: number): Uint8Array | null {
    return height <= this.servedHeight(chain) ? (this.chains.get(chain)?.blocks[height - 1] ?? null) : null;
  }

  appendBlock(chain: ChainId, bytes: Uint8Array): void {
    try {
      const c = this.chainOf(chain);
      const cert = this.certify?.[chain];
      const b = this.structural(chain, c, bytes, c.blocks.length + 1, c.last ? blockHash(c.last) : c.genesis, cert ? validatorsHash(cert.validators) : null).block;
      this.certificate(chain, c, b);
      c.blocks.push(bytes);
      c.last = b.header;
    } catch (e) {
      this.refused.push((e as Error).message);
      throw e;
    }
  }

  /**
   * A catch-up window (SyncStore.appendBlocks): every block structurally, the last one's
   * certificate; all or nothing. The intermediate certificates are stored unaudited: not served
   * until audit() has checked them. (One validator set here: no window to cut.)
   */
  appendBlocks(chain: ChainId, list: Uint8Array[]): void {
    if (list.length === 1) return this.appendBlock(chain, list[0]);
    try {
      const c = this.chainOf(chain);
      let last = c.last;
      let prev = c.last ? blockHash(c.last) : c.genesis;
      const vHash = this.certify?.[chain] ? validatorsHash(this.certify[chain].validators) : null;
      let tip: Block | null = null;
      list.forEach((bytes, i) => {
        const checked = this.structural(chain, c, bytes, c.blocks.length + 1 + i, prev, vHash);
        tip = checked.block;
        prev = checked.hash;
        last = tip.header;
      });
      this.certificate(chain, c, tip!);
      if (this.certify?.[chain]) c.unaudited ??= c.blocks.length + 1;
      c.blocks.push(...list);
      c.last = last;
    } catch (e) {
      this.refused.push((e as Error).message);
      throw e;
    }
  }

  /** Blocks served to peers: those whose certificates were all checked. */
  servedHeight(chain: ChainId): number {
    const c = this.chains.get(chain);
    return c ? (c.unaudited ?? c.blocks.length + 1) - 1 : 0;
  }

  /**
   * Checks the unaudited certificates in one batchVerify (one by one if it fails). Returns how many
   * verified and the height of the first bad one (it stays unaudited: nothing from it is served).
   */
  audit(chain: ChainId): { audited: number; bad: number | null } {
    const c = this.chainOf(chain);
    const cert = this.certify?.[chain];
    if (!cert || c.unaudited === null) return { audited: 0, bad: null };
    const from = c.unaudited;
    const blocks = c.blocks.slice(from - 1).map((b) => decodeBlock(b));
    const items: BatchItem[] = [];
    let bad: number | null = null;
    for (const b of blocks) {
      try {
        items.push(certificateItem(cert.bls, cert.validators, b.header, blockHash(b.header), b.cert));
      } catch {
        bad = b.header.height;
        break;
      }
    }
    if (bad === null && cert.bls.batchVerify(items)) {
      c.unaudited = null;
      return { audited: items.length, bad: null };
    }
    const first = blocks.findIndex((b) => !checkCertificate(cert.bls, cert.validators, c.genesis, b.header.height, blockHash(b.header), b.cert).ok);
    c.unaudited = from + first;
    return { audited: first, bad: from + first };
  }

  private chainOf(chain: ChainId): StoredChain {
    const c = this.chains.get(chain);
    if (!c) throw new Error(`store: no genesis for chain ${chain}`);
    return c;
  }

  /** Decodes and checks a block against its predecessor's hash; returns it with its own hash. */
  private structural(chain: ChainId, c: StoredChain, bytes: Uint8Array, expected: number, prev: Uint8Array, vHash: Uint8Array | null): { block: Block; hash: Uint8Array } {
    const fail = (reason: string): never => {
      throw Object.assign(new Error(reason), { height: expected });
    };
    let b: Block;
    try {
      b = decodeBlock(bytes);
    } catch (e) {
      return fail(`store: block ${expected} does not decode: ${(e as Error).message}`);
    }
    const h = b.header;
    if (h.chain !== chain) fail(`store: block belongs to chain ${String(h.chain)}`);
    if (!(h.genesis instanceof Uint8Array) || !bytesEqual(h.genesis, c.genesis)) fail('store: block is from another network (genesis differs)');
    if (h.height !== expected) fail(`store: expected height ${expected}, got ${h.height}`);
    if (!(h.prevHash instanceof Uint8Array) || !bytesEqual(h.prevHash, prev)) fail(`store: block ${h.height} does not link to the previous block`);
    if (!(h.txRoot instanceof Uint8Array) || !bytesEqual(h.txRoot, txRoot(b.txs))) fail(`store: block ${h.height} Merkle root does not match its transactions`);
    if (!(h.sigsHash instanceof Uint8Array) || !bytesEqual(h.sigsHash, sigsHash(b.txs))) fail(`store: block ${h.height} signatures hash does not match its transactions`);
    if (vHash && !bytesEqual(h.validatorsHash, vHash)) fail(`store: block ${h.height} names another validator set`);
    return { block: b, hash: blockHash(h) };
  }

  private certificate(chain: ChainId, c: StoredChain, b: Block): void {
    const cert = this.certify?.[chain];
    if (!cert) return;
    const r = checkCertificate(cert.bls, cert.validators, c.genesis, b.header.height, blockHash(b.header), b.cert);
    if (!r.ok) throw Object.assign(new Error(`store: block ${b.header.height} certificate: ${r.reason}`), { height: b.header.height });
  }

  blob(hash: Uint8Array): Uint8Array | null {
    return this.blobs.get(toHex(hash)) ?? null;
  }

  putBlob(bytes: Uint8Array): Uint8Array {
    const h = sha256(bytes);
    this.blobs.set(toHex(h), bytes);
    return h;
  }
}

export interface ChainSigner {
  bls: BlsApi;
  secretKeys: Uint8Array[];
  validators: ValidatorInfo[];
}

/**
 * Builds `n` valid consecutive blocks on top of `genesis` (wire bytes). With a signer, each block
 * carries a real commit certificate; otherwise a placeholder one.
 */
export function buildChain(args: { chain: ChainId; genesis: Uint8Array; n: number; txsPerBlock?: number; startHeight?: number; prev?: Uint8Array; signer?: ChainSigner; payloadBytes?: number }): Uint8Array[] {
  const { chain, genesis, n, signer } = args;
  const txsPerBlock = args.txsPerBlock ?? 2;
  const out: Uint8Array[] = [];
  let prev = args.prev ?? genesis;
  const vHash = signer ? validatorsHash(signer.validators) : new Uint8Array(32);
  const start = args.startHeight ?? 1;
  for (let i = 0; i < n; i++) {
    const height = start + i;
    const txs: SignedTx[] = [];
    for (let j = 0; j < txsPerBlock; j++) {
      txs.push({
        chain,
        type: 'test/note',
        author: new Uint8Array(48).fill(7),
        nonce: height * 1000 + j,
        time: 1_700_000_000_000 + height,
        body: { note: `block ${height} tx ${j}`, pad: new Uint8Array(args.payloadBytes ?? 64).fill(j) },
        sig: new Uint8Array(96).fill(9),
      });
    }
    const header: BlockHeader = { chain, genesis, height, prevHash: prev, time: 1_700_000_000_000 + height, proposer: 0, txRoot: txRoot(txs), sigsHash: sigsHash(txs), validatorsHash: vHash, stateRoot: new Uint8Array(32) };
    const hash = blockHash(header);
    let cert: Block['cert'] = { round: 0, signers: new Uint8Array([1]), signature: new Uint8Array(96) };
    if (signer) {
      const msg = voteMessage(genesis, height, 0, 'precommit', hash);
      cert = makeCertificate(
        signer.bls,
        signer.validators.length,
        0,
        signer.secretKeys.map((sk, validator) => ({ validator, signature: signer.bls.sign(sk, msg) })),
      );
    }
    out.push(encodeBlock({ header, txs, cert }));
    prev = hash;
  }
  return out;
}

/** A store that already holds `blocks` (appended through its own verification). */
export function storeWith(genesis: Partial<Record<ChainId, Uint8Array>>, blocks: Partial<Record<ChainId, Uint8Array[]>>, certify?: Partial<Record<ChainId, CertifyWith>>): MemorySyncStore {
  const s = new MemorySyncStore(genesis, certify);
  for (const [chain, list] of Object.entries(blocks) as [ChainId, Uint8Array[]][]) for (const b of list) s.appendBlock(chain, b);
  return s;
}
