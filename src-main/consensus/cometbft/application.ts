/**
 * The ledger as a CometBFT ABCI++ application, for one chain of one validator (DESIGN.md §4).
 * The same rules, storage and state root as the embedded engine: every block goes through
 * ledger.prepareBlock / checkProposal / commitBlock.
 *
 *   InitChain          installs the Trichain genesis carried in CometBFT's app_state (or checks it
 *                      is the one already installed) and answers CometBFT's validator set from it.
 *   Info               the ledger's height and app hash (crash recovery: CometBFT replays the
 *                      blocks above it through FinalizeBlock + Commit).
 *   CheckTx            ledger.checkTx against the current state (mempool admission).
 *   PrepareProposal    ledger.prepareBlock over CometBFT's mempool txs; prepends the meta
 *                      transaction (header + the certificate of height − 2, from the extensions).
 *   ProcessProposal    the header, every signature and rule (ledger.checkProposal) and the certificate.
 *   ExtendVote         BLS signature of the block decided at height − 1 (certificates.ts).
 *   VerifyVoteExtension checks one.
 *   FinalizeBlock      opens a SQLite transaction, stores the block (its certificate follows two
 *                      heights later) and attaches the certificate it carries; validator updates.
 *   Commit             commits that SQLite transaction: persistence happens at Commit, so a crash
 *                      before it leaves the previous height, which CometBFT then replays.
 * App hash: the hash of the ledger's head block (the header commits to the transactions and the
 * validator set; when headers carry a state root it is committed through the header too).
 */
import { bytesEqual, canonicalDecode } from '../../codec/canonical';
import { fromHex, toHex } from '../../codec/hex';
import type { BlsApi } from '../../crypto/bls-types';
import { checkCertificate, DECIDED_ROUND } from '../../ledger/certificate';
import { blockHash, genesisHash } from '../../ledger/encoding';
import { BlockRejected, type Ledger } from '../../ledger/ledger';
import { nextBlockTime } from '../../ledger/producer';
import { TxRejected } from '../../ledger/rules/types';
import type { Certificate, ChainId, Genesis, SignedTx } from '../../ledger/types';
import { decodeBlockTxs, decodeTx, encodeMeta, encodeTx, type BlockMeta } from './block';
import { aggregateExtensions, decidedMessage, indexByAddress } from './certificates';
import type { AbciApplication, Req, Res } from './server';
import { cometValidatorUpdates, cometValidatorsOf, requireConsensusKeys } from './validators';

export interface CometAppOptions {
  ledger: Ledger;
  chain: ChainId;
  bls: BlsApi;
  /** This validator's BLS key pair (signs decided blocks in vote extensions). */
  blsSecretKey: Uint8Array;
  blsPublicKey: Uint8Array;
  maxBlockTxs?: number;
  /** Called after Commit made height `height` durable. */
  onCommitted?(height: number, txs: SignedTx[]): void;
  /**
   * The first height CometBFT decides (CometBFT's initial_height; default 1): the blocks below it were
   * certified by the solo founder, so certificates from vote extensions start with this height
   * (validators.ts cometStartHeight).
   */
  startHeight?: number;
  /** Testing only: this validator sends vote extensions that do not verify. */
  faultyExtensions?: boolean;
  log?(line: string): void;
}

/** The app_state CometBFT's genesis.json carries: the Trichain genesis document of the chain. */
export interface CometAppState {
  trichain: { chain: ChainId; genesisHash: string; genesis: string };
}

const OK = 0;
const REFUSED = 1;
const ms = (t: { seconds: bigint; nanos: number } | undefined): number => (t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) : Date.now());

export class CometApp implements AbciApplication {
  private readonly l: Ledger;
  private pending: { height: number; txs: SignedTx[] } | null = null;
  constructor(private readonly o: CometAppOptions) {
    this.l = o.ledger;
  }

  get chain(): ChainId {
    return this.o.chain;
  }

  /** Whether the block at `b` gets its certificate from vote extensions (decided by CometBFT). */
  private certifiedByExtensions(b: number): boolean {
    return b >= this.start();
  }

