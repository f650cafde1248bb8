/**
 * Catch-up in windows (Ledger.commitBlocks; docs/consensus.md "Catch-up: windows authenticated by
 * their tip"). A window is a run of consecutive blocks under one validator set. Every block of it
 * gets every check commitBlock makes except its own certificate: hash link, height, chain,
 * genesis, Merkle root, signatures hash, validator-set hash, every rule and the state root. The
 * certificate of the window's LAST block is verified against the set in force, and, in the same
 * batchVerify (one multi-pairing), every transaction author signature of the window. Each header
 * commits to its predecessor's hash, so a quorum certificate on the tip authenticates every block
 * of the window. All or nothing: a window that fails stores nothing.
 *
 * A window never crosses a change of validator set: the blocks are cut where a header's
 * validator-set hash differs from the one before (checkHeader holds each header's hash to the set
 * the state gives at its height), so each tip is checked against the set that was in force from
 * the window's first block, which the blocks before the window (already authenticated) installed.
 *
 * The intermediate certificates are stored unverified and recorded as unaudited (meta
 * `cert-audit/<chain>`: the range of heights whose certificates are not yet checked). Until
 * auditCertificates has checked them (one batchVerify per group, off the critical path), those
 * blocks are not offered to peers nor used in cross-chain proofs: servableHeight stops below them.
 * A certificate the audit finds bad is dropped (replaced by the pending placeholder, which never
 * verifies); the audit waits there until Ledger.attachCertificate stores a valid one (fetched again
 * from a peer: node/cert-audit.ts).
 */
import { bytesEqual, canonicalDecode, canonicalEncode, type Canonical } from '../codec/canonical';
import type { BatchItem, BlsApi } from '../crypto/bls-types';
import type { DB } from '../storage/db';
import { certificateItem, txSignatureItems } from './batch-verify';
import { checkCertificate, isPendingCertificate, pendingCertificate } from './certificate';
import { blockHash, encodeBlock } from './encoding';
import { BlockRejected } from './errors';
import type { Block, ChainId, ValidatorInfo } from './types';

/** What window commits and audits need of the ledger. */
export interface WindowLedger {
  readonly db: DB;
  readonly bls: BlsApi;
  commitBlock(block: Block, opts?: { batch?: BatchItem[]; auditLater?: boolean }): void;
  validatorsAt(chain: ChainId, height: number): ValidatorInfo[];
  block(chain: ChainId, height: number): Block | null;
  certifiedHeight(chain: ChainId): number;
}

/** Heights [from, to] whose certificates are stored but not yet audited. */
export interface AuditRange {
  from: number;
  to: number;
}

const key = (chain: ChainId) => `cert-audit/${chain}`;

export function unauditedRange(db: DB, chain: ChainId): AuditRange | null {
  const v = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key(chain)) as Buffer | undefined;
  if (!v) return null;
  const r = canonicalDecode(new Uint8Array(v)) as unknown as AuditRange;
  return Number.isSafeInteger(r?.from) && Number.isSafeInteger(r?.to) && r.from <= r.to ? r : null;
}

function setRange(db: DB, chain: ChainId, r: AuditRange | null): void {
  if (!r || r.from > r.to) db.prepare('DELETE FROM meta WHERE key = ?').run(key(chain));
  else db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key(chain), Buffer.from(canonicalEncode(r as unknown as Canonical)));
}

/**
 * The highest height up to which this node serves blocks to peers and uses them in proofs: every
 * certificate at or below it has been verified (certifiedHeight: not a pending CometBFT one; and
 * below the first unaudited one).
 */
export function servableHeight(l: WindowLedger, chain: ChainId): number {
  const r = unauditedRange(l.db, chain);
  const certified = l.certifiedHeight(chain);
  return r ? Math.min(certified, r.from - 1) : certified;
}

/** Splits consecutive blocks into windows: a new one starts where the header's validator-set hash changes. */
export function windowsBySet(blocks: Block[]): Block[][] {
  const out: Block[][] = [];
  for (const b of blocks) {
    const w = out.at(-1);
    if (w && bytesEqual(w[0].header?.validatorsHash ?? new Uint8Array(0), b.header?.validatorsHash ?? new Uint8Array(1))) w.push(b);
    else out.push([b]);
  }
  return out;
}

/** Commits consecutive blocks window by window; a refused window throws BlockRejected and stores nothing of itself (earlier windows stay). */
export function commitWindows(l: WindowLedger, blocks: Block[]): void {
  for (const w of windowsBySet(blocks)) commitWindow(l, w);
}

