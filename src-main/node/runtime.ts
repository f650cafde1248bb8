/**
 * The one composition root: everything a running node is, assembled in one place.
 *
 *   TrichainNode        the chains, keys, mempool and offline queue (node.ts)
 *   + Daemon            peer server (HTTPS, mutual TLS), catch-up, relay of the offline queue (daemon.ts)
 *   + ValidatorEngines  a consensus engine for each chain this node validates with others (consensus/app.ts)
 *   + CometEngines      or, with `cometbft`, one supervised CometBFT per chain whose validators run it (node/cometbft.ts)
 *   + block listeners   workflows that advance when a block commits (the share workflow: emr/share)
 *
 * `trichain start` (cli/commands/start.ts), the demo consortium (app/demo.ts) and the app's own
 * identity (app/session.ts) all start a node through startRuntime(); none assembles one another way.
 *
 * The API (small on purpose; the desktop app drives a real node through it):
 *   startRuntime(node, opts) → NodeRuntime    starts what opts ask for, resolves once listening
 *   runtime.status()                          identity, chains (height, head), pending count, peer address,
 *                                             what runs each chain and the operator's problems (./engine-status)
 *   runtime.pending()                         the offline queue: own transactions not yet committed
 *   runtime.on('block' | 'sync-progress' | 'synced' | 'relay' | 'genesis' | 'erased' | 'contact', fn)
 *   runtime.onBlock(fn)                       a workflow step run after each committed block
 *   runtime.stop()                            stops engines, daemon and listeners (the node stays open;
 *                                             the caller closes it)
 */
import { EventEmitter } from 'node:events';
import { ValidatorEngines, type ValidatorEnginesOptions } from '../consensus/app';
import type { BlockEvent } from '../consensus/host';
import { parseAddress } from '../net/client';
import { isCometSet } from '../consensus/cometbft/validators';
import type { ChainId } from '../ledger/types';
import { CometEngines } from './cometbft';
import { engineProblems, engineStatus, type ChainEngineStatus } from './engine-status';
import { readConfig, writeConfig } from './config';
import { runDaemon, type Daemon, type DaemonOptions } from './daemon';
import type { OutboxEntry, TrichainNode } from './node';

export interface RuntimeOptions {
  /**
   * Serve peers and sync (the daemon). false: the node alone (reads, signing, the offline queue
   * kept for later), as the app's own identity runs today.
   */
  peers?: false | (Omit<DaemonOptions, 'listen'> & {
    /** Where to listen; when omitted, the address in node.json again, else `fallback`. */
    listen?: { host: string; port: number };
    /** Used when there is no previous address or it cannot be bound again (default 127.0.0.1:0). */
    fallback?: { host: string; port: number };
    /** Write the bound address to node.json (default true). */
    remember?: boolean;
  });
  /** Consensus engines for the chains this node validates with others (needs peers). */
  consensus?: false | ValidatorEnginesOptions;
  /**
   * Run CometBFT (docs/consensus.md) for the chains whose validators all run it; the embedded
   * engines skip those chains. `binary` is the cometbft executable (npm run cometbft builds it).
   */
  cometbft?: { binary: string; onCommit?(chain: string, height: number, txs: number): void; onStart?(chain: string, home: string): void; onStop?(chain: string): void };
  log?(line: string): void;
}

export type RuntimeEvent = 'block' | 'sync-progress' | 'synced' | 'relay' | 'genesis' | 'erased' | 'tx' | 'contact' | 'fetched';

/** The daemon's peer server on the node's previous address, else on the fallback: written once, here. */
export async function listenWithFallback(
  node: TrichainNode,
  opts: NonNullable<Exclude<RuntimeOptions['peers'], false>>,
  log?: (line: string) => void,
): Promise<Daemon> {
  const { listen, fallback = { host: '127.0.0.1', port: 0 }, remember = true, ...daemonOpts } = opts;
  let d: Daemon;
  const previous = node.config.listen;
  if (!listen && previous) {
    try {
      d = await runDaemon(node, { ...daemonOpts, listen: parseAddress(previous) });
    } catch (e) {
      log?.(`cannot listen on ${previous} again (${(e as Error).message}); using a new port`);
      d = await runDaemon(node, { ...daemonOpts, listen: fallback });
    }
  } else d = await runDaemon(node, { ...daemonOpts, listen: listen ?? fallback });
  if (remember && node.config.listen !== d.listen) {
    node.config.listen = d.listen;
    writeConfig(node.paths.config, { ...readConfig(node.paths.config), listen: d.listen });
  }
  return d;
}

