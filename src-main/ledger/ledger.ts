/**
 * The ledger: three chains in one node's SQLite database. It checks transactions against each
 * chain's rules, builds proposals, verifies blocks completely (hash link, Merkle root, validator
 * set, commit certificate, every transaction signature and rule) before storing them, and applies
 * a block and its state changes in one SQLite transaction, so a crash leaves either the whole
 * block or none of it. Transactions that read then write begin IMMEDIATE: another process on the
 * same database (a CLI beside a running daemon) then waits for the lock (busy_timeout) instead of
 * failing on a stale read snapshot. Each block header carries the state root after the block
 * (./state-tree), computed over the keys the block changed and checked before the block is stored.
 * The checks that read no state are ./checks; the stored genesis documents, ./genesis-store; the
 * batched signature checks of catch-up, ./batch-verify.
 */
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import type { BatchItem, BlsApi } from '../crypto/bls-types';
import { rolledBack, type DB } from '../storage/db';
import { certificateItem, txSignatureItems } from './batch-verify';
import { commitWindows } from './catch-up';
import { checkHeader, checkTxForm, checkTxSignatures, checkTxSize, type Head } from './checks';
import { VerifiedSignatures } from './verified';
import { BlockRejected } from './errors';
import { checkCertificate, pendingCertificate } from './certificate';
import { attachCertificate, certifiedHeight } from './pending-certificate';
import { blockHash, decodeBlock, encodeBlock, genesisHash, sigsHash, txBytes, txId, txRoot, validatorsHash } from './encoding';
import { validatorsAt } from './rules/common';
import { RULES } from './rules/index';
import { TxRejected, type Admission, type TxContext, type StateReader } from './rules/types';
import { applyGenesis } from './genesis-state';
import { GenesisStore } from './genesis-store';
import { SqlState } from './state';
import { newTreeLog, StateTree } from './state-tree';
import { PreparedBlocks, type BlockWrites, type Prepared } from './prepared';
import { HeadTimes } from './head-time';
import { verifyLedger, type VerifyResult } from './verify';
import { markCommitted } from './outbox';
import { HASH_LENGTH, type Block, type BlockHeader, type Certificate, type ChainId, type Genesis, type SignedTx, type ValidatorInfo } from './types';
import { CHAINS } from '../../src-shared/vocabulary';

export { BlockRejected, type Head, type Prepared };
export type { VerifyFault, VerifyResult } from './verify';
export { genesisStateRoot } from './genesis-state';

const ZERO_HASH = new Uint8Array(HASH_LENGTH);

export class Ledger {
  private readonly states: Record<ChainId, SqlState>;
  readonly tree: StateTree;
  /** Writes of blocks prepared or checked here, reused when the same block commits on the same head (./prepared). */
  readonly prepared: PreparedBlocks;
  /** Author signatures verified here (mempool, proposals), each verified once (./verified). */
  readonly verified = new VerifiedSignatures();
  private readonly geneses: GenesisStore;
  private readonly times = new HeadTimes();
  private readonly q;

