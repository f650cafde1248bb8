/**
 * The network layer's view of a TrichainNode (src-main/net/sync-store.ts), and the node's blob
 * index for the peer server's access control.
 *
 * NodeSyncStore: catch-up sync appends blocks through the node, so every block fully verified by
 * the ledger (hash link, Merkle root, certificate, signatures, rules) is also announced with the
 * node's 'block' event, like blocks made locally or by consensus.
 *
 * A chain this node holds as a light client (ledger/light.ts) is appended with appendLight and
 * never served (isLight); for a chain it holds in full, it serves light blocks to light clients,
 * reduced to the requesting peer's own transactions (lightBlockBytes).
 *
 * BlobIndex: which ciphertext blob belongs to what (BlobMeta for net/acl.ts), kept in memory and
 * derived from the committed transactions themselves (of a light chain: the held ones):
 *   hospital  record.anchor   blobHash -> record { patient, author: org, keyHolders: [org] }
 *             (record.anchorBatch: the same for each entry; record.linkBatch likewise below)
 *   hospital  key.rewrap      adds toOrg to that version's keyHolders
 *   hospital  record.erase    (and patient record.unlink, for nodes holding only the patient chain)
 *                             drops every version's blob from the index AND deletes the
 *                             ciphertexts from the blob store (crypto-shredding on every node
 *                             that applies the block, whoever made it)
 *   patient   record.link     blobHash -> record (for nodes that hold only the patient chain)
 *   social    share.request   remembers the requesting entity
 *   social    share.publish   packageHash -> package { publisher, addressedTo: [entity] }
 * The index follows the chains by a per-chain watermark: catchUp() reads every block above it,
 * so blocks committed by another process on the same database (trichain admit) are seen too.
 * On start it replays the stored chains once (block decoding only, no re-verification), which
 * also finishes any shredding a crash interrupted. Choice: no extra table; the replay costs a
 * CBOR decode per stored block at start-up.
 */
import { fromHex, toHex } from '../codec/hex';
import { bytesEqual } from '../codec/canonical';
import { blockHash, decodeBlock } from '../ledger/encoding';
import { decodeLightBlock, encodeLightBlock, heldTxs, lightBlockFor } from '../ledger/light';
import { BlockRejected } from '../ledger/ledger';
import { servableHeight } from '../ledger/catch-up';
import { isPendingCertificate } from '../ledger/certificate';
import { type Block, type ChainId, type SignedTx } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';
import type { BlobMeta } from '../net/acl';
import type { SyncStore } from '../net/sync-store';
import type { TrichainNode } from './node';

export class NodeSyncStore implements SyncStore {
  constructor(private readonly node: TrichainNode) {}

  genesisHash(chain: ChainId): Uint8Array | null {
    return this.node.ledger.hasGenesis(chain) ? this.node.ledger.genesisHash(chain) : null;
  }

  height(chain: ChainId): number {
    return this.node.ledger.hasGenesis(chain) ? this.node.ledger.certifiedHeight(chain) : 0;
  }

  /**
   * Peers are offered blocks whose certificates were verified only: not a pending one (a CometBFT
   * block's lands two heights later), nor one a catch-up window stored unaudited (ledger/catch-up).
   */
  servedHeight(chain: ChainId): number {
    return this.node.ledger.hasGenesis(chain) ? servableHeight(this.node.ledger, chain) : 0;
  }

  blockBytes(chain: ChainId, height: number): Uint8Array | null {
    return this.node.ledger.hasGenesis(chain) && height <= this.servedHeight(chain) ? this.node.ledger.blockBytes(chain, height) : null;
  }

