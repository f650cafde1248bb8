/**
 * `trichain start --data DIR [--listen HOST:PORT] [--api-port N] [--sync-interval MS]
 *   [--resubmit-after MS] [--sync-batch N]`: runs the
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
 * Stops cleanly on SIGTERM or SIGINT.
 */
import { writeConfig } from '../../node/config';
import { runDaemon, type Daemon } from '../../node/daemon';
import { startLocalApi } from '../../node/local-api';
import type { RelayEvent } from '../../node/relay';
import { parseAddress } from '../../net/client';
import type { SyncProgress } from '../../net/sync';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';

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
  });
  const dir = requireOpt(values.data, '--data DIR');
  let listen: { host: string; port: number };
  try {
    listen = values.listen ? parseListen(values.listen) : { host: '127.0.0.1', port: 0 };
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  const syncIntervalMs = positiveInt(values['sync-interval'], '--sync-interval');
  const resubmitAfterMs = positiveInt(values['resubmit-after'], '--resubmit-after');
  const syncBatch = positiveInt(values['sync-batch'], '--sync-batch');
  const node = await openNode(dir, io);
  const log = (l: string): void => io.err(l);
  const opts = { syncIntervalMs, resubmitAfterMs, syncBatch, log };
  let daemon: Daemon;
  try {
    if (!values.listen && node.config.listen) {
      try {
        daemon = await runDaemon(node, { ...opts, listen: parseAddress(node.config.listen) });
      } catch (e) {
        io.err(`cannot listen on ${node.config.listen} again (${(e as Error).message}); using a new port`);
        daemon = await runDaemon(node, { ...opts, listen });
      }
    } else daemon = await runDaemon(node, { ...opts, listen });
  } catch (e) {
    node.close();
    throw new CliError(`cannot start the peer server: ${(e as Error).message}`, 1);
  }
  daemon.on('genesis', (e: { chain: string; peer: string }) => io.out(`TRICHAIN_GENESIS chain=${e.chain} peer=${e.peer}`));
  daemon.on('sync-progress', (p: SyncProgress) => io.out(`TRICHAIN_SYNC chain=${p.chain} height=${p.height} target=${p.target}`));
  daemon.on('synced', (e: { chain: string; height: number; applied: number }) => io.out(`TRICHAIN_SYNCED chain=${e.chain} height=${e.height} applied=${e.applied}`));
  daemon.on('relay', (e: RelayEvent) => io.out(`TRICHAIN_RELAY id=${e.id} chain=${e.chain} outcome=${e.outcome}${e.reason ? ` reason=${JSON.stringify(e.reason)}` : ''}`));
  daemon.on('erased', (e: { recordId: string; deleted: string[] }) => io.out(`TRICHAIN_ERASED record=${e.recordId} blobs=${e.deleted.length}`));

  const api = await startLocalApi(node, values['api-port'] ? Number(values['api-port']) : 0);
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
  await daemon.close();
  await new Promise<void>((resolve) => {
    api.server.close(() => resolve());
    api.server.closeAllConnections();
  });
  node.close();
  io.out('stopped');
  return 0;
}
