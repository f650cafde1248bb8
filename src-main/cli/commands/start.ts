/**
 * `trichain start --data DIR [--listen HOST:PORT] [--api-port N] [--sync-interval MS]
 *   [--resubmit-after MS] [--sync-batch N] [--advertise HOST:PORT] [--block-interval MS]
 *   [--propose-timeout MS] [--log-commits]`: runs the
 * node headless: verifies its chains, serves its local API on loopback and the peer server
 * (mutual TLS) on --listen, syncs from and relays to its pinned peers (src-main/node/daemon.ts).
 *
 * Without --listen it reuses the address recorded in node.json (so peers that pinned it find it
 * again after a restart), falling back to 127.0.0.1 on any free port; the actual address is
 * written back to node.json `listen`. Machine-readable lines on stdout:
 *   TRICHAIN_NODE_READY api=<url> peer=<host:port> fingerprint=<sha256 hex>
 *   TRICHAIN_GENESIS chain=<c> peer=<name>           (a joining node installed a genesis)
 *   TRICHAIN_SYNC chain=<c> height=<h> target=<t>    (catch-up progress)
 *   TRICHAIN_SYNCED chain=<c> height=<h> applied=<n>
 *   TRICHAIN_RELAY id=<tx id> chain=<c> outcome=<submitted|duplicate|rejected|deferred|unreachable>
 *   TRICHAIN_ERASED record=<id> blobs=<n>
 *   TRICHAIN_CONSENSUS chain=<c> validators=<n>     (this node runs Tendermint for the chain)
 *   TRICHAIN_COMMIT chain=<c> height=<h> txs=<n> round=<r>   (with --log-commits: each decision)
 *   TRICHAIN_EVIDENCE chain=<c> height=<h> validator=<name>  (equivocation detected and stored)
 *
 * Consensus (src-main/consensus/app.ts): for each chain where this node is in the validator set
 * and the set has more than one validator, the Tendermint engine runs over the peer connections
 * (HTTPS, mutual TLS); a chain this node validates alone keeps the solo producer, and switches to
 * the engine when a validator-set change (trichain validators) makes the set grow.
 * --block-interval: how long a proposer with an empty mempool waits before proposing an empty
 * block (default 1000 ms); --propose-timeout: the base propose timeout (default 3000 ms, and at
 * least twice the block interval). --advertise: the address validators dial to reach this node
 * (default the listen address), exchanged between peers, signed (src-main/node/peer-ads.ts).
 * --engine cometbft: the chains this node validates with others whose validators name CometBFT
 * keys run on CometBFT instead, one supervised `cometbft` per chain (src-main/node/cometbft.ts;
 * build it once with `npm run cometbft`); the others stay on the embedded engine.
 *   TRICHAIN_COMETBFT_KEY key=<base64> node=<id>   (this node's CometBFT validator key, for
 *                                                   `trichain validators add PEERLINE --consensus-key KEY`,
 *                                                   and node ID; the other validators learn it, and
 *                                                   this node's CometBFT P2P addresses, from its signed
 *                                                   peer ad: no peers file to write, node/comet-peers.ts)
 *   TRICHAIN_COMETBFT chain=<c> home=<dir>         (CometBFT runs this chain: at start, or once a
 *                                                   validator-set change makes this node its validator)
 *   TRICHAIN_COMETBFT_STOPPED chain=<c>            (a change removed this node from the chain's validators)
 * Stops cleanly on SIGTERM or SIGINT.
 */
import { writeConfig } from '../../node/config';
import { startRuntime, type NodeRuntime } from '../../node/runtime';
import { startLocalApi } from '../../node/local-api';
import type { RelayEvent } from '../../node/relay';
import { cometbftBinary, MISSING_COMETBFT } from '../../consensus/cometbft/process';
import { DEFAULT_TIMEOUTS } from '../../consensus/machine-events';
import { scaledTimeouts } from '../../consensus/app';
import type { ChainId } from '../../ledger/types';
import { parseAddress } from '../../net/client';
import type { SyncProgress } from '../../net/sync';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';
import { driveShares } from '../../emr/share/workflow';

export const summary = 'run the node headless: local API, peer server (--listen HOST:PORT), sync and relay with its peers';