  /** Verifies and stores a block (throws BlockRejected with the reason), then emits 'block'. */
  appendBlock(chain: ChainId, bytes: Uint8Array): void {
    if (!this.node.ledger.hasGenesis(chain)) throw new Error(`no genesis for the ${chain} chain`);
    let block: Block;
    try {
      block = decodeBlock(bytes);
    } catch (e) {
      throw new BlockRejected(chain, this.node.ledger.height(chain) + 1, (e as Error).message);
    }
    if (block.header?.chain !== chain) throw new BlockRejected(chain, this.node.ledger.height(chain) + 1, 'block belongs to another chain');
    this.node.commitBlock(block);
  }

  /** Verifies consecutive blocks in windows (Ledger.commitBlocks), then emits 'block' for each stored. */
  appendBlocks(chain: ChainId, list: Uint8Array[]): void {
    if (!this.node.ledger.hasGenesis(chain)) throw new Error(`no genesis for the ${chain} chain`);
    const first = this.node.ledger.height(chain) + 1;
    const blocks = list.map((bytes, i) => {
      try {
        const b = decodeBlock(bytes);
        if (b.header?.chain !== chain) throw new Error('block belongs to another chain');
        return b;
      } catch (e) {
        throw new BlockRejected(chain, first + i, (e as Error).message);
      }
    });
    this.node.commitBlocks(blocks);
  }

  isLight(chain: ChainId): boolean {
    return this.node.ledger.hasGenesis(chain) && this.node.ledger.isLight(chain);
  }

  lightBlockBytes(chain: ChainId, height: number, forKey: Uint8Array): Uint8Array | null {
    if (!this.node.ledger.hasGenesis(chain) || this.isLight(chain) || height > this.servedHeight(chain)) return null;
    const b = lightBlockFor(this.node.ledger, chain, height, forKey);
    return b ? encodeLightBlock(b) : null;
  }

  /** Verifies and stores a light block (throws BlockRejected with the reason), then emits 'block'. */
  appendLight(chain: ChainId, bytes: Uint8Array): void {
    let b;
    try {
      b = decodeLightBlock(bytes);
      if (b.header.chain !== chain) throw new Error('light block belongs to another chain');
    } catch (e) {
      throw new BlockRejected(chain, this.node.ledger.height(chain) + 1, (e as Error).message);
    }
    this.node.commitLight(b);
  }

  blob(hash: Uint8Array): Uint8Array | null {
    return this.node.blobs.get(hash);
  }

  putBlob(bytes: Uint8Array): Uint8Array {
    return this.node.blobs.put(bytes);
  }
}

interface RecordEntry {
  /** version -> blob hash hex */
  versions: Map<number, string>;
}

export interface ErasedEvent {
  recordId: string;
  /** Hashes (hex) of the ciphertexts deleted from this node's blob store. */
  deleted: string[];
}

type Body = Record<string, unknown>;

export class BlobIndex {
  private readonly metas = new Map<string, BlobMeta>();
  private readonly records = new Map<string, RecordEntry>();
  private readonly erasedRecords = new Set<string>();
  private readonly requestEntity = new Map<string, Uint8Array>();
  private readonly indexed: Record<ChainId, number> = { patient: 0, hospital: 0, social: 0 };

  constructor(
    private readonly node: TrichainNode,
    private readonly onErased?: (e: ErasedEvent) => void,
  ) {}

  /** Metadata for the peer server's ACL; null when unknown (deny by default). */
  meta(hash: Uint8Array): BlobMeta | null {
    this.catchUp();
    return this.metas.get(toHex(hash)) ?? null;
  }

  /** Every indexed blob hash (hex) with its metadata. */
  entries(): [string, BlobMeta][] {
    this.catchUp();
    return [...this.metas.entries()];
  }

  isErased(recordId: string): boolean {
    return this.erasedRecords.has(recordId);
  }

  /** Reads every committed block above the watermark of each chain. */
  catchUp(): void {
    for (const chain of CHAINS) {
      if (!this.node.ledger.hasGenesis(chain)) continue;
      const top = this.node.ledger.height(chain);
      const light = this.node.ledger.isLight(chain);
      while (this.indexed[chain] < top) {
        const h = this.indexed[chain] + 1;
        const bytes = light ? null : this.node.ledger.blockBytes(chain, h);
        if (!bytes && !light) break;
        this.applyBlock(chain, bytes ? decodeBlock(bytes).txs : heldTxs(this.node.ledger, chain, h));
        this.indexed[chain] = h;
      }
    }
  }