  /**
   * The height CometBFT last finalized here (meta `cometbft-height/<chain>`, written by FinalizeBlock;
   * 0 for a fresh CometBFT home: node/cometbft.ts), else the ledger's. A fresh CometBFT thus starts
   * at its genesis (InitChain, then consensus or replay from its start), even where catch-up over
   * HTTPS already filled the ledger (a validator added to a running chain; FinalizeBlock checks each
   * replayed block against the stored one) or the founder certified blocks before the handover.
   */
  info(): Res['info'] {
    const h = this.l.hasGenesis(this.chain) ? Math.min(this.l.height(this.chain), cometHeight(this.l, this.chain) ?? Infinity) : 0;
    return { data: `trichain ${this.chain}`, version: '1', appVersion: 1n, lastBlockHeight: BigInt(h), lastBlockAppHash: this.l.hasGenesis(this.chain) ? this.hashAt(h) : new Uint8Array(0) };
  }

  initChain(req: Req['initChain']): Res['initChain'] {
    let st: CometAppState;
    try {
      st = JSON.parse(new TextDecoder().decode(req.appStateBytes)) as CometAppState;
    } catch {
      throw new Error('InitChain: app_state is not the Trichain genesis JSON');
    }
    if (st?.trichain?.chain !== this.chain) throw new Error(`InitChain: app_state is for the ${String(st?.trichain?.chain)} chain, this application serves ${this.chain}`);
    const g = canonicalDecode(fromHex(st.trichain.genesis)) as unknown as Genesis;
    const expected = fromHex(st.trichain.genesisHash);
    if (!bytesEqual(genesisHash(g), expected)) throw new Error('InitChain: the Trichain genesis does not match its hash');
    if (this.l.hasGenesis(this.chain)) {
      if (!bytesEqual(this.l.genesisHash(this.chain), expected)) throw new Error('InitChain: this database holds another network of that chain');
    } else this.l.initGenesis(g);
    // CometBFT's genesis is the chain's at its start (1, or the handover height): that set, and the
    // hash of the block before it as the app hash CometBFT starts from.
    const start = this.start();
    const vs = this.l.validatorsAt(this.chain, start);
    requireConsensusKeys(vs);
    return { validators: cometValidatorsOf(vs), appHash: this.hashAt(0) };
  }

  private start(): number {
    return Math.max(1, this.o.startHeight ?? 1);
  }

  /** The app hash at CometBFT height h: the hash of block h; at 0, of the block before CometBFT's start (none from genesis). */
  private hashAt(h: number): Uint8Array {
    const b = h > 0 ? h : this.start() - 1;
    return b === 0 ? new Uint8Array(0) : blockHash(this.l.block(this.chain, b)!.header);
  }

  query(req: Req['query']): Res['query'] {
    const height = BigInt(this.l.height(this.chain));
    if (req.path === '/height') return { code: OK, value: new TextEncoder().encode(String(height)), height };
    if (req.path === '/tx') {
      const loc = this.l.txLocation(this.chain, req.data);
      return loc ? { code: OK, value: new TextEncoder().encode(JSON.stringify(loc)), height } : { code: REFUSED, log: 'not committed', height };
    }
    return { code: REFUSED, log: `unknown query path ${req.path}`, height };
  }

  checkTx(req: Req['checkTx']): Res['checkTx'] {
    try {
      const tx = decodeTx(req.tx);
      if (tx.chain !== this.chain) throw new TxRejected(`transaction is for the ${String(tx.chain)} chain, not ${this.chain}`);
      checkCometRules(tx);
      this.l.checkTx(tx);
      return { code: OK };
    } catch (e) {
      return { code: REFUSED, log: e instanceof TxRejected ? e.reason : (e as Error).message };
    }
  }

  prepareProposal(req: Req['prepareProposal']): Res['prepareProposal'] {
    const height = Number(req.height);
    if (this.l.height(this.chain) + 1 !== height) throw new Error(`PrepareProposal: asked for height ${height}, the ledger is at ${this.l.height(this.chain)}`);
    const budget = Number(req.maxTxBytes) - 8192;
    const candidates: SignedTx[] = [];
    let bytes = 0;
    for (const raw of req.txs) {
      if (candidates.length >= (this.o.maxBlockTxs ?? 10_000) || bytes + raw.length > budget) break;
      try {
        const tx = decodeTx(raw);
        checkCometRules(tx);
        candidates.push(tx);
        bytes += raw.length;
      } catch {
        // not a transaction: dropped
      }
    }
    const vs = this.l.validatorsAt(this.chain, height);
    const proposer = Math.max(0, indexByAddress(vs, req.proposerAddress));
    const { header, txs } = this.l.prepareBlock(this.chain, candidates, proposer, nextBlockTime(this.l, this.chain, ms(req.time)));
    const certified: BlockMeta['certified'] = [];
    if (this.certifiedByExtensions(height - 2)) {
      const b = height - 2;
      const made = aggregateExtensions(
        this.o.bls,
        this.l.validatorsAt(this.chain, b),
        header.genesis,
        b,
        this.l.head(this.chain).height === b ? this.l.head(this.chain).hash : blockHash(this.l.block(this.chain, b)!.header),
        req.localLastCommit.votes.filter((v) => v.blockIdFlag === 2).map((v) => ({ address: v.validator.address, extension: v.voteExtension })),
      );
      if (made.cert) certified.push({ height: b, cert: made.cert });
      else this.o.log?.(`[cometbft ${this.chain}] height ${height}: no certificate for ${b}: ${made.reason}`);
    }
    return { txs: [encodeMeta({ header, certified }), ...txs.map(encodeTx)] };
  }

