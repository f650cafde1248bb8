/**
 * Verification of everything a node stores for its chains (run at start and by `trichain verify`):
 *   blocks   decoded, hashed, in height sequence, hash-linked, Merkle root, signatures hash,
 *            validator-set hash, commit certificate (of a catch-up window not yet audited: its
 *            last block's, ./catch-up) and, with `signatures`, every tx signature;
 *   txs      the transaction index: exactly one row per transaction of every block, with its
 *            height, position, type, author and nonce (the rules read it: duplicates and nonces);
 *   state    the `state` table recomputed from scratch must hash to the head's certified state
 *            root (at height 0: the root of the state the genesis installs). Where the stored
 *            tree still matches the certified root, the keys that differ are named;
 *   tree     the state tree (state_leaves, state_nodes) must equal the one recomputed from the
 *            state: it is derived data, so with `repairTree` a damaged tree over a verified state
 *            is rebuilt instead of reported.
 * A chain held as a light client (headers, certificates, own transactions with inclusion proofs)
 * is checked by ./light verifyLightChain instead.
 * Every fault is named by chain, height, table and, where known, the key or transaction id.
 */
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { checkCertificate, isPendingCertificate } from './certificate';
import { blockHash, decodeBlock, genesisHash, sigsHash, txId, txRoot, txSigningBytes, validatorsHash } from './encoding';
import { genesisStateRoot } from './genesis-state';
import type { Ledger } from './ledger';
import { imageOfLeaves, type TreeImage } from './state-tree';
import type { Block, ChainId } from './types';
import { verifyLightChain, type LightSummary } from './light';
import { unauditedRange, type AuditRange } from './catch-up';

export type VerifyTable = 'genesis' | 'blocks' | 'light blocks' | 'txs' | 'state' | 'state tree';

export interface VerifyFault {
  chain: ChainId;
  height: number;
  table: VerifyTable;
  /** The state key or transaction id (hex) concerned, where one is known. */
  key?: string;
  reason: string;
}

export type VerifyResult =
  | { ok: true; heights: Record<ChainId, number>; repaired?: string[]; light?: Partial<Record<ChainId, LightSummary>> }
  | { ok: false; chain: ChainId; height: number; table: VerifyTable; reason: string; faults: VerifyFault[] };

const MAX_FAULTS = 50;

export function describeFault(f: VerifyFault): string {
  return `${f.chain} chain at height ${f.height}: ${f.table} table${f.key ? ` (${f.key})` : ''}: ${f.reason}`;
}

