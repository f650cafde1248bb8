/**
 * A light client of a chain (DESIGN.md §3: "patient laptops as light clients"). The node holds,
 * per height, the block header with its commit certificate, the number of transactions in the
 * block, and only the transactions that concern its own identity, each with its RFC 6962
 * inclusion proof against the header's txRoot (./merkle). Other patients' transactions, record
 * links and audit entries never reach it.
 *
 * Which transactions are a patient's own (`concerns`, decided by the serving node on its whole
 * state and re-checked by the light client on its own):
 *   member.register   the patient's own registration; an organization's (hospital, clinician,
 *                     entity): the directory that names who wrote a record. Never another patient's.
 *   validators.update every one: the light client follows the validator set to check certificates
 *   record.link, record.linkBatch, record.unlink, audit.log   whose `patient` is the patient's main key
 *   consent.key       signed by the patient's main key
 *   consent.grant     signed by a per-grantee key the patient registered
 *   consent.revoke    of a consent the patient owns
 *
 * What the light client checks before storing a block (commitLight, all or nothing): the header
 * links to its stored predecessor (height, genesis, previous hash, time), names the validator set
 * in force (validatorsHash) and carries a certificate of a quorum of that set over its hash
 * (certificate.ts verifyQuorum); each held transaction is well-formed, signed by its author, sits
 * at its stated position under the header's txRoot (the inclusion proof) and is the patient's own.
 * It then applies the held transactions' effects to its state (applyHeld), so the
 * patient's views (records, consents, audit) read the same state keys as on a full node.
 *
 * What it cannot check: the header's stateRoot commits to the whole chain state, which it does
 * not hold, so it cannot recompute it; and a serving node could withhold an own transaction
 * (a header arrives without it). See docs/security.md, "The patient laptop is a light client".
 */
import { bytesEqual, canonicalDecode, canonicalEncode, type Canonical } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { checkCertificate, isPendingCertificate } from './certificate';
import { blockHash, txId, validatorsHash } from './encoding';
import { BlockRejected } from './errors';
import { applyGenesis } from './genesis-state';
import type { Ledger } from './ledger';
import { inclusionProof, verifyInclusion } from './merkle';
import { validatorsAt } from './rules/common';
import { RULES } from './rules/index';
import { consentOf, ownerOfGranteeKey } from './rules/patient';
import { TxRejected, type StateReader, type StateView } from './rules/types';
import { MemState } from './state';
import type { VerifyFault } from './verify';
import { markCommitted } from './outbox';
import type { Block, BlockHeader, Certificate, ChainId, SignedTx } from './types';

export interface HeldTx {
  /** Position of the transaction in its block. */
  index: number;
  tx: SignedTx;
  /** RFC 6962 audit path from the transaction's id (leaf) to the header's txRoot. */
  proof: Uint8Array[];
}

export interface LightBlock {
  header: BlockHeader;
  cert: Certificate;
  /** Number of transactions in the whole block (the Merkle tree's size). */
  size: number;
  held: HeldTx[];
}

export const encodeLightBlock = (b: LightBlock): Uint8Array => canonicalEncode(b as unknown as Canonical);

export function decodeLightBlock(bytes: Uint8Array): LightBlock {
  const b = canonicalDecode(bytes) as unknown as LightBlock;
  if (!b || typeof b !== 'object' || !b.header || typeof b.header !== 'object' || !b.cert || typeof b.cert !== 'object' || !Number.isSafeInteger(b.size) || b.size < 0 || !Array.isArray(b.held))
    throw new Error('light block: malformed encoding');
  for (const h of b.held) {
    if (!h || typeof h !== 'object' || !Number.isSafeInteger(h.index) || !h.tx || typeof h.tx !== 'object' || !Array.isArray(h.proof)) throw new Error('light block: malformed held transaction');
  }
  return b;
}

const same = (a: unknown, b: Uint8Array): boolean => a instanceof Uint8Array && bytesEqual(a, b);

/** Whether `tx` is one of `patient`'s own transactions, judged on `state` (the state before the tx). */
export function concerns(state: StateReader, tx: SignedTx, patient: Uint8Array): boolean {
  const b = tx.body as Record<string, unknown>;
  switch (tx.type) {
    case 'member.register':
      return b.role !== 'patient' || same(b.blsPk, patient);
    case 'validators.update':
      return true;
    case 'record.link':
    case 'record.linkBatch':
    case 'record.unlink':
    case 'audit.log':
      return same(b.patient, patient);
    case 'consent.key':
      return same(tx.author, patient);
    case 'consent.grant': {
      const owner = ownerOfGranteeKey(state, tx.author);
      return !!owner && bytesEqual(owner, patient);
    }
    case 'consent.revoke': {
      const c = typeof b.consentId === 'string' ? consentOf(state, b.consentId) : undefined;
      return !!c && same(c.owner, patient);
    }
    default:
      return false;
  }
}

