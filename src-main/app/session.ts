/**
 * The engine's session: which nodes this app acts as (the demo consortium's five, or this machine's
 * own in `<data>/node`), which one is active, and the lookups every handler module shares (the
 * active node, a node holding a chain, entity names, patient names).
 *
 * On a first run with an empty data folder the demo starts (unless TRICHAIN_NO_DEMO=1), as
 * trainers expect from `npm start`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApiError, type RoleSession, type TrichainEvent } from '../../src-shared/api';
import { fromHex, toHex } from '../codec/hex';
import { ownerOfGranteeKey } from '../ledger/rules/patient';
import { TxRejected } from '../ledger/rules/types';
import type { ChainId } from '../ledger/types';
import { TrichainNode } from '../node/node';
import { driveShares } from '../emr/share/workflow';
import { listConsents } from '../emr/consent';
import { findPatient } from '../emr/patients';
import { SignDesk } from './signing';
import { ImportTracker } from './imports';
import { entityRefs, uiRole } from './views';
import { OwnNode } from './own-node';
import { TxTeller } from './tx-events';
import { startRuntime, type NodeRuntime } from '../node/runtime';
import { ChartWarmer } from './chart-warm';
import type { Demo } from './demo';

export interface RoleEntry {
  session: RoleSession;
  node: TrichainNode;
}


export interface SessionOptions {
  dataDir: string;
  emit: (event: TrichainEvent) => void;
  /**
   * A new demo with four validators on the hospital and social chains (default), or with St Mary
   * alone (false; TRICHAIN_DEMO_QUORUM=0). A demo folder keeps what it was built with.
   */
  demoQuorum?: boolean;
}

export class AppSession {
  readonly imports = new ImportTracker();
  readonly desk = new SignDesk();
  readonly roles = new Map<string, RoleEntry>();
  active: string | null = null;
  /**
   * This sign-in: a new one at each app start and each time another role becomes active (the demo's
   * role switcher is its sign-in). A chart is logged as viewed once per sign-in that opens it.
   */
  signIn = randomBytes(8).toString('hex');
  demo: Demo | null = null;
  demoStage: string | undefined;
  private demoStarting: Promise<void> | null = null;
  /** Packages whose proof this app checked, and the outcome. */
  readonly verified = new Map<string, 'verified' | 'failed'>();
  readonly ownDir: string;
  private readonly demoDir: string;
  /** This machine's own node, running with peers as `trichain start` runs it (null in the demo). */
  own: OwnNode | null = null;
  /** The own node's runtime without peers, where its peer server could not start. */
  private alone: NodeRuntime | null = null;
  /** The chart cache's warmer running now, if any (./chart-warm.ts). */
  private warming: ChartWarmer | null = null;
  private closing = false;

  private constructor(private readonly opts: SessionOptions) {
    this.ownDir = join(opts.dataDir, 'node');
    this.demoDir = join(opts.dataDir, 'demo');
  }

  /** Opens what the data folder holds: the demo, this machine's own node, or (first run) starts the demo. */
  static async open(opts: SessionOptions): Promise<AppSession> {
    const s = new AppSession(opts);
    if (existsSync(join(s.demoDir, 'demo.json'))) await s.startDemo();
    else if (existsSync(join(s.ownDir, 'identity.json'))) await s.addOwn(await TrichainNode.open(s.ownDir, { passphrase: s.unlockSecret() }));
    else if (process.env.TRICHAIN_NO_DEMO !== '1') void s.startDemo().catch((e) => (s.demoStage = `failed: ${(e as Error).message}`));
    return s;
  }

  emit(e: TrichainEvent): void {
    this.imports.observe(e);
    this.opts.emit(e);
  }