export function verifyLedger(ledger: Ledger, opts: { signatures?: boolean; repairTree?: boolean } = {}): VerifyResult {
  const heights = {} as Record<ChainId, number>;
  const faults: VerifyFault[] = [];
  const repaired: string[] = [];
  const light: Partial<Record<ChainId, LightSummary>> = {};
  const blocksFrom = ledger.db.prepare('SELECT height, hash, bytes FROM blocks WHERE chain = ? AND height >= ? ORDER BY height LIMIT ?');
  const indexAt = ledger.db.prepare('SELECT id, idx, type, author, nonce FROM txs WHERE chain = ? AND height = ? ORDER BY idx');
  const strayIndex = ledger.db.prepare('SELECT height, id FROM txs WHERE chain = ? AND (height > ? OR height < 1) LIMIT 5');

  for (const chain of ledger.chains()) {
    const add = (height: number, table: VerifyTable, reason: string, key?: string): void => {
      if (faults.length < MAX_FAULTS) faults.push({ chain, height, table, reason, ...(key ? { key } : {}) });
    };
    const genesisH = ledger.genesisHash(chain);
    const g = ledger.genesis(chain);
    if (!bytesEqual(genesisHash(g), genesisH)) {
      add(0, 'genesis', 'genesis document does not match its hash');
      continue;
    }
    if (ledger.isLight(chain)) {
      light[chain] = verifyLightChain(ledger, chain, add);
      heights[chain] = light[chain].height;
      continue;
    }
    let prev = genesisH;
    let prevTime = g.time;
    let expected = 1;
    let head: Block | null = null;
    let blocksOk = true;
    const certifiedHeight = ledger.certifiedHeight(chain);
    const unaudited = unauditedRange(ledger.db, chain);
    const page = 256;
    scan: for (;;) {
      const rows = blocksFrom.all(chain, expected, page) as { height: number; hash: Buffer; bytes: Buffer }[];
      for (const row of rows) {
        const h = row.height;
        const fail = (reason: string): void => {
          add(h, 'blocks', reason);
          blocksOk = false;
        };
        if (h !== expected) {
          add(expected, 'blocks', `block ${expected} is missing`);
          blocksOk = false;
          break scan;
        }
        let b: Block;
        try {
          b = decodeBlock(new Uint8Array(row.bytes));
        } catch (e) {
          fail(`undecodable: ${(e as Error).message}`);
          break scan;
        }
        const reason = checkBlock(ledger, chain, h, b, new Uint8Array(row.hash), genesisH, prev, prevTime, opts.signatures ?? false, certifiedHeight, unaudited);
        if (reason) {
          fail(reason);
          break scan;
        }
        checkIndex(indexAt.all(chain, h) as IndexRow[], b, (reason, key) => add(h, 'txs', reason, key));
        prev = new Uint8Array(row.hash);
        prevTime = b.header.time;
        head = b;
        expected++;
      }
      if (rows.length < page) break;
    }
    const height = expected - 1;
    heights[chain] = height;
    for (const r of strayIndex.all(chain, height) as { height: number; id: Buffer }[]) add(r.height, 'txs', `index row for a transaction in no stored block (head is ${height})`, toHex(new Uint8Array(r.id)));
    if (!blocksOk) continue;

    const certified = head ? head.header.stateRoot : genesisStateRoot(g);
    const fromState = ledger.tree.fromState(chain);
    if (bytesEqual(fromState.root, certified)) {
      const damage = treeDamage(fromState, ledger.tree.stored(chain));
      if (damage) {
        if (opts.repairTree) {
          ledger.db.transaction(() => ledger.tree.rebuild(chain)).immediate();
          repaired.push(`${chain} chain: state tree rebuilt from the verified state (${damage})`);
        } else add(height, 'state tree', `${damage}; it is rebuilt from the state when the node starts`);
      }
      continue;
    }
    // The state does not hash to the certified root: name the keys where the stored tree (if it
    // still matches the certified root) disagrees with the state.
    const stored = ledger.tree.stored(chain);
    const before = faults.length;
    if (bytesEqual(stored.root, certified) && !treeDamage(imageOfLeaves(stored.leaves), stored)) {
      for (const [key, l] of fromState.leaves) {
        const s = stored.leaves.get(key);
        if (!s) add(height, 'state', 'row is not part of the certified state', key);
        else if (!bytesEqual(s.leaf, l.leaf)) add(height, 'state', 'value differs from the certified state', key);
      }
      for (const key of stored.leaves.keys()) if (!fromState.leaves.has(key)) add(height, 'state', 'row of the certified state is missing', key);
    }
    if (faults.length === before) add(height, 'state', `state does not match the certified state root ${toHex(certified).slice(0, 16)}… (recomputed ${toHex(fromState.root).slice(0, 16)}…)`);
  }
  if (faults.length === 0) return { ok: true, heights, ...(repaired.length ? { repaired } : {}), ...(Object.keys(light).length ? { light } : {}) };
  const f = faults[0];
  return { ok: false, chain: f.chain, height: f.height, table: f.table, reason: f.key ? `${f.reason} (${f.key})` : f.reason, faults };
}