  private recordOf(id: string): RecordEntry {
    let r = this.records.get(id);
    if (!r) this.records.set(id, (r = { versions: new Map() }));
    return r;
  }

  private applyBlock(chain: ChainId, txs: SignedTx[]): void {
    for (const tx of txs) {
      const b = tx.body as Body;
      try {
        if (chain === 'hospital' && tx.type === 'record.anchor') this.addRecord(String(b.recordId), Number(b.version), b.blobHash as Uint8Array, b.patient as Uint8Array, b.org as Uint8Array);
        else if (chain === 'patient' && tx.type === 'record.link') this.addRecord(String(b.recordId), Number(b.version), b.blobHash as Uint8Array, b.patient as Uint8Array, b.org as Uint8Array, true);
        else if ((chain === 'hospital' && tx.type === 'record.anchorBatch') || (chain === 'patient' && tx.type === 'record.linkBatch')) {
          for (const e of b.entries as unknown as Body[]) this.addRecord(String(e.recordId), Number(e.version), e.blobHash as Uint8Array, b.patient as Uint8Array, b.org as Uint8Array, tx.type === 'record.linkBatch');
        }
        else if (chain === 'hospital' && tx.type === 'key.rewrap') {
          const hex = this.records.get(String(b.recordId))?.versions.get(Number(b.version));
          const m = hex ? this.metas.get(hex) : undefined;
          if (m && m.kind === 'record' && !m.keyHolders.some((k) => toHex(k) === toHex(b.toOrg as Uint8Array))) m.keyHolders.push(b.toOrg as Uint8Array);
        } else if ((chain === 'hospital' && tx.type === 'record.erase') || (chain === 'patient' && tx.type === 'record.unlink')) this.erase(String(b.recordId));
        else if (chain === 'social' && tx.type === 'share.request') this.requestEntity.set(String(b.requestId), tx.author);
        else if (chain === 'social' && tx.type === 'share.publish') {
          const entity = this.requestEntity.get(String(b.requestId)) ?? this.entityFromState(String(b.requestId));
          this.metas.set(toHex(b.packageHash as Uint8Array), { kind: 'package', publisher: tx.author, addressedTo: entity ? [entity] : [] });
        }
      } catch {
        // A committed transaction is well-formed (the ledger checked it); ignore anything odd.
      }
    }
  }

  private entityFromState(requestId: string): Uint8Array | null {
    const r = this.node.ledger.state('social').get(`request/${requestId}`) as { entity?: Uint8Array } | undefined;
    return r?.entity instanceof Uint8Array ? r.entity : null;
  }

  /**
   * A record.link names the patient by their own key: it overrides the anchor's patient, which is
   * the hospital's provisional id when the record was stored before the patient enrolled.
   */
  private addRecord(recordId: string, version: number, blobHash: Uint8Array, patient: Uint8Array, org: Uint8Array, fromLink = false): void {
    if (this.erasedRecords.has(recordId)) return;
    const hex = toHex(blobHash);
    this.recordOf(recordId).versions.set(version, hex);
    const m = this.metas.get(hex);
    if (!m) this.metas.set(hex, { kind: 'record', patient, author: org, keyHolders: [org] });
    else if (fromLink && m.kind === 'record') m.patient = patient;
  }

