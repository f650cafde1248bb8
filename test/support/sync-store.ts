/**
 * An in-memory SyncStore for the network tests and benchmarks. It really verifies what it can
 * without the ledger's state machine: the block decodes canonically, belongs to this chain and
 * genesis, has the next height, links to the previous block's hash (block 1 links to the genesis
 * hash), its txRoot is the RFC 6962 root of its transactions, its sigsHash matches and, when a validator set is given,
 * its header names that set and its commit certificate verifies against it (checkCertificate).
 * The real store is the ledger's; this one is a stand-in with the same contract.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual } from '../../src-main/codec/canonical';
import { toHex } from '../../src-main/codec/hex';
import type { BlsApi } from '../../src-main/crypto/bls-types';
import { checkCertificate, makeCertificate } from '../../src-main/ledger/certificate';
import { blockHash, decodeBlock, encodeBlock, sigsHash, txRoot, validatorsHash, voteMessage } from '../../src-main/ledger/encoding';
import type { Block, BlockHeader, ChainId, SignedTx, ValidatorInfo } from '../../src-main/ledger/types';
import type { SyncStore } from '../../src-main/net/sync-store';

export interface CertifyWith {
  bls: BlsApi;
  validators: ValidatorInfo[];
}

export class MemorySyncStore implements SyncStore {
  private readonly chains = new Map<ChainId, { genesis: Uint8Array; blocks: Uint8Array[]; last: BlockHeader | null }>();
  private readonly blobs = new Map<string, Uint8Array>();
  /** Number of appendBlock calls that were refused, with their reasons. */
  readonly refused: string[] = [];

  constructor(
    genesis: Partial<Record<ChainId, Uint8Array>>,
    private readonly certify?: Partial<Record<ChainId, CertifyWith>>,
  ) {
    for (const [chain, g] of Object.entries(genesis) as [ChainId, Uint8Array][]) this.chains.set(chain, { genesis: g, blocks: [], last: null });
  }

  genesisHash(chain: ChainId): Uint8Array | null {
    return this.chains.get(chain)?.genesis ?? null;
  }

  height(chain: ChainId): number {
    return this.chains.get(chain)?.blocks.length ?? 0;
  }

  blockBytes(chain: ChainId, height: number): Uint8Array | null {
    return this.chains.get(chain)?.blocks[height - 1] ?? null;
  }

  appendBlock(chain: ChainId, bytes: Uint8Array): void {
    try {
      this.check(chain, bytes);
    } catch (e) {
      this.refused.push((e as Error).message);
      throw e;
    }
  }

  private check(chain: ChainId, bytes: Uint8Array): void {
    const c = this.chains.get(chain);
    if (!c) throw new Error(`store: no genesis for chain ${chain}`);
    const b = decodeBlock(bytes);
    const h = b.header;
    if (h.chain !== chain) throw new Error(`store: block belongs to chain ${String(h.chain)}`);
    if (!(h.genesis instanceof Uint8Array) || !bytesEqual(h.genesis, c.genesis)) throw new Error('store: block is from another network (genesis differs)');
    const expected = c.blocks.length + 1;
    if (h.height !== expected) throw new Error(`store: expected height ${expected}, got ${h.height}`);
    const prev = c.last ? blockHash(c.last) : c.genesis;
    if (!(h.prevHash instanceof Uint8Array) || !bytesEqual(h.prevHash, prev)) throw new Error(`store: block ${h.height} does not link to the previous block`);
    if (!(h.txRoot instanceof Uint8Array) || !bytesEqual(h.txRoot, txRoot(b.txs))) throw new Error(`store: block ${h.height} Merkle root does not match its transactions`);
    if (!(h.sigsHash instanceof Uint8Array) || !bytesEqual(h.sigsHash, sigsHash(b.txs))) throw new Error(`store: block ${h.height} signatures hash does not match its transactions`);
    const cert = this.certify?.[chain];
    if (cert) {
      if (!bytesEqual(h.validatorsHash, validatorsHash(cert.validators))) throw new Error(`store: block ${h.height} names another validator set`);
      const r = checkCertificate(cert.bls, cert.validators, c.genesis, h.height, blockHash(h), b.cert);
      if (!r.ok) throw new Error(`store: block ${h.height} certificate: ${r.reason}`);
    }
    // all checks passed: store atomically
    c.blocks.push(bytes);
    c.last = h;
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