export class NodeRuntime extends EventEmitter {
  private readonly blockSteps: ((e: BlockEvent) => void)[] = [];
  private readonly forward: [RuntimeEvent, (...a: unknown[]) => void][] = [];
  private stopped = false;

  constructor(
    readonly node: TrichainNode,
    readonly daemon: Daemon | null,
    readonly engines: ValidatorEngines | null,
    private readonly log?: (line: string) => void,
    readonly comet: CometEngines | null = null,
  ) {
    super();
    const onBlock = (e: BlockEvent) => {
      this.emit('block', e);
      for (const step of this.blockSteps) {
        try {
          step(e);
        } catch (err) {
          this.log?.(`[workflow] after block ${e.chain}/${e.height}: ${(err as Error).message}`);
        }
      }
    };
    node.on('block', onBlock);
    this.forward.push(['block', onBlock as (...a: unknown[]) => void]);
    const onTx = (e: unknown) => this.emit('tx', e);
    node.on('tx', onTx);
    this.forward.push(['tx', onTx]);
    if (daemon) {
      for (const ev of ['sync-progress', 'synced', 'relay', 'genesis', 'erased', 'contact', 'fetched'] as const) {
        const f = (e: unknown) => this.emit(ev, e);
        daemon.on(ev, f);
        this.forward.push([ev, f]);
      }
    }
  }

  /** 'host:port' of the peer server (null without peers). */
  get listen(): string | null {
    return this.daemon?.listen ?? null;
  }

  /** A step of a workflow that advances on committed blocks (run after each one, errors logged). */
  onBlock(step: (e: BlockEvent) => void): void {
    this.blockSteps.push(step);
  }

  /**
   * The node's status, its peer address, and (a serving node) what runs each chain and the problems
   * an operator must act on (./engine-status).
   */
  status(): ReturnType<TrichainNode['status']> & { peer: string | null; fingerprint: string | null; engines: Partial<Record<ChainId, ChainEngineStatus>>; problems: string[] } {
    const comet = this.comet?.status() ?? {};
    const engines = this.daemon ? engineStatus(this.node, { embedded: (c) => this.engines?.engines.has(c) ?? false, cometbft: (c) => comet[c] }) : {};
    return { ...this.node.status(), peer: this.listen, fingerprint: this.daemon?.fingerprint ?? null, engines, problems: this.daemon ? engineProblems(this.node, engines) : [] };
  }

  /** The offline queue: this node's transactions not yet in a committed block. */
  pending(): OutboxEntry[] {
    return this.node.outbox().filter((e) => e.status === 'pending' || e.status === 'submitted');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const [ev, f] of this.forward) {
      if (ev === 'block' || ev === 'tx') this.node.off(ev, f);
      else this.daemon?.off(ev, f);
    }
    this.engines?.close();
    await this.comet?.stop();
    await this.daemon?.close();
  }
}

/** Starts a node's runtime: the daemon (unless peers: false), then the consensus engines. */
export async function startRuntime(node: TrichainNode, opts: RuntimeOptions = {}): Promise<NodeRuntime> {
  const daemon = opts.peers === false ? null : await listenWithFallback(node, { log: opts.log, ...(opts.peers ?? {}) }, opts.log);
  let comet: CometEngines | null = null;
  if (daemon && opts.cometbft) {
    comet = new CometEngines(node, { binary: opts.cometbft.binary, daemon, log: opts.log, onCommit: opts.cometbft.onCommit, onStart: opts.cometbft.onStart, onStop: opts.cometbft.onStop });
    try {
      await comet.start();
    } catch (e) {
      await comet.stop();
      await daemon.close();
      throw new Error(`cannot start CometBFT: ${(e as Error).message}`);
    }
  }
  let engines: ValidatorEngines | null = null;
  if (daemon && opts.consensus !== false) {
    const c = opts.consensus ?? {};
    // A chain whose validators run CometBFT is left alone without it: Trichain's engine there would
    // wait for votes that never come (engine-status names the problem; the log says it once).
    const told = new Set<ChainId>();
    const cometOnly = (chain: ChainId): boolean => {
      if (comet || !isCometSet(node.ledger.validatorsAt(chain, node.ledger.height(chain) + 1))) return false;
      if (!told.has(chain)) opts.log?.(`[consensus] ${chain}: its validators run CometBFT: start this node with --engine cometbft to validate it`);
      told.add(chain);
      return true;
    };
    engines = new ValidatorEngines(node, daemon, { log: opts.log, ...c, skip: (chain) => (comet?.handles(chain) ?? false) || cometOnly(chain) || (c.skip?.(chain) ?? false) });
    engines.start();
  }
  return new NodeRuntime(node, daemon, engines, opts.log, comet);
}