  constructor(readonly db: DB, readonly bls: BlsApi) {
    this.states = { patient: new SqlState(db, 'patient'), hospital: new SqlState(db, 'hospital'), social: new SqlState(db, 'social') };
    this.tree = new StateTree(db);
    this.prepared = new PreparedBlocks(db);
    this.geneses = new GenesisStore(db);
    this.q = {
      head: db.prepare('SELECT height, hash FROM (SELECT height, hash FROM blocks WHERE chain = @chain UNION ALL SELECT height, hash FROM light_blocks WHERE chain = @chain) ORDER BY height DESC LIMIT 1'),
      block: db.prepare('SELECT bytes FROM blocks WHERE chain = ? AND height = ?').pluck(),
      putBlock: db.prepare('INSERT INTO blocks (chain, height, hash, bytes) VALUES (?, ?, ?, ?)'),
      putTx: db.prepare('INSERT INTO txs (chain, id, height, idx, type, author, nonce) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      hasTx: db.prepare('SELECT 1 FROM txs WHERE chain = ? AND id = ?').pluck(),
      hasNonce: db.prepare('SELECT 1 FROM txs WHERE chain = ? AND author = ? AND nonce = ?').pluck(),
      txLocation: db.prepare('SELECT height, idx FROM txs WHERE chain = ? AND id = ?'),
      dropMempool: db.prepare('DELETE FROM mempool WHERE chain = ? AND id = ?'),
    };
    // A database from before the state tree (migration 5): build it once from the state.
    if (!db.readonly) {
      for (const chain of this.chains()) if (!this.tree.isBuilt(chain)) db.transaction(() => this.tree.rebuild(chain)).immediate();
    }
  }

  // ---- genesis ---------------------------------------------------------------------------------

  hasGenesis(chain: ChainId): boolean {
    return this.geneses.has(chain);
  }

  genesis(chain: ChainId): Genesis {
    return this.geneses.doc(chain);
  }

  genesisHash(chain: ChainId): Uint8Array {
    return this.geneses.hash(chain);
  }

  /** Installs a chain's genesis (proofs of possession checked); `light`: held as a light client (./light). */
  initGenesis(g: Genesis, opts: { light?: boolean } = {}): Uint8Array {
    if (this.hasGenesis(g.chain)) throw new Error(`the ${g.chain} chain already has a genesis`);
    if (g.validators.length === 0) throw new Error('genesis needs at least one validator');
    for (const v of [...g.validators, ...g.members]) {
      if (!this.bls.popVerify(v.blsPk, v.pop)) throw new Error(`genesis: proof of possession fails for ${v.name}`);
    }
    const hash = genesisHash(g);
    this.db.transaction(() => {
      this.geneses.put(g, hash, opts.light === true);
      this.states[g.chain].takeTouched();
      applyGenesis(this.states[g.chain], g);
      this.tree.rebuild(g.chain);
    }).immediate();
    return hash;
  }

  /**
   * Records the genesis document of a chain this node does not replicate (an entity holds only
   * the social chain but verifies proofs that reach into the patient and hospital chains). The
   * caller checks the document against a hash it trusts (an invite's).
   */
  trustGenesis(g: Genesis, expectedHash: Uint8Array): void {
    if (!bytesEqual(genesisHash(g), expectedHash)) throw new Error(`the ${g.chain} genesis document does not match the trusted hash`);
    this.geneses.trust(g);
  }

  /** The genesis of a chain: the replicated one, else a trusted document, else null. */
  knownGenesis(chain: ChainId): Genesis | null {
    return this.hasGenesis(chain) ? this.genesis(chain) : this.geneses.trusted(chain);
  }

  /** True when this node holds the chain as a light client (./light). */
  isLight = (chain: ChainId): boolean => this.geneses.isLight(chain);

  // ---- reads -----------------------------------------------------------------------------------

  chains(): ChainId[] {
    return CHAINS.filter((c) => this.hasGenesis(c));
  }

  head(chain: ChainId): Head {
    const row = this.q.head.get({ chain }) as { height: number; hash: Buffer } | undefined;
    return row ? { height: row.height, hash: new Uint8Array(row.hash) } : { height: 0, hash: this.genesisHash(chain) };
  }

  height(chain: ChainId): number {
    return this.head(chain).height;
  }

  /** The time of the chain's head block (`head`, read when not given), the genesis time at height 0 (./head-time). */
  headTime(chain: ChainId, head = this.head(chain)): number {
    return head.height === 0 ? this.genesis(chain).time : this.times.of(chain, head, () => this.block(chain, head.height)?.header.time ?? 0);
  }

  state(chain: ChainId): StateReader {
    return this.states[chain];
  }

  validatorsAt(chain: ChainId, height: number): ValidatorInfo[] {
    return validatorsAt(this.states[chain], height);
  }

  /**
   * The root of the chain's current state (after its head block): the app hash a CometBFT
   * application returns. Equals the head header's stateRoot (genesisStateRoot at height 0).
   */
  stateRoot(chain: ChainId): Uint8Array {
    return this.tree.root(chain);
  }

  /** Brings the state tree up to date with the writes since the last call and returns the root, keeping what the block wrote (./prepared). */
  private captureRoot(chain: ChainId): BlockWrites {
    const touched = this.states[chain].takeTouched();
    const log = newTreeLog();
    return this.prepared.capture(chain, touched, log, this.tree.update(chain, touched, log));
  }

  blockBytes(chain: ChainId, height: number): Uint8Array | null {
    const b = this.q.block.get(chain, height) as Buffer | undefined;
    return b ? new Uint8Array(b) : null;
  }

  block(chain: ChainId, height: number): Block | null {
    const b = this.blockBytes(chain, height);
    return b ? decodeBlock(b) : null;
  }

  /** Where a committed transaction sits: its block height and index, or null. */
  txLocation(chain: ChainId, id: Uint8Array): { height: number; index: number } | null {
    const r = this.q.txLocation.get(chain, id) as { height: number; idx: number } | undefined;
    return r ? { height: r.height, index: r.idx } : null;
  }

  // ---- transactions ----------------------------------------------------------------------------

  private context(chain: ChainId, height: number, time: number, id: Uint8Array, admit: Admission): TxContext {
    const ctx: TxContext = { chain, genesis: this.genesisHash(chain), height, time, txId: id, state: this.states[chain], bls: this.bls, validators: this.validatorsAt(chain, height) };
    if (admit) {
      ctx.peer = (c: ChainId) => (this.hasGenesis(c) ? this.states[c] : null);
      ctx.admission = admit;
    }
    return ctx;
  }

  /** Static checks that need no state: shape, chain, body schema, signature (./checks). Throws TxRejected. */
  checkTxForm(tx: SignedTx, chain: ChainId, opts: { signature?: boolean } = {}): void {
    checkTxForm(this.bls, tx, chain, { ...opts, verified: this.verified });
  }

  /** Checks a transaction against the current state without changing anything. Throws TxRejected. */
  checkTx(tx: SignedTx, opts: { signature?: boolean } = {}): void {
    const chain = tx?.chain as ChainId;
    checkTxSize(tx);
    this.checkTxForm(tx, chain, opts);
    rolledBack(this.db, () => this.applyTx(tx, this.height(chain) + 1, Date.now(), 'mempool'));
  }

  /**
   * `admit`: the node is deciding whether to let the transaction in (rules may then read other
   * chains, and its size is capped); false when applying a block a quorum already certified.
   */
  private applyTx(tx: SignedTx, height: number, time: number, admit: Admission): void {
    if (admit === 'block') checkTxSize(tx);
    const id = txId(tx);
    if (this.q.hasTx.get(tx.chain, id)) throw new TxRejected('transaction is already on the chain');
    if (this.q.hasNonce.get(tx.chain, tx.author, tx.nonce)) throw new TxRejected(`nonce ${tx.nonce} was already used by this author`);
    const rule = RULES[tx.chain][tx.type];
    const body = rule.body.parse(tx.body);
    const ctx = this.context(tx.chain, height, time, id, admit);
    rule.check(tx, body, ctx);
    rule.apply(tx, body, ctx);
  }

  // ---- blocks ----------------------------------------------------------------------------------

  /**
   * Builds the next block's header from candidate transactions, keeping those that pass the rules
   * in order (an invalid one is dropped with its reason). Nothing is stored; `inPlace`: the writes stay
   * in the caller's write transaction, which commits this very block (./producer produceBlock).
   */
  prepareBlock(chain: ChainId, candidates: SignedTx[], proposer: number, time: number, opts: { inPlace?: boolean } = {}): Prepared {
    const inPlace = opts.inPlace === true;
    if (inPlace && !this.db.inTransaction) throw new Error('prepareBlock inPlace: only inside the write transaction that commits the block');
    const head = this.head(chain);
    const height = head.height + 1;
    const txs: SignedTx[] = [];
    const dropped: { tx: SignedTx; reason: string }[] = [];
    let writes: BlockWrites | undefined;
    const build = () => {
      this.states[chain].takeTouched();
      for (const tx of candidates) {
        try {
          this.db.transaction(() => this.applyTx(tx, height, time, 'block'))();
          txs.push(tx);
        } catch (e) {
          if (!(e instanceof TxRejected)) throw e;
          dropped.push({ tx, reason: e.reason });
        }
      }
      writes = inPlace ? { root: this.tree.update(chain, this.states[chain].takeTouched()), state: new Map(), tree: newTreeLog() } : this.captureRoot(chain);
    };
    if (inPlace) build();
    else rolledBack(this.db, build);
    const header: BlockHeader = {
      chain, genesis: this.genesisHash(chain), height, prevHash: head.hash, time, proposer,
      txRoot: txRoot(txs), sigsHash: sigsHash(txs), validatorsHash: validatorsHash(this.validatorsAt(chain, height)), stateRoot: writes!.root,
    };
    if (inPlace) this.prepared.rememberInPlace(chain, blockHash(header), head, writes!.root);
    else this.prepared.remember(chain, blockHash(header), head, writes!);
    return { header, txs, dropped };
  }

  /** Checks a proposed block (header and txs, no certificate yet) against the chain. Throws BlockRejected. */
  checkProposal(header: BlockHeader, txs: SignedTx[]): void {
    const chain = header.chain;
    const head = this.head(chain);
    this.checkHeader(header, txs, head);
    checkTxSignatures(this.bls, chain, header.height, txs, this.verified);
    const hash = blockHash(header);
    // This node's own proposal (or one it checked already): its rules ran on these very transactions on this head.
    if (this.prepared.has(chain, hash, head)) return;
    let writes: BlockWrites | undefined;
    rolledBack(this.db, () => {
      this.applyTxs(header, txs, 'block');
      writes = this.captureRoot(chain);
      this.checkRoot(header, writes.root);
    });
    this.prepared.remember(chain, hash, head, writes!);
  }

  /**
   * Verifies a complete block (everything checkProposal checks, plus its commit certificate) and
   * stores it with its state changes atomically.
   *
   * `certificateLater`: the caller (the CometBFT application, whose consensus already decided this
   * block) stores it with a pending certificate; attachCertificate adds the real one when it lands.
   * Such a block is not served to syncing peers nor used in proofs until then (certifiedHeight).
   */
  commitBlock(block: Block, opts: { certificateLater?: boolean; batch?: BatchItem[]; auditLater?: boolean } = {}): void {
    const { header, txs } = block;
    let cert = block.cert;
    const chain = header?.chain;
    if (!CHAINS.includes(chain)) throw new BlockRejected('hospital', header?.height ?? -1, 'unknown chain');
    const hash = blockHash(header);
    // Signatures first (the expensive part, and independent of the chain's state)...
    // (`batch`: commitBlocks checks them, with the certificates, for many blocks at once)
    if (opts.batch) txSignatureItems(chain, header.height, txs, opts.batch);
    else checkTxSignatures(this.bls, chain, header.height, txs, this.verified);
    if (opts.certificateLater) cert = pendingCertificate(this.validatorsAt(chain, header.height).length);
    const bytes = encodeBlock({ header, txs, cert });
    // ...then everything that depends on the head, under the write lock, so that another process
    // committing to the same database in between is seen as a height conflict, never half-applied.
    this.db.transaction(() => {
      const head = this.head(chain);
      this.checkHeader(header, txs, head);
      const later = opts.certificateLater || opts.auditLater; // auditLater: a window's tip authenticates it (./catch-up)
      if (opts.batch && !later) opts.batch.push(certificateItem(this.bls, this.validatorsAt(chain, header.height), header, hash, cert));
      else if (!later) {
        const c = checkCertificate(this.bls, this.validatorsAt(chain, header.height), header.genesis, header.height, hash, cert);
        if (!c.ok) throw new BlockRejected(chain, header.height, c.reason);
      }
      // The writes this node computed for this block on this head when it prepared or checked it (./prepared), else the transactions applied.
      const replayed = this.prepared.replay(chain, hash, head, this.tree);
      if (replayed) this.checkRoot(header, replayed);
      else {
        this.applyTxs(header, txs, false);
        this.checkRoot(header, this.tree.update(chain, this.states[chain].takeTouched()));
      }
      this.q.putBlock.run(chain, header.height, hash, bytes);
      this.times.note(chain, hash, header.time);
      txs.forEach((tx, i) => {
        const id = txId(tx);
        this.q.putTx.run(chain, id, header.height, i, tx.type, tx.author, tx.nonce);
        this.q.dropMempool.run(chain, id);
        this.verified.forget(id);
        markCommitted(this.db, id, header.height);
      });
    }).immediate();
  }

  /**
   * Verifies and stores consecutive blocks (catch-up sync) in windows under one validator set, each
   * authenticated by its last block's certificate through the hash links; the other certificates
   * are audited later (./catch-up: commitWindows, servableHeight, auditCertificates).
   */
  commitBlocks(blocks: Block[]): void {
    commitWindows(this, blocks);
  }

  /** Adds the certificate of a block stored with a pending one (./pending-certificate). Throws BlockRejected. */
  attachCertificate(chain: ChainId, height: number, cert: Certificate): void {
    attachCertificate(this, chain, height, cert);
  }

  /** The highest height up to which every block carries its certificate (./pending-certificate). */
  certifiedHeight(chain: ChainId): number {
    return certifiedHeight(this, chain);
  }

  /** Decodes and commits a block from its wire bytes (sync). */
  appendBlock(chain: ChainId, bytes: Uint8Array): void {
    let block: Block;
    try {
      block = decodeBlock(bytes);
    } catch (e) {
      throw new BlockRejected(chain, this.height(chain) + 1, (e as Error).message);
    }
    if (block.header?.chain !== chain) throw new BlockRejected(chain, this.height(chain) + 1, 'block belongs to another chain');
    this.commitBlock(block);
  }

  /** After applying a block's transactions (inside its transaction): the state must hash to the header's root. */
  private checkRoot(header: BlockHeader, root: Uint8Array): void {
    if (!bytesEqual(root, header.stateRoot)) throw new BlockRejected(header.chain, header.height, `state root differs: the block's transactions lead to ${toHex(root).slice(0, 16)}…, the header says ${toHex(header.stateRoot).slice(0, 16)}…`);
  }

  private applyTxs(header: BlockHeader, txs: SignedTx[], admit: Admission): void {
    this.states[header.chain].takeTouched();
    for (const tx of txs) {
      try {
        this.checkTxForm(tx, header.chain, { signature: false });
        this.applyTx(tx, header.height, header.time, admit);
      } catch (e) {
        if (e instanceof TxRejected) throw new BlockRejected(header.chain, header.height, `transaction ${toHex(txId(tx)).slice(0, 16)}… invalid: ${e.reason}`);
        throw e;
      }
    }
  }

  /** ./checks checkHeader against this chain's head, genesis and validators. */
  private checkHeader(header: BlockHeader, txs: SignedTx[], head: Head): void {
    const chain = header.chain;
    checkHeader(header, txs, { head, genesisHash: this.genesisHash(chain), validators: () => this.validatorsAt(chain, header.height), prevTime: () => this.headTime(chain, head) });
  }

  // ---- verification of the stored chains -------------------------------------------------------

  /**
   * Re-verifies every stored block (hash, height sequence, hash link, Merkle root, validator-set
   * hash, commit certificate and, with `signatures`, every transaction signature), the transaction
   * index against the blocks, and the state against the head's certified state root
   * (./verify). Names every fault found: chain, height, table and key.
   */
  verifyStored(opts: { signatures?: boolean; repairTree?: boolean } = {}): VerifyResult {
    return verifyLedger(this, opts);
  }
}

export { ZERO_HASH, txBytes };