/** One stored block against its predecessor; returns the reason it fails, or null. */
function checkBlock(ledger: Ledger, chain: ChainId, h: number, b: Block, storedHash: Uint8Array, genesisH: Uint8Array, prev: Uint8Array, prevTime: number, signatures: boolean, certified: number, unaudited: AuditRange | null): string | null {
  const hdr = b.header;
  if (hdr.chain !== chain || hdr.height !== h) return 'header names another chain or height';
  const hash = blockHash(hdr);
  const vs = ledger.validatorsAt(chain, h);
  // Blocks above the certified height wait for a certificate that lands later (CometBFT). Below the
  // last block of an unaudited range, the hash links to it (certified) authenticate the block; its
  // own certificate waits for the audit (./catch-up).
  const audit = !!unaudited && h >= unaudited.from && h < unaudited.to;
  if (!audit && (!isPendingCertificate(b.cert) || h <= certified)) {
    const c = checkCertificate(ledger.bls, vs, genesisH, h, hash, b.cert);
    if (!c.ok) return `commit certificate: ${c.reason}`;
  }
  if (!bytesEqual(hash, storedHash)) return 'stored hash does not match the block';
  if (!bytesEqual(hdr.genesis, genesisH)) return 'genesis hash differs';
  if (!bytesEqual(hdr.prevHash, prev)) return 'previous-block hash does not link';
  if (!bytesEqual(hdr.txRoot, txRoot(b.txs))) return 'Merkle root does not match the transactions';
  if (!(hdr.stateRoot instanceof Uint8Array) || hdr.stateRoot.length !== 32) return 'header has no state root';
  try {
    if (!bytesEqual(hdr.sigsHash, sigsHash(b.txs))) return 'signatures hash does not match the transactions';
  } catch (e) {
    return (e as Error).message;
  }
  if (!bytesEqual(hdr.validatorsHash, validatorsHash(vs))) return 'validator-set hash differs';
  if (hdr.time < prevTime) return 'block time goes backwards';
  if (signatures && b.txs.length > 0) {
    const ok = ledger.bls.batchVerify(b.txs.map((tx) => ({ publicKey: tx.author, message: txSigningBytes(tx), signature: tx.sig })));
    if (!ok) return 'a transaction signature does not verify';
  }
  return null;
}

interface IndexRow {
  id: Buffer;
  idx: number;
  type: string;
  author: Buffer;
  nonce: number;
}

function checkIndex(rows: IndexRow[], b: Block, fault: (reason: string, key?: string) => void): void {
  const byIdx = new Map(rows.map((r) => [r.idx, r]));
  b.txs.forEach((tx, i) => {
    const id = txId(tx);
    const r = byIdx.get(i);
    byIdx.delete(i);
    if (!r) return fault(`transaction ${i} of the block is missing from the index`, toHex(id));
    if (!bytesEqual(new Uint8Array(r.id), id)) return fault(`index row ${i} names another transaction`, toHex(new Uint8Array(r.id)));
    if (r.type !== tx.type || !bytesEqual(new Uint8Array(r.author), tx.author) || r.nonce !== tx.nonce) fault(`index row ${i} differs from the block (type, author or nonce)`, toHex(id));
  });
  for (const r of byIdx.values()) fault(`index row ${r.idx} names no transaction of the block`, toHex(new Uint8Array(r.id)));
}

/** Where a stored tree differs from the expected one (a description), or null. */
function treeDamage(expected: TreeImage, stored: TreeImage): string | null {
  if (!bytesEqual(expected.root, stored.root)) return 'its root differs';
  if (expected.leaves.size !== stored.leaves.size) return `it holds ${stored.leaves.size} leaves for ${expected.leaves.size} state rows`;
  for (const [k, l] of expected.leaves) {
    const s = stored.leaves.get(k);
    if (!s || s.bucket !== l.bucket || !bytesEqual(s.leaf, l.leaf)) return `leaf of ${k} differs`;
  }
  if (expected.nodes.size !== stored.nodes.size) return `it holds ${stored.nodes.size} nodes, expected ${expected.nodes.size}`;
  for (const [k, h] of expected.nodes) {
    const s = stored.nodes.get(k);
    if (!s || !bytesEqual(s, h)) return `node ${k} differs`;
  }
  return null;
}
