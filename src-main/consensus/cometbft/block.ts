/**
 * How a Trichain block rides in a CometBFT block. The CometBFT block's transactions are
 *   [ meta, tx_1, …, tx_n ]
 * where tx_i are the signed Trichain transactions (canonical CBOR, as clients submit them) and
 * meta = 0xff "TCB1" ‖ canonical CBOR { header, certified }: the Trichain header of this height
 * (made by the proposer with ledger.prepareBlock) and the certificate of the block two heights
 * below, aggregated from the vote extensions (certificates.ts). A client transaction never starts
 * with 0xff (canonical CBOR of a map starts with 0xa_/0xb_), and CheckTx refuses one that does.
 */
import { canonicalDecode, canonicalEncode, type Canonical } from '../../codec/canonical';
import { txBytes } from '../../ledger/encoding';
import type { BlockHeader, Certificate, SignedTx } from '../../ledger/types';

export const META_MAGIC = Uint8Array.from([0xff, 0x54, 0x43, 0x42, 0x31]);

export interface BlockMeta {
  header: BlockHeader;
  /** The certificate of block `height` (this height − 2), when this height is 3 or more. */
  certified: { height: number; cert: Certificate }[];
}

export const isMeta = (tx: Uint8Array): boolean => tx.length >= META_MAGIC.length && META_MAGIC.every((b, i) => tx[i] === b);

export function encodeMeta(m: BlockMeta): Uint8Array {
  const body = canonicalEncode(m as unknown as Canonical);
  const out = new Uint8Array(META_MAGIC.length + body.length);
  out.set(META_MAGIC, 0);
  out.set(body, META_MAGIC.length);
  return out;
}

export function decodeMeta(tx: Uint8Array): BlockMeta {
  if (!isMeta(tx)) throw new Error('the block does not start with its Trichain header');
  const m = canonicalDecode(tx.subarray(META_MAGIC.length)) as unknown as BlockMeta;
  if (!m || typeof m !== 'object' || !m.header || typeof m.header !== 'object' || !Array.isArray(m.certified) || m.certified.length > 1) throw new Error('malformed Trichain block header');
  for (const c of m.certified) if (!c || !Number.isSafeInteger(c.height) || !c.cert || typeof c.cert !== 'object') throw new Error('malformed certificate entry');
  return m;
}

/** Decodes a client transaction; throws a clear error on anything else. */
export function decodeTx(bytes: Uint8Array): SignedTx {
  if (isMeta(bytes)) throw new Error('a transaction may not carry the block-header prefix');
  const tx = canonicalDecode(bytes) as unknown as SignedTx;
  if (!tx || typeof tx !== 'object' || Array.isArray(tx)) throw new Error('transaction is not an object');
  return tx;
}

export function decodeBlockTxs(txs: Uint8Array[]): { meta: BlockMeta; txs: SignedTx[] } {
  if (txs.length === 0) throw new Error('empty block: the Trichain header is missing');
  return { meta: decodeMeta(txs[0]), txs: txs.slice(1).map(decodeTx) };
}

export const encodeTx = (tx: SignedTx): Uint8Array => txBytes(tx);