  addRole(id: string, label: string, node: TrichainNode): void {
    this.roles.set(id, { node, session: { id, label, role: uiRole(node), displayName: node.config.name, organization: node.config.role === 'patient' ? undefined : node.config.name } });
    node.on('block', (e: { chain: ChainId; height: number; txs?: number }) => {
      try {
        this.emit({ type: 'chain.updated', payload: { chain: e.chain, height: e.height, headHash: toHex(node.ledger.head(e.chain).hash), txCount: e.txs } });
      } catch {
        /* a closed node */
      }
    });
    this.active ??= id;
  }

  /**
   * This machine's own node joins the session and runs through the one composition root with
   * peers: peer server, catch-up, relay of its offline queue, consensus where it validates.
   */
  async addOwn(node: TrichainNode): Promise<void> {
    this.addRole('self', 'This node', node);
    try {
      const log = (l: string) => console.error(`[node] ${l}`);
      this.own = await OwnNode.start(node, { emit: (e) => this.emit(e), log });
      driveShares(this.own.runtime, log);
    } catch (e) {
      // e.g. TRICHAIN_PEER_LISTEN names a port in use: the node runs alone (reads, signs, its queue
      // waits; the Network page says "not running"), its share workflow still on its blocks.
      console.error(`[node] the peer server did not start: ${(e as Error).message}`);
      this.alone = await startRuntime(node, { peers: false });
      driveShares(this.alone);
    }
    this.warmCharts();
  }

  /**
   * Warms the chart cache of each node that reads charts (hospitals, a patient's laptop), one after
   * another, in the background: the cache is in memory only, so a start begins cold
   * (TRICHAIN_CHART_WARM=0: not at all).
   */
  private warmCharts(): void {
    if (process.env.TRICHAIN_CHART_WARM === '0') return;
    const nodes = [...this.roles.values()].map((r) => r.node).filter((n) => n.config.role === 'hospital' || n.config.role === 'patient');
    void (async () => {
      for (const node of nodes) {
        if (this.closing) return;
        this.warming = new ChartWarmer(node);
        const r = await this.warming.run();
        if (r.records) console.error(`[charts] ${node.config.name}: ${r.records} records of ${r.patients} patients warm in ${(r.ms / 1000).toFixed(1)} s (engine loop ${Math.round(r.loopMs)} ms)`);
      }
      this.warming = null;
    })();
  }

  /** The running own node behind `node` (null for the demo's nodes). */
  ownNode(node: TrichainNode): OwnNode | null {
    return this.own?.node === node ? this.own : null;
  }

  unlockSecret(): string {
    if (process.env.TRICHAIN_KEYSTORE_UNLOCK) return process.env.TRICHAIN_KEYSTORE_UNLOCK;
    if (process.env.TRICHAIN_PASSPHRASE) return process.env.TRICHAIN_PASSPHRASE;
    // Without an OS key store the browser host keeps the unlock secret beside the keystore (0600).
    const f = join(this.opts.dataDir, 'unlock-secret');
    if (!existsSync(f)) writeFileSync(f, randomBytes(32).toString('hex'), { mode: 0o600 });
    return readFileSync(f, 'utf8').trim();
  }

  async startDemo(): Promise<void> {
    if (this.demo) return;
    this.demoStarting ??= (async () => {
      this.demoStage = 'starting';
      const [{ startDemo: start }, { DEMO_ROLES, DEMO_ROLE_ORDER }] = await Promise.all([import('./demo'), import('./demo-roles')]);
      const quorum = this.opts.demoQuorum ?? process.env.TRICHAIN_DEMO_QUORUM !== '0';
      const d = await start(this.demoDir, { quorum, onProgress: (step: string) => (this.demoStage = step) });
      this.demo = d;
      // The switcher lists the roles in the demo's order, whether it was just built or reopened.
      // Each role's own transactions reach the UI as they queue, commit or are refused: signed
      // actions answer at once and the screens show them pending until they commit.
      for (const id of DEMO_ROLE_ORDER) {
        this.addRole(id, DEMO_ROLES[id].label, d.nodes[id]);
        new TxTeller(d.nodes[id], (e) => this.emit(e)).follow();
        // Only the acting role's fetches change what its screens show (a switch reloads them): the
        // other demo nodes fetching the ciphertexts of a large import made every open screen reload
        // every few seconds, a chart showing all its records reading all of them each time.
        d.runtime(id)?.on('fetched', (e: { blobs: number }) => { if (this.active === id) this.emit({ type: 'blobs.fetched', payload: { count: e.blobs } }); });
      }
      this.demoStage = 'ready';
      this.warmCharts();
    })().finally(() => (this.demoStarting = null));
    await this.demoStarting;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.warming?.stop();
    await this.own?.stop();
    await this.alone?.stop();
    this.own = this.alone = null;
    if (this.demo) await this.demo.close();
    else for (const r of this.roles.values()) r.node.close();
    this.roles.clear();
  }

