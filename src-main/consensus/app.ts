/**
 * The ledger as a ConsensusApp (abci.ts), and the wiring that runs the engine for every chain this
 * node validates together with others (DESIGN.md §4).
 *
 * LedgerApp, for one chain of one ConsensusNode:
 *   prepareProposal   the node's mempool (arrival order) through ledger.prepareBlock; the value is
 *                     canonical CBOR {header, txs}, its hash blockHash(header). Transactions the
 *                     rules now refuse are dropped from the mempool (and marked rejected in the
 *                     outbox when they are the node's own). With an empty mempool the proposer
 *                     waits up to `emptyBlockMs` for a transaction before proposing an empty block
 *                     (empty blocks keep heights moving so that validator-set changes take effect).
 *   processProposal   decodes, checks the hash, that it is the next height of our replica, and
 *                     ledger.checkProposal (hash link, Merkle root, validator set, every signature
 *                     and rule) — deterministic for every correct node at the same height.
 *   finalizeBlock     the Block {header, txs, certificate} through node.commitBlock (which checks
 *                     the certificate again and applies atomically). If catch-up sync stored that
 *                     height first, the stored hash must be the decided one (it always is, unless
 *                     more than f validators are faulty: then it fails loudly). Equivocation
 *                     evidence is stored in the `evidence` table (migration 2) and reported.
 *   committedAt       a stored block as {value, certificate}, for peers that lag behind.
 *
 * ValidatorEngines (used by `trichain start`): for each chain where this node is in the validator
 * set of the next height and the set has more than one validator, an engine (real scheduler, the
 * node's BLS key, SqliteSignGuard) is attached to the daemon. Where this node validates alone the
 * daemon's solo producer keeps the chain; when a validator-set change makes the set grow, the
 * engine is attached at the first height of the new set. When catch-up sync (or anything but the
 * engine) stores the engine's current height, the engine is restarted at the next one.
 */
import { sha256 } from '../crypto/hash';
import { canonicalDecode, canonicalEncode, bytesEqual, type Canonical } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { blockHash, txBytes } from '../ledger/encoding';
import { BlockRejected } from '../ledger/ledger';
import { servableHeight } from '../ledger/catch-up';
import { nextBlockTime } from '../ledger/producer';
import type { Block, BlockHeader, Certificate, ChainId, SignedTx, ValidatorInfo } from '../ledger/types';
import type { ConsensusNode } from './host';
import type { ConsensusApp, ProcessResult } from './abci';
import { ConsensusEngine } from './engine';
import { realScheduler, type Scheduler } from './driver';
import { encodeEvidence, evidenceShape, type Evidence } from './evidence';
import type { ProposalValue } from './messages';
import { SqliteSignGuard } from './sqlite-sign-guard';
import { DEFAULT_TIMEOUTS, type TimeoutConfig } from './machine-events';

/** DEFAULT_TIMEOUTS with every step scaled so that the base propose timeout is `propose` ms. */
export function scaledTimeouts(propose: number): TimeoutConfig {
  const k = propose / DEFAULT_TIMEOUTS.propose;
  const t = { ...DEFAULT_TIMEOUTS };
  for (const key of Object.keys(t) as (keyof TimeoutConfig)[]) t[key] = Math.round(DEFAULT_TIMEOUTS[key] * k);
  return t;
}


export interface LedgerAppOptions {
  /** How long a proposer with an empty mempool waits for a transaction (default 1000 ms). */
  emptyBlockMs?: number;
  /** Largest proposal (encoded {header, txs}) in bytes (default 4 MiB; the peer route takes 8 MiB). */
  maxBlockBytes?: number;
  maxBlockTxs?: number;
  scheduler?: Scheduler;
  onEvidence?(chain: ChainId, e: Evidence, validator: ValidatorInfo | undefined): void;
  /** A proposal this node refused (it prevotes nil). */
  onRefused?(chain: ChainId, height: number, reason: string): void;
}

export function encodeProposal(header: BlockHeader, txs: SignedTx[]): ProposalValue {
  return { hash: blockHash(header), bytes: canonicalEncode({ header, txs } as unknown as Canonical) };
}

export function decodeProposal(bytes: Uint8Array): { header: BlockHeader; txs: SignedTx[] } {
  const o = canonicalDecode(bytes) as unknown as { header: BlockHeader; txs: SignedTx[] };
  if (!o || typeof o !== 'object' || !o.header || typeof o.header !== 'object' || !Array.isArray(o.txs) || Object.keys(o).length !== 2) throw new Error('proposal: malformed encoding');
  return o;
}