/**
 * Served to a light client (the server side of net/light-sync.ts): block `height` reduced to its
 * header, certificate and `patient`'s own transactions with their inclusion proofs. Null when
 * the block is not stored or not yet certified. `state` is the serving node's whole chain state.
 */
export function lightBlockFor(ledger: Ledger, chain: ChainId, height: number, patient: Uint8Array): LightBlock | null {
  const block: Block | null = ledger.block(chain, height);
  if (!block || isPendingCertificate(block.cert)) return null;
  const ids = block.txs.map(txId);
  const state = ledger.state(chain);
  const held: HeldTx[] = [];
  block.txs.forEach((tx, index) => {
    if (concerns(state, tx, patient)) held.push({ index, tx, proof: inclusionProof(ids, index) });
  });
  return { header: block.header, cert: block.cert, size: block.txs.length, held };
}

/** Checks one held transaction against its header; returns the reason it fails, or null. */
function heldFault(ledger: Ledger, chain: ChainId, b: LightBlock, h: HeldTx, i: number, prevIndex: number): string | null {
  if (h.index <= prevIndex || h.index >= b.size) return `held transaction ${i}: position ${h.index} is out of order or outside the block of ${b.size}`;
  try {
    ledger.checkTxForm(h.tx, chain);
  } catch (e) {
    return `held transaction ${i}: ${e instanceof TxRejected ? e.reason : (e as Error).message}`;
  }
  if (!verifyInclusion(txId(h.tx), h.index, b.size, h.proof, b.header.txRoot)) return `held transaction ${i}: inclusion proof does not verify against the header's Merkle root`;
  return null;
}

/** Checks a header and certificate against the stored predecessor; returns the reason it fails, or null. */
function headerFault(ledger: Ledger, chain: ChainId, b: LightBlock, prevHash: Uint8Array, prevTime: number, height: number): string | null {
  const hdr = b.header;
  if (hdr.chain !== chain || hdr.height !== height) return `expected the ${chain} chain's header at height ${height}`;
  if (!same(hdr.genesis, ledger.genesisHash(chain))) return 'header belongs to another network (genesis differs)';
  if (!same(hdr.prevHash, prevHash)) return 'previous-block hash does not link';
  if (!Number.isSafeInteger(hdr.time) || hdr.time < prevTime) return 'block time goes backwards';
  if (!(hdr.txRoot instanceof Uint8Array) || hdr.txRoot.length !== 32 || !(hdr.stateRoot instanceof Uint8Array) || hdr.stateRoot.length !== 32) return 'header lacks a 32-byte Merkle or state root';
  const vs = ledger.validatorsAt(chain, height);
  if (!same(hdr.validatorsHash, validatorsHash(vs))) return 'validator-set hash does not match the set in force';
  if (b.size === 0 && b.held.length > 0) return 'an empty block holds transactions';
  const c = checkCertificate(ledger.bls, vs, hdr.genesis, height, blockHash(hdr), b.cert);
  return c.ok ? null : `commit certificate: ${c.reason}`;
}

function prevOf(ledger: Ledger, chain: ChainId, height: number): { hash: Uint8Array; time: number } {
  if (height === 1) return { hash: ledger.genesisHash(chain), time: ledger.genesis(chain).time };
  const row = ledger.db.prepare('SELECT hash, bytes FROM light_blocks WHERE chain = ? AND height = ?').get(chain, height - 1) as { hash: Buffer; bytes: Buffer } | undefined;
  if (!row) throw new BlockRejected(chain, height, `header ${height - 1} is missing`);
  return { hash: new Uint8Array(row.hash), time: decodeLightBlock(new Uint8Array(row.bytes)).header.time };
}

/**
 * Verifies a light block (header, certificate, every held transaction's form, signature,
 * inclusion proof and ownership) and stores it with the held transactions' effects, atomically.
 * Throws BlockRejected naming the fault; nothing is stored then.
 */
