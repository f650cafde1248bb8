/**
 * The state root (DESIGN.md §4: "every block header commits to the state after the block", the
 * app hash of a CometBFT application): a hash commitment over a chain's `state` table, kept
 * incrementally in two tables so that a block costs work in proportion to the keys it changes.
 *
 *   leaf(key, value) = SHA-256(0x00 || u32be(len(key)) || key || value)      key in UTF-8, value
 *                                                                             the stored canonical CBOR
 *   bucket(key)      = first 16 bits of SHA-256(key)                          65,536 buckets
 *   bucket hash      = SHA-256(0x02 || leaf_1 || ... || leaf_m), leaves in key order (SQLite's
 *                      BINARY collation: bytewise UTF-8), or EMPTY when the bucket holds no key
 *   node             = SHA-256(0x01 || child_0 || ... || child_15), or EMPTY when all 16 are EMPTY
 *   levels           0 = buckets (65,536), 1 (4,096), 2 (256), 3 (16), 4 = the root
 * EMPTY is 32 zero bytes. Tables (migration 5): state_leaves (chain, bucket, key, leaf) and
 * state_nodes (chain, level, idx, hash), holding only non-EMPTY nodes. Both are derived from the
 * `state` table: a damaged tree is rebuilt from a state that matches its certified root.
 *
 * A proof that a key has a value is its bucket's leaves plus 15 sibling hashes on each of the four
 * levels above it (about 2 KB); the tree is a hexary one, like Ethereum's, to keep writes per
 * block low (a block touching k keys rewrites at most k leaves, k buckets and 4,369 inner nodes).
 */
import { sha256 } from '../crypto/hash';
import { utf8 } from '../codec/hex';
import type { DB } from '../storage/db';
import type { ChainId } from './types';

export const EMPTY_ROOT = new Uint8Array(32);
const LEVELS = 4;
const FANOUT = 16;

const isEmpty = (h: Uint8Array): boolean => h.every((b) => b === 0);

export function bucketOf(key: string): number {
  const h = sha256(utf8(key));
  return (h[0] << 8) | h[1];
}

export function leafHash(key: string, value: Uint8Array): Uint8Array {
  const k = utf8(key);
  const b = new Uint8Array(5 + k.length + value.length);
  b[0] = 0x00;
  new DataView(b.buffer).setUint32(1, k.length);
  b.set(k, 5);
  b.set(value, 5 + k.length);
  return sha256(b);
}

function hashBucket(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  const b = new Uint8Array(1 + 32 * leaves.length);
  b[0] = 0x02;
  leaves.forEach((l, i) => b.set(l, 1 + 32 * i));
  return sha256(b);
}

/** children: the 16 child hashes (missing ones EMPTY). */
function hashNode(children: (Uint8Array | undefined)[]): Uint8Array {
  if (children.every((c) => !c || isEmpty(c))) return EMPTY_ROOT;
  const b = new Uint8Array(1 + 32 * FANOUT);
  b[0] = 0x01;
  children.forEach((c, i) => c && b.set(c, 1 + 32 * i));
  return sha256(b);
}

/** A whole tree: every leaf (key -> bucket, leaf hash) and every non-EMPTY node ("level/idx" -> hash). */
export interface TreeImage {
  root: Uint8Array;
  leaves: Map<string, { bucket: number; leaf: Uint8Array }>;
  nodes: Map<string, Uint8Array>;
}

/** The tree over entries given in key order (SQLite BINARY order). */
export function rootOfEntries(entries: Iterable<[string, Uint8Array]>): TreeImage {
  const leaves = new Map<string, { bucket: number; leaf: Uint8Array }>();
  for (const [key, value] of entries) leaves.set(key, { bucket: bucketOf(key), leaf: leafHash(key, value) });
  return imageOfLeaves(leaves);
}

