/**
 * A Trichain node: one identity, one database with the chains it replicates, a blob store, a
 * mempool and an outbox of its own signed transactions. The same class runs inside Electron,
 * headless under `trichain start`, behind the browser host and in tests; it imports no Electron.
 *
 * Submitting: the node signs a transaction with its key, checks it against the chain rules,
 * records it in the outbox (persistent: it survives restarts) and the mempool, and, where this
 * node alone forms a quorum of the chain's validators (n = 1), commits it in a block at once.
 * Otherwise it stays pending until consensus (or a peer) commits it.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { canonicalDecode, type Canonical } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { defaultBls } from '../crypto/bls';
import type { BlsApi } from '../crypto/bls-types';
import { loadKeystore, saveKeystore, type SaveOptions } from '../crypto/keystore';
import { createIdentity, identityFromPhrase, type Identity } from '../crypto/identity';
import { quorum } from '../ledger/certificate';
import { txBytes, txId } from '../ledger/encoding';
import { BlockRejected, Ledger } from '../ledger/ledger';
import { describeFault } from '../ledger/verify';
import { commitLight, convertToLight, type LightBlock } from '../ledger/light';
import { isLightFor } from '../net/acl';
import { produceBlock, signTx, type ValidatorKey } from '../ledger/producer';
import { TxRejected } from '../ledger/rules/types';
import type { TxBody, TxType } from '../ledger/rules/index';
import { markCommitted, markRejected, moveOwn, queueOwn, type OutboxStatus } from '../ledger/outbox';
import { type Block, type ChainId, type SignedTx } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';
import { BlobStore } from '../storage/blobs';
import { openDatabase, type DB } from '../storage/db';
import { readConfig, writeConfig, type NodeConfig, type NodeRole } from './config';
import { nodePaths, type NodePaths } from './files';
import { foundingGenesis } from './genesis';
import { releaseHeld, submitAct, type ActStep } from './acts';

export class NodeError extends Error {}

export interface InitOptions {
  role: NodeRole;
  name: string;
  passphrase: string;
  kind?: string;
  /** Found a new network (hospital only): write the genesis of all three chains. */
  found?: boolean;
  network?: string;
  scrypt?: SaveOptions;
  bls?: BlsApi;
  /** Restore an identity from its BIP-39 recovery phrase (the same keys as before) instead of making one. */
  restore?: string;
  /** A founder's CometBFT validator key, named in the genesis validator sets (trichain init --engine cometbft). */
  consensusKey?: Uint8Array;
}

export interface OpenOptions {
  passphrase: string;
  bls?: BlsApi;
  /** Verify every stored chain before serving (default true). */
  verify?: boolean;
}

export interface SubmitResult {
  tx: SignedTx;
  id: Uint8Array;
  status: 'committed' | 'pending';
  height?: number;
}

export interface OutboxEntry {
  id: string;
  chain: ChainId;
  type: string;
  status: OutboxStatus;
  created: number;
  detail: string | null;
}

export class TrichainNode extends EventEmitter {
  readonly blobs: BlobStore;
  /** What opening the node repaired (a rebuilt state tree, corrupt blobs removed), for the log. */
  repairs: string[] = [];
  private closed = false;
  private lastReceived = 0;

  private constructor(
    readonly paths: NodePaths,
    readonly config: NodeConfig,
    readonly identity: Identity,
    readonly db: DB,
    readonly ledger: Ledger,
    readonly bls: BlsApi,
  ) {
    super();
    this.blobs = new BlobStore(db);
    // Blocks stored by a path that only announces them (a test harness appending through the
    // ledger, another component): the next step of an act goes out all the same (./acts).
    this.on('block', () => {
      if (this.closed) return;
      try {
        releaseHeld(this);
      } catch {
        // e.g. another process holds the write lock: retried after the next block or at start
      }
    });
  }

  /** Creates a node's identity, keystore and database in `dir` (which must not hold a node yet). */
  static async init(dir: string, o: InitOptions): Promise<TrichainNode> {
    const paths = nodePaths(dir);
    if (existsSync(paths.keystore)) throw new NodeError(`${paths.dir} already holds a node (identity.json exists)`);
    if (o.found && o.role !== 'hospital') throw new NodeError('only a hospital node can found a network');
    const bls = o.bls ?? defaultBls();
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    const identity = o.restore ? identityFromPhrase(o.restore, { name: o.name, role: o.role, created: new Date().toISOString() }, bls) : createIdentity({ name: o.name, role: o.role }, bls);
    const db = openDatabase(paths.db);
    const ledger = new Ledger(db, bls);
    const config: NodeConfig = { version: 1, role: o.role, name: o.name, created: identity.meta.created, ...(o.kind ? { kind: o.kind } : {}) };
    if (o.found) {
      config.network = o.network ?? `${o.name} network`;
      for (const g of foundingGenesis(identity, config.network, Date.now(), o.consensusKey)) ledger.initGenesis(g);
    }
    await saveKeystore(paths.keystore, identity, o.passphrase, o.scrypt);
    writeConfig(paths.config, config);
    return new TrichainNode(paths, config, identity, db, ledger, bls);
  }