export function commitLight(ledger: Ledger, b: LightBlock, patient: Uint8Array): void {
  const chain = b.header?.chain;
  if (!ledger.isLight(chain)) throw new BlockRejected(chain ?? 'patient', -1, `this node does not hold the ${String(chain)} chain as a light client`);
  ledger.db.transaction(() => {
    const height = ledger.height(chain) + 1;
    const prev = prevOf(ledger, chain, height);
    const fault = headerFault(ledger, chain, b, prev.hash, prev.time, height);
    if (fault) throw new BlockRejected(chain, height, fault);
    const state = ledger.state(chain);
    b.held.forEach((h, i) => {
      const f = heldFault(ledger, chain, b, h, i, i === 0 ? -1 : b.held[i - 1].index);
      if (f) throw new BlockRejected(chain, height, f);
      if (!concerns(state, h.tx, patient)) throw new BlockRejected(chain, height, `held transaction ${i} (${h.tx.type}) is not this patient's own: refused`);
      applyHeld(ledger, chain, height, b.header.time, h.tx);
    });
    ledger.tree.update(chain, (state as unknown as { takeTouched(): Set<string> }).takeTouched());
    ledger.db.prepare('INSERT INTO light_blocks (chain, height, hash, bytes) VALUES (?, ?, ?, ?)').run(chain, height, blockHash(b.header), encodeLightBlock(b));
    indexHeld(ledger, chain, height, b.held);
  }).immediate();
}

/** A held transaction's effects, not its checks (a quorum made them on the whole state, which a light client does not hold). */
function applyHeld(ledger: Ledger, chain: ChainId, height: number, time: number, tx: SignedTx): void {
  const id = txId(tx);
  const nonceUsed = ledger.db.prepare('SELECT 1 FROM txs WHERE chain = ? AND author = ? AND nonce = ?').pluck().get(chain, tx.author, tx.nonce);
  if (ledger.txLocation(chain, id) || nonceUsed) throw new BlockRejected(chain, height, `transaction ${toHex(id).slice(0, 16)}… is already on the chain`);
  const rule = RULES[chain][tx.type];
  const ctx = { chain, genesis: ledger.genesisHash(chain), height, time, txId: id, state: ledger.state(chain) as StateView, bls: ledger.bls, validators: ledger.validatorsAt(chain, height) };
  rule.apply(tx, rule.body.parse(tx.body), ctx);
}

/** Indexes held transactions at their positions in the block and settles them in the mempool and outbox (as Ledger.commitBlock does). */
function indexHeld(ledger: Ledger, chain: ChainId, height: number, held: HeldTx[]): void {
  for (const { index, tx } of held) {
    const id = txId(tx);
    ledger.db.prepare('INSERT INTO txs (chain, id, height, idx, type, author, nonce) VALUES (?, ?, ?, ?, ?, ?, ?)').run(chain, id, height, index, tx.type, tx.author, tx.nonce);
    ledger.db.prepare('DELETE FROM mempool WHERE chain = ? AND id = ?').run(chain, id);
    markCommitted(ledger.db, id, height);
  }
}

/** The held transactions at `height` of a light chain (empty when none or not stored). */
export function heldTxs(ledger: Ledger, chain: ChainId, height: number): SignedTx[] {
  return storedBlock(ledger, chain, height)?.txs ?? [];
}

export interface LightSummary {
  height: number;
  /** Own transactions held, each verified against its header. */
  txs: number;
}

/**
 * `trichain verify` and start for a light chain: every stored header in sequence (hash,
 * link, validator-set hash, certificate of a quorum), every held transaction (form, signature,
 * inclusion proof against its header, its index row), and the state: replayed from the genesis
 * over the held transactions, it must equal the stored `state` rows (each differing key named).
 * The headers' stateRoot is not recomputed: it commits to the whole chain's state.
 */