const isBusy = (e: unknown): boolean => /database is locked|SQLITE_BUSY/i.test(String((e as { code?: string })?.code ?? '') + String((e as Error)?.message ?? e));

async function retryBusy<T>(sched: Scheduler, f: () => T, tries = 100): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return f();
    } catch (e) {
      if (!isBusy(e) || i >= tries) throw e;
      await new Promise<void>((r) => sched.setTimeout(r, 5 + Math.random() * 20));
    }
  }
}

export class LedgerApp implements ConsensusApp {
  readonly genesisHash: Uint8Array;
  /** Height being finalized by the engine (so that the 'block' event it causes is not taken for sync). */
  finalizing = 0;
  private readonly emptyMs: number;
  private readonly maxBytes: number;
  private readonly maxTxs: number;
  private readonly sched: Scheduler;
  private readonly hasMempool;

  constructor(
    readonly node: ConsensusNode,
    readonly chain: ChainId,
    private readonly o: LedgerAppOptions = {},
  ) {
    this.genesisHash = node.ledger.genesisHash(chain);
    this.emptyMs = o.emptyBlockMs ?? 1000;
    this.maxBytes = o.maxBlockBytes ?? 4 * 1024 * 1024;
    this.maxTxs = o.maxBlockTxs ?? 5000;
    this.sched = o.scheduler ?? realScheduler;
    this.hasMempool = node.db.prepare('SELECT 1 FROM mempool WHERE chain = ? LIMIT 1').pluck();
  }

  validatorsAt(height: number): ValidatorInfo[] {
    return this.node.ledger.validatorsAt(this.chain, height);
  }

  lastCommittedHeight(): number {
    return this.node.ledger.height(this.chain);
  }

  private async waitForTxs(height: number): Promise<void> {
    const end = this.sched.now() + this.emptyMs;
    while (this.sched.now() < end && this.lastCommittedHeight() + 1 === height && !this.hasMempool.get(this.chain)) {
      await new Promise<void>((r) => this.sched.setTimeout(r, Math.min(20, Math.max(1, end - this.sched.now()))));
    }
  }

  async prepareProposal(height: number, time: number, proposer: number): Promise<ProposalValue> {
    await this.waitForTxs(height);
    const { ledger } = this.node;
    if (ledger.height(this.chain) + 1 !== height) throw new Error(`consensus ${this.chain}: asked to propose height ${height}, the ledger is at ${ledger.height(this.chain)}`);
    const candidates: SignedTx[] = [];
    let bytes = 0;
    for (const tx of this.node.mempool(this.chain, this.maxTxs)) {
      const n = txBytes(tx).length + 8;
      if (bytes + n > this.maxBytes - 4096) break;
      bytes += n;
      candidates.push(tx);
    }
    const { header, txs, dropped } = await retryBusy(this.sched, () => ledger.prepareBlock(this.chain, candidates, proposer, nextBlockTime(ledger, this.chain, Math.max(time, Date.now()))));
    if (ledger.height(this.chain) + 1 !== height) throw new Error(`consensus ${this.chain}: the ledger moved past height ${height - 1} while preparing`);
    // (one already on the chain is not rejected: see node.dropRefused)
    if (dropped.length > 0) await retryBusy(this.sched, () => this.node.dropRefused(this.chain, dropped));
    return encodeProposal(header, txs);
  }

  async processProposal(height: number, value: ProposalValue): Promise<ProcessResult> {
    let p: { header: BlockHeader; txs: SignedTx[] };
    try {
      p = decodeProposal(value.bytes);
    } catch (e) {
      return { accept: false, reason: (e as Error).message };
    }
    if (p.header.chain !== this.chain) return { accept: false, reason: 'proposal is for another chain' };
    if (p.header.height !== height) return { accept: false, reason: `proposal header is for height ${p.header.height}, not ${height}` };
    try {
      if (!bytesEqual(blockHash(p.header), value.hash)) return { accept: false, reason: 'proposal hash does not match its header' };
      await retryBusy(this.sched, () => this.node.ledger.checkProposal(p.header, p.txs));
    } catch (e) {
      const reason = e instanceof BlockRejected ? e.reason : (e as Error).message;
      this.o.onRefused?.(this.chain, height, reason);
      return { accept: false, reason };
    }
    return { accept: true };
  }

