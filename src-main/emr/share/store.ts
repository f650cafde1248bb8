/**
 * The share store: the provider's record of the shares it answers, the one owner of the
 * `shares_out` table (migration 0003); nothing else issues SQL on it. A share is 'attesting'
 * (released, waiting for its attestation and publication: the work the workflow carries on),
 * 'published', or 'refused'.
 */
import { canonicalDecode, canonicalEncode, type Canonical } from '../../codec/canonical';
import type { TxBody } from '../../ledger/rules/index';
import type { TrichainNode } from '../../node/node';

/** What a released share needs to be attested and published: kept until it is. */
export interface ShareWork {
  requestId: string;
  packageHash: Uint8Array;
  /** records.release, then (once it is committed) records.attest. */
  releaseTx: Uint8Array;
  attestTx?: Uint8Array;
  root: Uint8Array;
  consentTx: Uint8Array;
  consentId: string;
  /** The package's data key, wrapped for the entity. */
  key: TxBody<'social', 'share.publish'>['key'];
  resourceCount: number;
  labelsSummary: { [k: string]: number };
}

const encode = (v: object): Uint8Array => canonicalEncode(v as unknown as Canonical);

/** A released share, waiting for its attestation and publication. */
export function addAttesting(node: TrichainNode, work: ShareWork, now = Date.now()): void {
  node.db.prepare("INSERT INTO shares_out (request_id, stage, work, created) VALUES (?, 'attesting', ?, ?)").run(work.requestId, encode(work), now);
}

/** The shares released and not yet published or refused, in no particular order. */
export function attestingShares(node: TrichainNode): ShareWork[] {
  const rows = node.db.prepare("SELECT work FROM shares_out WHERE stage = 'attesting'").pluck().all() as Buffer[];
  return rows.map((b) => canonicalDecode(new Uint8Array(b)) as unknown as ShareWork);
}

/** Keeps the work's progress (its attestation's id, once submitted). */
export function saveWork(node: TrichainNode, work: ShareWork): void {
  node.db.prepare('UPDATE shares_out SET work = ? WHERE request_id = ?').run(encode(work), work.requestId);
}

export function markPublished(node: TrichainNode, requestId: string): void {
  node.db.prepare("UPDATE shares_out SET stage = 'published' WHERE request_id = ?").run(requestId);
}

/** A refused share (refused at once, or before publication), with its reason. */
export function markRefused(node: TrichainNode, requestId: string, reason: string, now = Date.now()): void {
  node.db.prepare("INSERT INTO shares_out (request_id, stage, work, created) VALUES (?, 'refused', ?, ?) ON CONFLICT (request_id) DO UPDATE SET stage = 'refused'").run(requestId, encode({ reason }), now);
}

/** The request ids of the shares this provider has published. */
export function publishedShares(node: TrichainNode): string[] {
  return node.db.prepare("SELECT request_id FROM shares_out WHERE stage = 'published'").pluck().all() as string[];
}

/** This provider's answer to a request, once it gave one: still attesting, published, or refused (with the reason). */
export function shareStage(node: TrichainNode, requestId: string): { stage: 'attesting' | 'published' | 'refused'; reason?: string } | undefined {
  const row = node.db.prepare('SELECT stage, work FROM shares_out WHERE request_id = ?').get(requestId) as { stage: 'attesting' | 'published' | 'refused'; work: Buffer } | undefined;
  if (!row) return undefined;
  const reason = row.stage === 'refused' ? (canonicalDecode(new Uint8Array(row.work)) as { reason?: string }).reason : undefined;
  return { stage: row.stage, ...(reason ? { reason } : {}) };
}