export function verifyLightChain(ledger: Ledger, chain: ChainId, add: (height: number, table: VerifyFault['table'], reason: string, key?: string) => void): LightSummary {
  const g = ledger.genesis(chain);
  const mem = new MemState();
  applyGenesis(mem, g);
  const rows = ledger.db.prepare('SELECT height, hash, bytes FROM light_blocks WHERE chain = ? ORDER BY height').iterate(chain) as Iterable<{ height: number; hash: Buffer; bytes: Buffer }>;
  const indexAt = ledger.db.prepare('SELECT id, idx FROM txs WHERE chain = ? AND height = ? ORDER BY idx');
  let prevHash = ledger.genesisHash(chain);
  let prevTime = g.time;
  let height = 0;
  let txs = 0;
  let ok = true;
  for (const row of rows) {
    const h = height + 1;
    if (row.height !== h) {
      add(h, 'light blocks', `header ${h} is missing`);
      ok = false;
      break;
    }
    let b: LightBlock;
    try {
      b = decodeLightBlock(new Uint8Array(row.bytes));
    } catch (e) {
      add(h, 'light blocks', (e as Error).message);
      ok = false;
      break;
    }
    const vsState = { get: mem.get.bind(mem), scan: mem.scan.bind(mem) };
    const hash = blockHash(b.header);
    const fault = !bytesEqual(hash, new Uint8Array(row.hash)) ? 'stored hash does not match the header' : headerFaultAt(ledger, chain, b, prevHash, prevTime, h, vsState);
    if (fault) {
      add(h, 'light blocks', fault);
      ok = false;
      break;
    }
    const index = new Map((indexAt.all(chain, h) as { id: Buffer; idx: number }[]).map((r) => [r.idx, toHex(new Uint8Array(r.id))]));
    let prevIndex = -1;
    for (const [i, held] of b.held.entries()) {
      const f = heldFault(ledger, chain, b, held, i, prevIndex);
      if (f) {
        add(h, 'light blocks', f, held.tx?.type ? `${held.tx.type} at position ${held.index}` : undefined);
        ok = false;
        continue;
      }
      prevIndex = held.index;
      const id = toHex(txId(held.tx));
      if (index.get(held.index) !== id) add(h, 'txs', `held transaction ${i} is missing from the index`, id);
      index.delete(held.index);
      const rule = RULES[chain][held.tx.type];
      const ctx = { chain, genesis: b.header.genesis, height: h, time: b.header.time, txId: txId(held.tx), state: mem, bls: ledger.bls, validators: validatorsAt(mem, h) };
      try {
        rule.apply(held.tx, rule.body.parse(held.tx.body), ctx);
      } catch (e) {
        add(h, 'light blocks', `held transaction ${i} cannot be applied: ${(e as Error).message}`, id);
        ok = false;
      }
      txs++;
    }
    for (const [idx, id] of index) add(h, 'txs', `index row ${idx} names no held transaction`, id);
    if (!ok) break;
    prevHash = hash;
    prevTime = b.header.time;
    height = h;
  }
  if (ok) {
    const stored = new Map((ledger.db.prepare('SELECT key, value FROM state WHERE chain = ?').all(chain) as { key: string; value: Buffer }[]).map((r) => [r.key, new Uint8Array(r.value)]));
    for (const [key, v] of mem.entries()) {
      const s = stored.get(key);
      if (!s) add(height, 'state', 'row of the held transactions\' state is missing', key);
      else if (!bytesEqual(s, v)) add(height, 'state', 'value differs from the state of the held transactions', key);
      stored.delete(key);
    }
    for (const key of stored.keys()) add(height, 'state', 'row follows from no held transaction', key);
  }
  return { height, txs };
}

/** headerFault with the validator set read from the replayed state (verify does not trust the stored one). */
function headerFaultAt(ledger: Ledger, chain: ChainId, b: LightBlock, prevHash: Uint8Array, prevTime: number, h: number, st: StateReader): string | null {
  const stored = ledger.validatorsAt(chain, h);
  const replayed = validatorsAt(st, h);
  if (!bytesEqual(validatorsHash(stored), validatorsHash(replayed))) return 'the stored validator set differs from the one the held transactions install';
  return headerFault(ledger, chain, b, prevHash, prevTime, h);
}

/** A stored block as this node holds it: whole, or (a light chain) its header, certificate, size and held transactions only. */
export function storedBlock(ledger: Ledger, chain: ChainId, height: number): { header: BlockHeader; cert: Certificate; size: number; txs: SignedTx[] } | null {
  if (!ledger.isLight(chain)) {
    const b = ledger.block(chain, height);
    return b ? { header: b.header, cert: b.cert, size: b.txs.length, txs: b.txs } : null;
  }
  const bytes = ledger.db.prepare('SELECT bytes FROM light_blocks WHERE chain = ? AND height = ?').pluck().get(chain, height) as Buffer | undefined;
  if (!bytes) return null;
  const b = decodeLightBlock(new Uint8Array(bytes));
  return { header: b.header, cert: b.cert, size: b.size, txs: b.held.map((h) => h.tx) };
}

/**
 * Turns a chain held in full into a light client's (a patient folder from before the light client):
 * drops its blocks, transaction index and state, reinstalls its genesis state and marks it light,
 * then VACUUMs the database so the freed pages (other patients' entries) leave the file. The next
 * sync fetches the headers and this node's own transactions again. True if it converted.
 */
export function convertToLight(ledger: Ledger, chain: ChainId): boolean {
  if (!ledger.hasGenesis(chain) || ledger.isLight(chain)) return false;
  const g = ledger.genesis(chain);
  const db = ledger.db;
  db.transaction(() => {
    for (const t of ['blocks', 'txs', 'state', 'state_leaves', 'state_nodes', 'mempool']) db.prepare(`DELETE FROM ${t} WHERE chain = ?`).run(chain);
    applyGenesis(ledger.state(chain) as StateView, g);
    ledger.tree.rebuild(chain);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`light/${chain}`, Buffer.from('1'));
  }).immediate();
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return true;
}