  processProposal(req: Req['processProposal']): Res['processProposal'] {
    const height = Number(req.height);
    const reason = this.check(height, req.txs);
    if (reason) {
      this.o.log?.(`[cometbft ${this.chain}] refused the proposal at height ${height}: ${reason}`);
      return { status: 2 };
    }
    return { status: 1 };
  }

  /** Everything a proposal must satisfy; the reason it does not, or null. */
  private check(height: number, raw: Uint8Array[]): string | null {
    let p: { meta: BlockMeta; txs: SignedTx[] };
    try {
      p = decodeBlockTxs(raw);
      p.txs.forEach(checkCometRules);
    } catch (e) {
      return (e as Error).message;
    }
    const { header } = p.meta;
    if (header.chain !== this.chain) return 'proposal is for another chain';
    if (header.height !== height) return `header is for height ${header.height}, not ${height}`;
    try {
      this.l.checkProposal(header, p.txs);
    } catch (e) {
      return e instanceof BlockRejected ? e.reason : (e as Error).message;
    }
    if (this.certifiedByExtensions(height - 2)) {
      const c = p.meta.certified[0];
      if (!c || c.height !== height - 2) return `the certificate of height ${height - 2} is missing`;
      const r = this.certificateProblem(c.height, c.cert);
      if (r) return r;
    } else if (p.meta.certified.length > 0) return `no certificate is due at height ${height}`;
    return null;
  }

  private certificateProblem(height: number, cert: Certificate): string | null {
    const b = this.l.block(this.chain, height);
    if (!b) return `no block at ${height}`;
    if (cert.round !== DECIDED_ROUND) return 'certificate is not made of decided-block signatures';
    const c = checkCertificate(this.o.bls, this.l.validatorsAt(this.chain, height), b.header.genesis, height, blockHash(b.header), cert);
    return c.ok ? null : `certificate of height ${height}: ${c.reason}`;
  }

  extendVote(req: Req['extendVote']): Res['extendVote'] {
    const height = Number(req.height);
    if (!this.certifiedByExtensions(height - 1)) return { voteExtension: new Uint8Array(0) };
    const b = height - 1;
    if (this.l.height(this.chain) < b) throw new Error(`ExtendVote at ${height}: block ${b} is not committed here`);
    const hash = blockHash(this.l.block(this.chain, b)!.header);
    const msg = decidedMessage(this.l.genesisHash(this.chain), b, this.o.faultyExtensions ? new Uint8Array(32) : hash);
    return { voteExtension: this.o.bls.sign(this.o.blsSecretKey, msg) };
  }

  verifyVoteExtension(req: Req['verifyVoteExtension']): Res['verifyVoteExtension'] {
    const height = Number(req.height);
    const ext = req.voteExtension;
    if (!this.certifiedByExtensions(height - 1)) return { status: ext.length === 0 ? 1 : 2 };
    const b = height - 1;
    const block = this.l.block(this.chain, b);
    if (!block) return { status: 2 };
    const vs = this.l.validatorsAt(this.chain, b);
    const i = indexByAddress(vs, req.validatorAddress);
    const ok = i >= 0 && ext.length === 96 && this.o.bls.verify(vs[i].blsPk, decidedMessage(block.header.genesis, b, blockHash(block.header)), ext);
    if (!ok) this.o.log?.(`[cometbft ${this.chain}] refused the vote extension of ${toHex(req.validatorAddress)} at height ${height}`);
    return { status: ok ? 1 : 2 };
  }