/** The tree over leaves (each bucket's leaves taken in the map's order, which must be key order). */
export function imageOfLeaves(leaves: Map<string, { bucket: number; leaf: Uint8Array }>): TreeImage {
  const buckets = new Map<number, Uint8Array[]>();
  for (const { bucket, leaf } of leaves.values()) {
    let arr = buckets.get(bucket);
    if (!arr) buckets.set(bucket, (arr = []));
    arr.push(leaf);
  }
  const nodes = new Map<string, Uint8Array>();
  let level = new Map<number, Uint8Array>();
  for (const [b, ls] of buckets) level.set(b, hashBucket(ls));
  for (const [i, h] of level) nodes.set(`0/${i}`, h);
  for (let l = 1; l <= LEVELS; l++) {
    const next = new Map<number, (Uint8Array | undefined)[]>();
    for (const [i, h] of level) {
      let c = next.get(i >> 4);
      if (!c) next.set(i >> 4, (c = new Array(FANOUT)));
      c[i & 15] = h;
    }
    level = new Map();
    for (const [i, c] of next) {
      const h = hashNode(c);
      if (!isEmpty(h)) {
        level.set(i, h);
        nodes.set(`${l}/${i}`, h);
      }
    }
  }
  return { root: level.get(0) ?? EMPTY_ROOT, leaves, nodes };
}

/**
 * The rows one update wrote, by their final value (null: deleted), so that the same update can be
 * written again without hashing anything (ledger/prepared.ts: a block prepared or checked, then
 * committed on the same head). Nodes by level * 65,536 + index.
 */
export interface TreeLog {
  leaves: Map<string, { bucket: number; leaf: Uint8Array | null }>;
  nodes: Map<number, Uint8Array | null>;
}

export const newTreeLog = (): TreeLog => ({ leaves: new Map(), nodes: new Map() });

/** The persistent tree of every chain in one node's database. */
export class StateTree {
  private readonly q;

  constructor(private readonly db: DB) {
    this.q = {
      value: db.prepare('SELECT value FROM state WHERE chain = ? AND key = ?').pluck(),
      putLeaf: db.prepare('INSERT INTO state_leaves (chain, bucket, key, leaf) VALUES (?, ?, ?, ?) ON CONFLICT (chain, bucket, key) DO UPDATE SET leaf = excluded.leaf'),
      delLeaf: db.prepare('DELETE FROM state_leaves WHERE chain = ? AND bucket = ? AND key = ?'),
      bucketLeaves: db.prepare('SELECT leaf FROM state_leaves WHERE chain = ? AND bucket = ? ORDER BY key').pluck(),
      children: db.prepare('SELECT idx, hash FROM state_nodes WHERE chain = ? AND level = ? AND idx >= ? AND idx < ?'),
      putNode: db.prepare('INSERT INTO state_nodes (chain, level, idx, hash) VALUES (?, ?, ?, ?) ON CONFLICT (chain, level, idx) DO UPDATE SET hash = excluded.hash'),
      delNode: db.prepare('DELETE FROM state_nodes WHERE chain = ? AND level = ? AND idx = ?'),
      root: db.prepare('SELECT hash FROM state_nodes WHERE chain = ? AND level = ? AND idx = 0').pluck(),
      hasTree: db.prepare("SELECT 1 FROM meta WHERE key = ?").pluck(),
      markTree: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
      clear: [db.prepare('DELETE FROM state_leaves WHERE chain = ?'), db.prepare('DELETE FROM state_nodes WHERE chain = ?')],
      allState: db.prepare('SELECT key, value FROM state WHERE chain = ? ORDER BY key'),
      allLeaves: db.prepare('SELECT key, bucket, leaf FROM state_leaves WHERE chain = ? ORDER BY bucket, key'),
      allNodes: db.prepare('SELECT level, idx, hash FROM state_nodes WHERE chain = ?'),
    };
  }

  /** The stored root of a chain's state (EMPTY_ROOT for an empty state). */
  root(chain: ChainId): Uint8Array {
    const h = this.q.root.get(chain, LEVELS) as Buffer | undefined;
    return h ? new Uint8Array(h) : EMPTY_ROOT;
  }