  private erase(recordId: string): void {
    this.erasedRecords.add(recordId);
    const r = this.records.get(recordId);
    const deleted: string[] = [];
    const hashes = new Set<string>(r ? r.versions.values() : []);
    // Also versions this node knows only from the hospital chain's state (e.g. anchored before the index).
    const st = this.node.ledger.hasGenesis('hospital') ? this.node.ledger.state('hospital') : null;
    const head = st?.get(`record/${recordId}`) as { version?: number } | undefined;
    for (let v = 1; head?.version && v <= head.version; v++) {
      const rv = st!.get(`record/${recordId}/v/${v}`) as { blobHash?: Uint8Array } | undefined;
      if (rv?.blobHash instanceof Uint8Array) hashes.add(toHex(rv.blobHash));
    }
    for (const hex of hashes) {
      this.metas.delete(hex);
      if (this.node.blobs.delete(fromHex(hex, 32))) deleted.push(hex);
    }
    this.records.delete(recordId);
    if (deleted.length > 0 || hashes.size > 0) this.onErased?.({ recordId, deleted });
  }
}

/** The canonical CBOR of a chain's genesis document as stored (served to joining peers). */
export function genesisDocBytes(node: TrichainNode, chain: ChainId): Uint8Array | null {
  if (!node.ledger.hasGenesis(chain)) return null;
  const row = node.db.prepare('SELECT doc FROM genesis WHERE chain = ?').pluck().get(chain) as Buffer | undefined;
  return row ? new Uint8Array(row) : null;
}

/**
 * The store catch-up appends to (the daemon's). Where a consensus engine (or another process on
 * this database) stores the same height while a batch streams in, the peer's block at a height
 * already stored is accepted when its bytes hash to the stored block (it is the same block:
 * nothing to do, unless the stored one still waits for its certificate: a block this node's
 * CometBFT finalized before it stopped, e.g. removed from the validators; the peer's certificate
 * is then checked and attached) and refused otherwise; SQLite's BUSY under a concurrent writer is
 * retried, not blamed on the peer.
 */
export function catchUpStore(node: TrichainNode, store: NodeSyncStore): SyncStore {
  const retryBusy = (append: () => void, sameAsStored: () => boolean): void => {
    for (let i = 0; ; i++) {
      try {
        return append();
      } catch (e) {
        if (sameAsStored()) return;
        if (!/database is locked|SQLITE_BUSY/i.test(String((e as Error).message) + String((e as { code?: string }).code ?? '')) || i >= 50) throw e;
      }
    }
  };
  const sameAsStored = (chain: ChainId, bytes: Uint8Array): boolean => {
    const ledger = node.ledger;
    let block;
    try {
      block = decodeBlock(bytes);
    } catch {
      return false;
    }
    const h = block.header?.height;
    if (!Number.isSafeInteger(h) || h < 1 || h > ledger.height(chain)) return false;
    const bytesHere = ledger.blockBytes(chain, h);
    const stored = bytesHere ? decodeBlock(bytesHere) : null;
    if (!stored || !bytesEqual(blockHash(stored.header), blockHash(block.header))) return false;
    if (isPendingCertificate(stored.cert) && !isPendingCertificate(block.cert)) ledger.attachCertificate(chain, h, block.cert);
    return true;
  };
  return {
    genesisHash: (c) => store.genesisHash(c),
    height: (c) => store.height(c),
    servedHeight: (c) => store.servedHeight(c),
    blockBytes: (c, h) => store.blockBytes(c, h),
    blob: (h) => store.blob(h),
    putBlob: (b) => store.putBlob(b),
    isLight: (c) => store.isLight(c),
    appendLight: (chain, bytes) => retryBusy(() => store.appendLight(chain, bytes), () => false),
    appendBlock: (chain, bytes) => retryBusy(() => store.appendBlock(chain, bytes), () => sameAsStored(chain, bytes)),
    // A window: the blocks the node already holds (stored meanwhile by consensus) are skipped when
    // they are the same blocks, the rest appended as one window.
    appendBlocks: (chain, list) => {
      let i = 0;
      while (i < list.length && sameAsStored(chain, list[i])) i++;
      const rest = list.slice(i);
      if (rest.length > 0) retryBusy(() => store.appendBlocks(chain, rest), () => sameAsStored(chain, rest[rest.length - 1]));
    },
  };
}