  /**
   * The block is stored in a SQLite transaction that Commit commits. A node's three chains share one
   * database connection, so each waits for the others' FinalizeBlock…Commit to end first (dbLock).
   */
  async finalizeBlock(req: Req['finalizeBlock']): Promise<Res['finalizeBlock']> {
    const height = Number(req.height);
    const { meta, txs } = decodeBlockTxs(req.txs);
    if (meta.header.height !== height || meta.header.chain !== this.chain) throw new Error(`FinalizeBlock: the block's header is for ${meta.header.chain} ${meta.header.height}`);
    const db = this.l.db;
    if (this.pending) throw new Error(`FinalizeBlock ${height}: height ${this.pending.height} was not committed`);
    await lockDb(db);
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      unlockDb(db);
      throw e;
    }
    try {
      // commitBlock: signatures verified here in CheckTx or ProcessProposal are not verified again (the ledger's
      // cache, ledger/verified.ts); a block replayed after a restart is verified in full.
      if (this.l.height(this.chain) >= height) {
        // Catch-up sync over HTTPS stored this height first (with its certificate): it must be this block.
        if (!bytesEqual(blockHash(this.l.block(this.chain, height)!.header), blockHash(meta.header))) throw new Error(`FinalizeBlock ${height}: SAFETY — another block is stored at this height`);
      } else this.l.commitBlock({ header: meta.header, txs, cert: meta.certified[0]?.cert ?? ({} as Certificate) }, { certificateLater: true });
      for (const c of meta.certified) this.l.attachCertificate(this.chain, c.height, c.cert);
      setCometHeight(this.l, this.chain, height);
    } catch (e) {
      db.exec('ROLLBACK');
      unlockDb(db);
      throw e;
    }
    this.pending = { height, txs };
    // CometBFT applies these at height + 2; its set at h + 1 is the ledger's at h (validators.ts).
    const validatorUpdates = cometValidatorUpdates(this.l.validatorsAt(this.chain, height), this.l.validatorsAt(this.chain, height + 1));
    return { txResults: req.txs.map(() => ({ code: OK })) as Res['finalizeBlock']['txResults'], validatorUpdates, appHash: blockHash(meta.header) };
  }

  commit(): Res['commit'] {
    const p = this.pending;
    if (!p) throw new Error('Commit without FinalizeBlock');
    try {
      this.l.db.exec('COMMIT');
    } finally {
      this.pending = null;
      unlockDb(this.l.db);
    }
    this.o.onCommitted?.(p.height, p.txs);
    return { retainHeight: 0n };
  }

  /** Rolls back a FinalizeBlock that was never committed (the connection to CometBFT dropped). */
  abort(): void {
    if (!this.pending) return;
    if (this.l.db.inTransaction) this.l.db.exec('ROLLBACK');
    this.pending = null;
    unlockDb(this.l.db);
  }
}

/** One FinalizeBlock…Commit at a time per database connection (the lock passes to the next waiter). */
const dbLocks = new WeakMap<object, { held: boolean; waiters: (() => void)[] }>();

function lockDb(db: object): Promise<void> {
  let l = dbLocks.get(db);
  if (!l) dbLocks.set(db, (l = { held: false, waiters: [] }));
  if (!l.held) {
    l.held = true;
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => l.waiters.push(resolve));
}

function unlockDb(db: object): void {
  const l = dbLocks.get(db);
  if (!l) return;
  const next = l.waiters.shift();
  if (next) next();
  else l.held = false;
}

const heightKey = (chain: ChainId) => `cometbft-height/${chain}`;

/** The height this validator's CometBFT last finalized (null: not recorded, take the ledger's). */
export function cometHeight(l: Ledger, chain: ChainId): number | null {
  const v = l.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(heightKey(chain)) as Buffer | undefined;
  return v ? Number(v.toString()) : null;
}

/** Records it (FinalizeBlock, in its transaction; 0 before a fresh CometBFT home starts on a synced ledger). */
export function setCometHeight(l: Ledger, chain: ChainId, height: number): void {
  l.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(heightKey(chain), Buffer.from(String(height)));
}

/** Rules that hold only on CometBFT: a new validator must name its CometBFT key. */
function checkCometRules(tx: SignedTx): void {
  if (tx?.type === 'validators.update') {
    const add = (tx.body as { add?: { consensusKey?: unknown }[] }).add ?? [];
    if (Array.isArray(add) && add.some((a) => !(a?.consensusKey instanceof Uint8Array))) throw new TxRejected('on CometBFT each added validator must name its consensusKey (ed25519 public key)');
  }
}