  async finalizeBlock(height: number, value: ProposalValue, certificate: Certificate, evidence: Evidence[]): Promise<void> {
    this.recordEvidence(evidence);
    const { ledger } = this.node;
    if (ledger.height(this.chain) >= height) {
      const stored = ledger.head(this.chain).height === height ? ledger.head(this.chain).hash : blockHash(ledger.block(this.chain, height)!.header);
      if (!bytesEqual(stored, value.hash)) throw new Error(`consensus ${this.chain}: SAFETY — height ${height} decided ${toHex(value.hash)} but ${toHex(stored)} is stored`);
      return;
    }
    const { header, txs } = decodeProposal(value.bytes);
    const block: Block = { header, txs, cert: certificate };
    this.finalizing = height;
    try {
      // Another process on this database (a CLI, a fixture) may hold the write lock, or have moved
      // SQLite's snapshot under a deferred transaction (SQLITE_BUSY_SNAPSHOT): try again shortly.
      for (let i = 0; ; i++) {
        try {
          this.node.commitBlock(block);
          break;
        } catch (e) {
          if (!isBusy(e) || i >= 100) throw e;
          await new Promise<void>((r) => this.sched.setTimeout(r, 5 + Math.random() * 20));
          if (ledger.height(this.chain) >= height) return this.finalizeBlock(height, value, certificate, []);
        }
      }
    } finally {
      this.finalizing = 0;
    }
  }

  async commit(): Promise<void> {
    // commitBlock applied and stored the block in one durable SQLite transaction.
  }

  committedAt(height: number): { value: ProposalValue; certificate: Certificate } | undefined {
    // Not a block whose certificate catch-up stored unaudited (ledger/catch-up): never served before its audit.
    if (height > servableHeight(this.node.ledger, this.chain)) return undefined;
    const b = this.node.ledger.block(this.chain, height);
    return b ? { value: encodeProposal(b.header, b.txs), certificate: b.cert } : undefined;
  }

  /** Stores verified equivocation evidence (the engine checked both signatures). */
  recordEvidence(evidence: Evidence[]): void {
    for (const e of evidence) {
      if (!evidenceShape(e).ok) continue;
      const bytes = encodeEvidence(e);
      const id = sha256(bytes);
      const inserted = this.node.db.prepare('INSERT OR IGNORE INTO evidence (chain, id, height, bytes) VALUES (?, ?, ?, ?)').run(this.chain, id, e.voteA.height, bytes).changes > 0;
      if (inserted) this.o.onEvidence?.(this.chain, e, this.validatorsAt(e.voteA.height)[e.voteA.validator]);
    }
  }
}

// ---- the engines of a running node ---------------------------------------------------------------

/** What ValidatorEngines needs of the daemon (src-main/node/daemon.ts). */
export interface EngineHost {
  consensusTransport(chain: ChainId): { broadcast(msg: Uint8Array): void; onMessage(h: (from: string, msg: Uint8Array) => void): void; send?(to: string, msg: Uint8Array): void };
  attachConsensus(chain: ChainId, engine: { start(): void; stop(): void }): void;
}

export interface ValidatorEnginesOptions extends LedgerAppOptions {
  timeouts?: TimeoutConfig;
  /** How often to look for chains whose set grew to include this node (default 500 ms). */
  checkIntervalMs?: number;
  /**
   * Watchdog: an engine whose height has not moved for this long is restarted at the ledger's next
   * height (its SignGuard keeps it from equivocating). Empty blocks keep a healthy chain moving, so
   * this only fires on a stall. Default: max(15 s, 10 propose timeouts).
   */
  stallMs?: number;
  log?(line: string): void;
  onAttach?(chain: ChainId, validators: number): void;
  onDecide?(chain: ChainId, height: number, txs: number, round: number): void;
  /** Chains another engine runs (CometBFT: src-main/node/cometbft.ts); the embedded engine leaves them alone. */
  skip?(chain: ChainId): boolean;
}

export class ValidatorEngines {
  readonly engines = new Map<ChainId, { engine: ConsensusEngine; app: LedgerApp }>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly restarting = new Set<ChainId>();
  private closed = false;

  constructor(
    private readonly node: ConsensusNode,
    private readonly host: EngineHost,
    private readonly o: ValidatorEnginesOptions = {},
  ) {}

  start(): void {
    this.node.on('block', this.onBlock);
    this.check();
    this.timer = setInterval(() => {
      this.check();
      this.watchdog();
    }, this.o.checkIntervalMs ?? 500);
  }