  // ---- lookups the handlers share ------------------------------------------------------------

  current(): RoleEntry {
    const r = this.active ? this.roles.get(this.active) : undefined;
    if (!r) throw new ApiError('NOT_INITIALIZED', this.demoStage && this.demoStage !== 'ready' ? `the demo is still starting (${this.demoStage})` : 'no identity yet: create one, join a network, or start the demo');
    return r;
  }

  /** The active node, which must act in `role`, else FORBIDDEN. */
  nodeAs(role: 'clinician' | 'patient' | 'entity'): TrichainNode {
    const { node } = this.current();
    if (uiRole(node) !== role) throw new ApiError('FORBIDDEN', `only a ${role} can do this (you act as a ${uiRole(node)})`);
    return node;
  }

  /** Any node of the session that holds `chain` (for names a patient laptop cannot see itself). */
  holder(chain: ChainId): TrichainNode | undefined {
    const n = this.current().node;
    if (n.ledger.hasGenesis(chain)) return n;
    return [...this.roles.values()].map((r) => r.node).find((x) => x.ledger.hasGenesis(chain));
  }

  entities() {
    return entityRefs(this.holder('social'));
  }

  /** The signer as the sign dialog names it. */
  who(): string {
    const r = this.active ? this.roles.get(this.active) : undefined;
    return r ? `${r.node.config.name} (${uiRole(r.node)}; key ${r.node.publicKeyHex.slice(0, 12)}…)` : 'a new identity on this computer';
  }

  /** The patient (main key) behind a per-grantee key, where this session holds the patient chain. */
  ownerOf(key: Uint8Array): Uint8Array | undefined {
    const st = this.holder('patient')?.ledger.state('patient');
    return st ? ownerOfGranteeKey(st, key) : undefined;
  }

  patientName(key: Uint8Array): string | undefined {
    const pk = this.ownerOf(key) ?? key;
    for (const r of this.roles.values()) {
      if (r.node.config.role === 'hospital') {
        const p = findPatient(r.node, pk);
        if (p) return p.display;
      }
      if (r.node.config.role === 'patient' && toHex(r.node.identity.blsPublicKey) === toHex(pk)) return r.node.config.name;
    }
    return undefined;
  }

  consentStatus(node: TrichainNode, pk: Uint8Array): 'none' | 'active' | 'revoked' {
    const st = (node.ledger.hasGenesis('patient') ? node : this.holder('patient'))?.ledger.state('patient');
    const cs = st ? listConsents(st, pk) : [];
    if (cs.some((c) => c.status === 'active' && c.period.end > Date.now())) return 'active';
    return cs.length ? 'revoked' : 'none';
  }
}

/** A patient id from the API: 96 hex characters (a BLS public key), else BAD_REQUEST. */
export function pkOf(hexId: string): Uint8Array {
  try {
    return fromHex(hexId, 48);
  } catch {
    throw new ApiError('BAD_REQUEST', `"${hexId}" is not a patient id (96 hex characters)`);
  }
}

/** Runs a write; a transaction the rules refuse answers CONFLICT with the rule's reason. */
export function wrapTx<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TxRejected) throw new ApiError('CONFLICT', e.reason);
    throw e;
  }
}