/** 'host:port' where port 0 means any free port. */
function parseListen(s: string): { host: string; port: number } {
  const m = /^(.*):0$/.exec(s);
  return m ? { ...parseAddress(`${m[1]}:1`), port: 0 } : parseAddress(s);
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw new CliError(`${flag} must be a positive integer`, 2);
  return Number(v);
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    data: { type: 'string' },
    listen: { type: 'string' },
    'api-port': { type: 'string' },
    'sync-interval': { type: 'string' },
    'resubmit-after': { type: 'string' },
    'sync-batch': { type: 'string' },
    advertise: { type: 'string' },
    'block-interval': { type: 'string' },
    'propose-timeout': { type: 'string' },
    'log-commits': { type: 'boolean', default: false },
    engine: { type: 'string', default: 'embedded' },
  });
  if (values.engine !== 'embedded' && values.engine !== 'cometbft') throw new CliError('--engine must be embedded or cometbft', 2);
  const cometBinary = values.engine === 'cometbft' ? cometbftBinary(io.env as NodeJS.ProcessEnv) : null;
  if (values.engine === 'cometbft' && !cometBinary) throw new CliError(MISSING_COMETBFT, 3);
  const dir = requireOpt(values.data, '--data DIR');
  let listen: { host: string; port: number } | undefined;
  try {
    listen = values.listen ? parseListen(values.listen) : undefined;
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  const syncIntervalMs = positiveInt(values['sync-interval'], '--sync-interval');
  const resubmitAfterMs = positiveInt(values['resubmit-after'], '--resubmit-after');
  const syncBatch = positiveInt(values['sync-batch'], '--sync-batch');
  const blockInterval = positiveInt(values['block-interval'], '--block-interval') ?? 1000;
  const proposeTimeout = Math.max(positiveInt(values['propose-timeout'], '--propose-timeout') ?? DEFAULT_TIMEOUTS.propose, 2 * blockInterval);
  if (values.advertise) {
    try {
      parseAddress(values.advertise);
    } catch (e) {
      throw new CliError(`--advertise: ${(e as Error).message}`, 2);
    }
  }
  const node = await openNode(dir, io);
  const log = (l: string): void => io.err(l);
  for (const r of node.repairs) log(`[verify] ${r}`);
  let runtime: NodeRuntime;
  try {
    runtime = await startRuntime(node, {
      log,
      peers: { listen, syncIntervalMs, resubmitAfterMs, syncBatch, advertise: values.advertise },
      cometbft: cometBinary
        ? {
            binary: cometBinary,
            onCommit: values['log-commits'] ? (chain, h, txs) => io.out(`TRICHAIN_COMMIT chain=${chain} height=${h} txs=${txs} round=0`) : undefined,
            onStart: (chain, home) => io.out(`TRICHAIN_COMETBFT chain=${chain} home=${home}`),
            onStop: (chain) => io.out(`TRICHAIN_COMETBFT_STOPPED chain=${chain}`),
          }
        : undefined,
      consensus: {
        emptyBlockMs: blockInterval,
        timeouts: scaledTimeouts(proposeTimeout),
        log,
        onAttach: (chain: ChainId, n: number) => io.out(`TRICHAIN_CONSENSUS chain=${chain} validators=${n}`),
        onDecide: values['log-commits'] ? (chain: ChainId, h: number, txs: number, round: number) => io.out(`TRICHAIN_COMMIT chain=${chain} height=${h} txs=${txs} round=${round}`) : undefined,
        onRefused: (chain: ChainId, h: number, reason: string) => log(`[consensus] ${chain}: refused the proposal at height ${h}: ${reason}`),
        onEvidence: (chain, e, v) => io.out(`TRICHAIN_EVIDENCE chain=${chain} height=${e.voteA.height} validator=${v?.name ?? e.voteA.validator}`),
      },
    });
  } catch (e) {
    node.close();
    throw new CliError(/CometBFT/.test((e as Error).message) ? (e as Error).message : `cannot start the peer server: ${(e as Error).message}`, 1);
  }
  const daemon = runtime.daemon!;
  // A hospital's shares advance as blocks commit: attest once released, publish once attested.
  driveShares(runtime, log);
  if (runtime.comet) {
    const c = runtime.comet.identity();
    io.out(`TRICHAIN_COMETBFT_KEY key=${Buffer.from(c.consensusKey).toString('base64')} node=${c.nodeId}`);
  }
  runtime.on('genesis', (e: { chain: string; peer: string }) => io.out(`TRICHAIN_GENESIS chain=${e.chain} peer=${e.peer}`));
  runtime.on('sync-progress', (p: SyncProgress) => io.out(`TRICHAIN_SYNC chain=${p.chain} height=${p.height} target=${p.target}`));
  runtime.on('synced', (e: { chain: string; height: number; applied: number }) => io.out(`TRICHAIN_SYNCED chain=${e.chain} height=${e.height} applied=${e.applied}`));
  runtime.on('relay', (e: RelayEvent) => io.out(`TRICHAIN_RELAY id=${e.id} chain=${e.chain} outcome=${e.outcome}${e.reason ? ` reason=${JSON.stringify(e.reason)}` : ''}`));
  runtime.on('erased', (e: { recordId: string; deleted: string[] }) => io.out(`TRICHAIN_ERASED record=${e.recordId} blobs=${e.deleted.length}`));
  const api = await startLocalApi(node, values['api-port'] ? Number(values['api-port']) : 0, () => runtime.status());
  node.config.api = api.url;
  node.config.listen = daemon.listen;
  writeConfig(node.paths.config, { ...node.config });
  const s = node.status();
  io.out(`${s.identity.name} (${s.identity.role}) serving; local API ${api.url} (token in ${dir}/api-token); peers at ${daemon.listen}`);
  io.out(`TRICHAIN_NODE_READY api=${api.url} peer=${daemon.listen} fingerprint=${daemon.fingerprint}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await runtime.stop();
  await new Promise<void>((resolve) => {
    api.server.close(() => resolve());
    api.server.closeAllConnections();
  });
  node.close();
  io.out('stopped');
  return 0;
}