  /** True when this node should run consensus for `chain` now. */
  private wants(chain: ChainId): boolean {
    const { ledger } = this.node;
    if (!ledger.hasGenesis(chain) || this.o.skip?.(chain)) return false;
    const vs = ledger.validatorsAt(chain, ledger.height(chain) + 1);
    return vs.length > 1 && vs.some((v) => bytesEqual(v.blsPk, this.node.identity.blsPublicKey));
  }

  check(): void {
    if (this.closed) return;
    for (const chain of this.node.chains()) {
      if (this.engines.has(chain)) continue;
      try {
        if (this.wants(chain)) this.attach(chain);
      } catch (e) {
        this.o.log?.(`[consensus] ${chain}: ${(e as Error).message}`);
      }
    }
  }

  private attach(chain: ChainId): void {
    const node = this.node;
    const app = new LedgerApp(node, chain, this.o);
    const engine = new ConsensusEngine({
      app,
      transport: this.host.consensusTransport(chain),
      bls: node.bls,
      secretKey: node.identity.blsSecretKey,
      publicKey: node.identity.blsPublicKey,
      signGuard: new SqliteSignGuard(node.db, chain),
      timeouts: this.o.timeouts ?? DEFAULT_TIMEOUTS,
      onDecide: (h, value, _c, info) => {
        let txs = -1;
        try {
          txs = decodeProposal(value.bytes).txs.length;
        } catch {
          // counted as unknown
        }
        this.o.onDecide?.(chain, h, txs, info.round);
      },
      onEvidence: (e) => app.recordEvidence([e]),
      onReject: (from, reason) => this.o.log?.(`[consensus] ${chain}: rejected a message from ${from.slice(0, 12)}…: ${reason}`),
      onError: (e) => {
        this.o.log?.(`[consensus] ${chain}: ${(e as Error).message ?? String(e)}`);
        this.restartSoon(chain, true);
      },
    });
    this.engines.set(chain, { engine, app });
    this.host.attachConsensus(chain, engine);
    this.o.onAttach?.(chain, app.validatorsAt(node.ledger.height(chain) + 1).length);
  }

  private readonly progress = new Map<ChainId, { height: number; since: number }>();

  private watchdog(): void {
    const limit = this.o.stallMs ?? Math.max(15_000, 10 * (this.o.timeouts ?? DEFAULT_TIMEOUTS).propose);
    const now = Date.now();
    for (const [chain, x] of this.engines) {
      const p = this.progress.get(chain);
      if (!p || p.height !== x.engine.height) {
        this.progress.set(chain, { height: x.engine.height, since: now });
        continue;
      }
      if (now - p.since > limit) {
        const snap = x.engine.snapshot;
        const st = x.engine.stats;
        this.o.log?.(
          `[consensus] ${chain}: no progress at height ${p.height} for ${Math.round((now - p.since) / 1000)} s (round ${snap.round}, step ${snap.step}, locked round ${snap.lockedRound}, valid round ${snap.validRound}; ` +
            `messages sent ${st.sent}, received ${st.received}, rejected ${st.rejected}, refused to sign ${st.refusedToSign}); restarting the engine`,
        );
        this.progress.set(chain, { height: p.height, since: now });
        this.restartSoon(chain, true);
      }
    }
  }

  private onBlock = (e: { chain: ChainId; height: number }): void => {
    const x = this.engines.get(e.chain);
    if (!x) {
      // A set change may have just taken effect.
      setImmediate(() => this.check());
      return;
    }
    if (x.app.finalizing === e.height) return;
    if (x.engine.height <= e.height) this.restartSoon(e.chain);
  };

  /** Re-enters the engine at the height after the ledger's head (after sync stored blocks under it). */
  private restartSoon(chain: ChainId, force = false): void {
    if (this.restarting.has(chain) || this.closed) return;
    this.restarting.add(chain);
    setTimeout(() => {
      this.restarting.delete(chain);
      if (force) this.o.log?.(`[consensus] ${chain}: engine restarted at height ${this.node.ledger.height(chain) + 1}`);
      const x = this.engines.get(chain);
      if (!x || this.closed || !x.engine.isRunning) return;
      if (force || x.engine.height <= this.node.ledger.height(chain)) {
        x.engine.stop();
        x.engine.start();
      }
    }, force ? 100 : 10);
  }

  stats(): Record<string, unknown> {
    return Object.fromEntries([...this.engines].map(([c, x]) => [c, { height: x.engine.height, ...x.engine.stats }]));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.node.off('block', this.onBlock);
    // The daemon stops the engines it holds.
  }
}