  /**
   * Brings the tree up to date with the current `state` rows of `keys` (a superset of the keys
   * changed since the tree was last in step is fine: unchanged ones hash to the same leaf) and
   * returns the new root. Runs inside the caller's transaction. `log` receives the rows written.
   */
  update(chain: ChainId, keys: Iterable<string>, log?: TreeLog): Uint8Array {
    let dirty = new Set<number>();
    for (const key of keys) {
      const b = bucketOf(key);
      const v = this.q.value.get(chain, key) as Buffer | undefined;
      const leaf = v === undefined ? null : leafHash(key, v);
      if (leaf === null) this.q.delLeaf.run(chain, b, key);
      else this.q.putLeaf.run(chain, b, key, leaf);
      log?.leaves.set(key, { bucket: b, leaf });
      dirty.add(b);
    }
    if (dirty.size === 0) return this.root(chain);
    for (const b of dirty) this.putNode(chain, 0, b, hashBucket(this.q.bucketLeaves.all(chain, b) as Buffer[]), log);
    for (let l = 1; l <= LEVELS; l++) {
      const parents = new Set<number>();
      for (const i of dirty) parents.add(i >> 4);
      for (const p of parents) {
        const c: (Uint8Array | undefined)[] = new Array(FANOUT);
        for (const r of this.q.children.all(chain, l - 1, p * FANOUT, (p + 1) * FANOUT) as { idx: number; hash: Buffer }[]) c[r.idx - p * FANOUT] = r.hash;
        this.putNode(chain, l, p, hashNode(c), log);
      }
      dirty = parents;
    }
    return this.root(chain);
  }

  private putNode(chain: ChainId, level: number, idx: number, h: Uint8Array, log?: TreeLog): void {
    if (isEmpty(h)) this.q.delNode.run(chain, level, idx);
    else this.q.putNode.run(chain, level, idx, h);
    log?.nodes.set(level * 65_536 + idx, isEmpty(h) ? null : h);
  }

  /** Writes the rows of an update again (inside the caller's transaction); returns the root. */
  replay(chain: ChainId, log: TreeLog): Uint8Array {
    for (const [key, { bucket, leaf }] of log.leaves) {
      if (leaf === null) this.q.delLeaf.run(chain, bucket, key);
      else this.q.putLeaf.run(chain, bucket, key, leaf);
    }
    for (const [n, h] of log.nodes) {
      const level = Math.floor(n / 65_536);
      if (h === null) this.q.delNode.run(chain, level, n % 65_536);
      else this.q.putNode.run(chain, level, n % 65_536, h);
    }
    return this.root(chain);
  }

  /** True once the tree of `chain` was built (a database from before migration 5 has none yet). */
  isBuilt(chain: ChainId): boolean {
    return this.q.hasTree.get(`state-tree/${chain}`) !== undefined;
  }

  /** Rebuilds a chain's tree from its `state` rows (derived data; inside the caller's transaction). */
  rebuild(chain: ChainId): Uint8Array {
    for (const s of this.q.clear) s.run(chain);
    const keys = (this.q.allState.all(chain) as { key: string }[]).map((r) => r.key);
    const root = this.update(chain, keys);
    this.q.markTree.run(`state-tree/${chain}`, Buffer.from('1'));
    return root;
  }

  /** The tree recomputed from scratch over the `state` table. */
  fromState(chain: ChainId): TreeImage {
    return rootOfEntries(mapIter(this.q.allState.iterate(chain) as Iterable<{ key: string; value: Buffer }>));
  }

  /** The tree as stored (leaves in key order within their bucket, and the inner nodes). */
  stored(chain: ChainId): TreeImage {
    const leaves = new Map<string, { bucket: number; leaf: Uint8Array }>();
    for (const r of this.q.allLeaves.all(chain) as { key: string; bucket: number; leaf: Buffer }[]) leaves.set(r.key, { bucket: r.bucket, leaf: new Uint8Array(r.leaf) });
    const nodes = new Map<string, Uint8Array>();
    for (const r of this.q.allNodes.all(chain) as { level: number; idx: number; hash: Buffer }[]) nodes.set(`${r.level}/${r.idx}`, new Uint8Array(r.hash));
    return { root: this.root(chain), leaves, nodes };
  }
}

function* mapIter(rows: Iterable<{ key: string; value: Buffer }>): Iterable<[string, Uint8Array]> {
  for (const r of rows) yield [r.key, new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength)];
}