function commitWindow(l: WindowLedger, w: Block[]): void {
  if (w.length === 1) return l.commitBlock(w[0]);
  const tip = w[w.length - 1];
  const { chain, height } = tip.header;
  l.db.transaction(() => {
    const batch: BatchItem[] = [];
    for (const b of w) l.commitBlock(b, { batch, auditLater: b !== tip });
    if (!l.bls.batchVerify(batch)) throw windowFault(l, w);
    const r = unauditedRange(l.db, chain);
    setRange(l.db, chain, { from: r?.from ?? w[0].header.height, to: height });
  }).immediate();
}

/** Names what failed in a window whose batch did not verify: the tip's certificate, else the first block with a bad signature. */
function windowFault(l: WindowLedger, w: Block[]): BlockRejected {
  const tip = w[w.length - 1];
  const { chain, height, genesis } = tip.header;
  const c = checkCertificate(l.bls, l.validatorsAt(chain, height), genesis, height, blockHash(tip.header), tip.cert);
  if (!c.ok) return new BlockRejected(chain, height, `certificate of the window's last block: ${c.reason}`);
  for (const b of w) {
    const items: BatchItem[] = [];
    txSignatureItems(chain, b.header.height, b.txs, items);
    if (items.length > 0 && !l.bls.batchVerify(items)) return new BlockRejected(chain, b.header.height, 'a transaction signature does not verify');
  }
  return new BlockRejected(chain, height, 'the window does not verify');
}

export interface AuditResult {
  /** Certificates found valid in this call. */
  audited: number;
  /** Certificates still to audit on this chain. */
  remaining: number;
  /** A certificate found bad in this call (dropped), or the height of one dropped earlier and not yet replaced. */
  bad?: { height: number; dropped: boolean };
}

/**
 * Audits up to `max` unaudited certificates of `chain` from the lowest: one batchVerify for the
 * group; if it fails, one by one to find the first bad one, which is dropped (the pending
 * placeholder takes its place; the block itself stays: its tip certified it).
 */
export function auditCertificates(l: WindowLedger, chain: ChainId, max = 256): AuditResult {
  return l.db.transaction((): AuditResult => {
    const r = unauditedRange(l.db, chain);
    if (!r) return { audited: 0, remaining: 0 };
    const top = Math.min(r.to, r.from + max - 1);
    const items: BatchItem[] = [];
    let stop: 'pending' | 'malformed' | null = null;
    let h = r.from;
    for (; h <= top; h++) {
      const b = l.block(chain, h);
      if (!b || isPendingCertificate(b.cert)) {
        stop = 'pending';
        break;
      }
      try {
        items.push(certificateItem(l.bls, l.validatorsAt(chain, h), b.header, blockHash(b.header), b.cert));
      } catch {
        stop = 'malformed';
        break;
      }
    }
    // The group verifies: heights r.from .. h - 1 are audited.
    if (items.length === 0 || l.bls.batchVerify(items)) {
      if (stop === 'malformed') return drop(l, chain, r, h, items.length);
      setRange(l.db, chain, { from: h, to: r.to });
      const remaining = r.to - h + 1;
      return stop === 'pending' ? { audited: items.length, remaining, bad: { height: h, dropped: false } } : { audited: items.length, remaining: Math.max(0, remaining) };
    }
    // It does not: the first bad one, one by one.
    for (let k = r.from; k < h; k++) {
      const b = l.block(chain, k)!;
      if (!checkCertificate(l.bls, l.validatorsAt(chain, k), b.header.genesis, k, blockHash(b.header), b.cert).ok) return drop(l, chain, r, k, k - r.from);
    }
    throw new Error(`certificate audit of the ${chain} chain: the batch failed but every certificate verifies alone`);
  }).immediate();
}

/** Drops the bad certificate at `height` (the pending placeholder replaces it); the audit resumes there once a valid one is attached. */
function drop(l: WindowLedger, chain: ChainId, r: AuditRange, height: number, audited: number): AuditResult {
  const b = l.block(chain, height)!;
  l.db.prepare('UPDATE blocks SET bytes = ? WHERE chain = ? AND height = ?').run(encodeBlock({ ...b, cert: pendingCertificate(l.validatorsAt(chain, height).length) }), chain, height);
  setRange(l.db, chain, { from: height, to: r.to });
  return { audited, remaining: r.to - height + 1, bad: { height, dropped: true } };
}