  /** Opens a node; refuses a wrong passphrase and (unless verify is false) a tampered store. */
  static async open(dir: string, o: OpenOptions): Promise<TrichainNode> {
    const paths = nodePaths(dir);
    if (!existsSync(paths.keystore)) throw new NodeError(`no node in ${paths.dir} (run: trichain init --data ${dir} ...)`);
    const bls = o.bls ?? defaultBls();
    const config = readConfig(paths.config);
    const identity = await loadKeystore(paths.keystore, o.passphrase, bls);
    const db = openDatabase(paths.db);
    const ledger = new Ledger(db, bls);
    const repairs: string[] = [];
    // A patient folder from before the light client held the whole patient chain: it is reduced now.
    for (const c of ledger.chains()) if (isLightFor(config.role, c) && convertToLight(ledger, c)) repairs.push(`${c} chain: the full replica (other patients' entries included) was replaced by a light client's store; headers and own transactions are fetched again from peers`);
    if (o.verify !== false) {
      const r = ledger.verifyStored({ repairTree: true });
      if (!r.ok) {
        db.close();
        const more = r.faults.slice(1, 5).map(describeFault).join('; ');
        const rest = r.faults.length > 5 ? `; and ${r.faults.length - 5} more (trichain verify lists them)` : '';
        throw new NodeError(`stored ${r.chain} chain is corrupt at height ${r.height}: ${r.table} table: ${r.reason}${more ? `; also ${more}` : ''}${rest}. Refusing to start; restore from a peer (trichain join) or a backup.`);
      }
      repairs.push(...(r.repaired ?? []));
    }
    const node = new TrichainNode(paths, config, identity, db, ledger, bls);
    if (o.verify !== false) for (const hex of node.blobs.removeCorrupt()) repairs.push(`blob ${hex} was corrupt: removed, to be fetched again from a peer`);
    node.repairs = repairs;
    // Acts interrupted by a crash: steps whose predecessor committed go out now (./acts).
    releaseHeld(node);
    return node;
  }

  get key(): ValidatorKey {
    return { sk: this.identity.blsSecretKey, pk: this.identity.blsPublicKey };
  }

  get publicKeyHex(): string {
    return toHex(this.identity.blsPublicKey);
  }

  chains(): ChainId[] {
    return this.ledger.chains();
  }

  /** True when this node's key alone is a quorum of the chain's validator set for the next block. */
  isSoloValidator(chain: ChainId): boolean {
    if (!this.ledger.hasGenesis(chain)) return false;
    const vs = this.ledger.validatorsAt(chain, this.ledger.height(chain) + 1);
    return quorum(vs.length) === 1 && vs.some((v) => toHex(v.blsPk) === this.publicKeyHex);
  }

  private nextNonce(chain: ChainId, author: Uint8Array = this.identity.blsPublicKey): number {
    const own = toHex(author) === this.publicKeyHex;
    const key = own ? `nonce/${chain}` : `nonce/${chain}/${toHex(author)}`;
    // Read then write under the write lock: two processes signing for this identity at once (a
    // CLI beside the running daemon) never take the same nonce.
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as Buffer | undefined;
      const fromChain = this.db.prepare('SELECT MAX(nonce) FROM txs WHERE chain = ? AND author = ?').pluck().get(chain, author) as number | null;
      const next = Math.max(row ? Number(new TextDecoder().decode(row)) : 0, fromChain ?? 0) + 1;
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, Buffer.from(String(next)));
      return next;
    }).immediate();
  }

  /** Signs a transaction as this node's identity (nothing is stored). */
  sign(chain: ChainId, type: string, body: { [k: string]: Canonical }): SignedTx {
    return signTx(this.bls, this.key, { chain, type, nonce: this.nextNonce(chain), time: Date.now(), body });
  }

  /**
   * Signs with another key this node holds (a patient's per-grantee key, derived from its seed),
   * checks and queues the transaction as this node's own. With `afterPending`, the transaction
   * depends on an own transaction not yet committed (its key's registration): only its form and
   * signature are checked here; the validators check the rest once the earlier one has committed.
   */
  submitAs(key: ValidatorKey, chain: ChainId, type: string, body: { [k: string]: Canonical }, opts: { afterPending?: boolean } = {}): SubmitResult {
    this.assertOpen();
    if (!this.ledger.hasGenesis(chain)) throw new NodeError(`this node does not hold the ${chain} chain`);
    const tx = signTx(this.bls, key, { chain, type, nonce: this.nextNonce(chain, key.pk), time: Date.now(), body });
    return this.submitSigned(tx, { own: true, formOnly: opts.afterPending });
  }

  /**
   * Signs, checks and queues a transaction; commits it at once where this node is the sole validator.
   * Throws TxRejected (nothing stored) when the chain's rules refuse it.
   */
  submit<C extends ChainId, T extends TxType<C>>(chain: C, type: T, body: TxBody<C, T>, opts: { defer?: boolean } = {}): SubmitResult {
    this.assertOpen();
    if (!this.ledger.hasGenesis(chain)) throw new NodeError(`this node does not hold the ${chain} chain`);
    // The body's type is its rule's schema (ledger/rules/index.ts); every such body is canonical data.
    const tx = this.sign(chain, type, body as unknown as { [k: string]: Canonical });
    return this.submitSigned(tx, opts);
  }

  /**
   * Queues an already-signed transaction (this node's own, or one relayed from a peer). With
   * `defer`, a sole validator leaves it in the mempool so that many (an import) share one block;
   * call commitPending afterwards.
   */
  submitSigned(tx: SignedTx, opts: { own?: boolean; defer?: boolean; formOnly?: boolean } = {}): SubmitResult {
    this.assertOpen();
    if (opts.formOnly) this.ledger.checkTxForm(tx, tx.chain);
    else this.ledger.checkTx(tx);
    const id = txId(tx);
    this.enqueue(tx, opts.own ?? toHex(tx.author) === this.publicKeyHex);
    if (this.isSoloValidator(tx.chain) && !opts.defer) {
      // A lost race with another process on this database leaves the tx for the next block.
      for (let attempt = 0; attempt < 3 && !this.ledger.txLocation(tx.chain, id); attempt++) this.commitPending(tx.chain);
      const loc = this.ledger.txLocation(tx.chain, id);
      if (!loc) {
        const why = this.db.prepare('SELECT detail FROM outbox WHERE id = ?').pluck().get(id) as string | undefined;
        throw new TxRejected(why ?? 'transaction was not committed');
      }
      return { tx, id, status: 'committed', height: loc.height };
    }
    return { tx, id, status: 'pending' };
  }

  /** Puts a checked transaction into the mempool (and the outbox when it is this node's own). */
  enqueue(tx: SignedTx, own: boolean): void {
    const id = txId(tx);
    const bytes = txBytes(tx);
    // Strictly increasing arrival stamps keep the submission order inside a block.
    this.lastReceived = Math.max(this.lastReceived + 1, Date.now() * 1000);
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO mempool (chain, id, bytes, received) VALUES (?, ?, ?, ?)').run(tx.chain, id, bytes, this.lastReceived);
      if (own) queueOwn(this.db, id, tx.chain, bytes, { once: true });
    })();
    this.emit('tx', { chain: tx.chain, id: toHex(id), status: 'pending' });
  }

  /**
   * One act over several chains (a record's anchor, then its link), all or nothing: see ./acts.
   * Returns the signed steps in order.
   */
  submitAct(steps: ActStep[], opts: { defer?: boolean; local?: () => void } = {}): SignedTx[] {
    this.assertOpen();
    return submitAct(this, steps, opts);
  }

  /** Mempool transactions of a chain in arrival order. */
  mempool(chain: ChainId, limit = 5000): SignedTx[] {
    const rows = this.db.prepare('SELECT bytes FROM mempool WHERE chain = ? ORDER BY received LIMIT ?').pluck().all(chain, limit) as Buffer[];
    return rows.map((b) => canonicalDecode(new Uint8Array(b)) as unknown as SignedTx);
  }

  /** As sole validator, commits the chain's mempool in one block; drops (and reports) invalid txs. */
  commitPending(chain: ChainId): Block | null {
    this.assertOpen();
    if (!this.isSoloValidator(chain)) return null;
    const candidates = this.mempool(chain);
    if (candidates.length === 0) return null;
    const before = this.ledger.height(chain);
    let produced: ReturnType<typeof produceBlock>;
    try {
      produced = produceBlock(this.ledger, chain, candidates, [this.key]);
    } catch (e) {
      // Another process on this database (a CLI beside the running daemon) committed the next
      // block first: our transactions are in it or still in the mempool for the next one.
      if (e instanceof BlockRejected && this.ledger.height(chain) > before) return null;
      throw e;
    }
    const { block, dropped } = produced;
    this.dropRefused(chain, dropped);
    releaseHeld(this);
    if (block) this.emit('block', { chain, height: block.header.height, txs: block.txs.length });
    return block;
  }

  /**
   * Removes transactions the rules refused while building a block from the mempool, and marks
   * this node's own ones rejected. A transaction refused because it is already on the chain was
   * committed meanwhile (by another process on this database, e.g. the daemon's producer beside a
   * `trichain admit`, or by a block that arrived between reading the mempool and building): its
   * outbox entry is marked committed, never rejected. Under the write lock, so that the check and
   * the update see the same chain.
   */
  dropRefused(chain: ChainId, dropped: { tx: SignedTx; reason: string }[]): void {
    if (dropped.length === 0) return;
    this.db.transaction(() => {
      for (const d of dropped) {
        const id = txId(d.tx);
        this.db.prepare('DELETE FROM mempool WHERE chain = ? AND id = ?').run(chain, id);
        const loc = this.ledger.txLocation(chain, id);
        if (loc) markCommitted(this.db, id, loc.height);
        else markRejected(this.db, id, d.reason);
      }
    }).immediate();
  }

  /** Commits a block produced elsewhere (consensus or sync), then announces it. */
  commitBlock(block: Block): void {
    this.ledger.commitBlock(block);
    releaseHeld(this);
    this.emit('block', { chain: block.header.chain, height: block.header.height, txs: block.txs.length });
  }

  /** Stores a light block of a chain held as a light client (ledger/light.ts: verified first), then announces it. */
  commitLight(block: LightBlock): void {
    commitLight(this.ledger, block, this.identity.blsPublicKey);
    releaseHeld(this);
    this.emit('block', { chain: block.header.chain, height: block.header.height, txs: block.held.length });
  }

  /** Commits consecutive blocks from sync, verified together (Ledger.commitBlocks), then announces each stored one. */
  commitBlocks(blocks: Block[]): void {
    const chain = blocks[0]?.header.chain;
    const before = chain ? this.ledger.height(chain) : 0;
    try {
      this.ledger.commitBlocks(blocks);
    } finally {
      for (const b of blocks) if (chain && b.header.height > before && b.header.height <= this.ledger.height(chain)) this.emit('block', { chain, height: b.header.height, txs: b.txs.length });
    }
  }

  outbox(status?: OutboxEntry['status']): OutboxEntry[] {
    const rows = this.db
      .prepare(`SELECT id, chain, bytes, status, created, detail FROM outbox ${status ? 'WHERE status = ?' : ''} ORDER BY created`)
      .all(...(status ? [status] : [])) as { id: Buffer; chain: ChainId; bytes: Buffer; status: OutboxEntry['status']; created: number; detail: string | null }[];
    return rows.map((r) => ({ id: toHex(r.id), chain: r.chain, type: (canonicalDecode(new Uint8Array(r.bytes)) as unknown as SignedTx).type, status: r.status, created: r.created, detail: r.detail }));
  }

  /** Own outbox entries with their signed transactions, oldest first (the relay reads these). */
  outboxTxs(status: OutboxEntry['status']): { id: string; chain: ChainId; tx: SignedTx; created: number }[] {
    const rows = this.db.prepare('SELECT id, chain, bytes, created FROM outbox WHERE status = ? ORDER BY created, id').all(status) as { id: Buffer; chain: ChainId; bytes: Buffer; created: number }[];
    return rows.map((r) => ({ id: toHex(r.id), chain: r.chain, tx: canonicalDecode(new Uint8Array(r.bytes)) as unknown as SignedTx, created: r.created }));
  }

  /**
   * Moves an outbox entry from one status to another, only if it is still in `from` (so a relay
   * never turns an entry the ledger already marked committed back into 'submitted'). True if it moved.
   */
  moveOutbox(idHex: string, from: OutboxEntry['status'], to: OutboxEntry['status'], detail: string | null = null): boolean {
    this.assertOpen();
    return moveOwn(this.db, Buffer.from(idHex, 'hex'), from, to, detail);
  }

  status() {
    const chains = {} as Record<ChainId, { height: number; head: string; genesis: string; validators: number; soloValidator: boolean } | null>;
    for (const c of CHAINS) {
      if (!this.ledger.hasGenesis(c)) {
        chains[c] = null;
        continue;
      }
      const head = this.ledger.head(c);
      chains[c] = {
        height: head.height,
        head: toHex(head.hash),
        genesis: toHex(this.ledger.genesisHash(c)),
        validators: this.ledger.validatorsAt(c, head.height + 1).length,
        soloValidator: this.isSoloValidator(c),
      };
    }
    return {
      identity: { name: this.config.name, role: this.config.role, blsPublicKey: this.publicKeyHex, x25519PublicKey: toHex(this.identity.x25519PublicKey) },
      network: this.config.network ?? null,
      chains,
      pending: this.outbox('pending').length,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new NodeError('node is closed');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    this.emit('close');
  }
}

