import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, requireOpt } from '../args';
import type { CliIO } from '../io';
import { openNode } from '../unlock';
import { readConfig } from '../../node/config';
import { nodePaths } from '../../node/files';
import type { TrichainNode } from '../../node/node';
import type { ChainEngineStatus } from '../../node/engine-status';
import type { ChainId } from '../../ledger/types';

export const summary = 'identity and, per chain, height and head hash (--json for machines); asks the running node when there is one';

/** The node's status; a running node's also says what runs each chain and what needs the operator (node/engine-status). */
type Status = ReturnType<TrichainNode['status']> & { engines?: Partial<Record<ChainId, ChainEngineStatus>>; problems?: string[] };

function engineLine(e: ChainEngineStatus | undefined): string {
  if (!e) return '';
  const cert = e.certified < e.height ? `, certified to ${e.certified}` : '';
  const c = e.cometbft;
  const proc = c ? ` (${c.running ? `pid ${c.pid}` : 'not running'}, ${c.peers} peers${c.restarts ? `, restarted ${c.restarts}×` : ''})` : '';
  return `  engine ${e.engine}${proc}${e.validator ? ', validator' : ''}${cert}`;
}

/**
 * The status from the node running on DIR (`trichain start` wrote its local API address into
 * node.json and its bearer token into DIR/api-token), so monitoring needs no passphrase and never
 * opens the database beside the running node. null when no node answers there within 2 s.
 */
async function fromRunningNode(dir: string): Promise<Status | null> {
  const paths = nodePaths(dir);
  const tokenFile = join(dir, 'api-token');
  if (!existsSync(paths.config) || !existsSync(tokenFile)) return null;
  const api = readConfig(paths.config).api;
  if (!api) return null;
  try {
    const res = await fetch(`${api}/status`, { headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` }, signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
    const body = (await res.json()) as { ok: boolean; value?: Status };
    return body.ok && body.value ? body.value : null;
  } catch {
    return null; // not running (or not answering): read the data folder instead
  }
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean', default: false } });
  const dir = requireOpt(values.data, '--data DIR');
  let s = await fromRunningNode(dir);
  const running = s !== null;
  if (!s) {
    const node = await openNode(dir, io);
    try {
      s = node.status();
    } finally {
      node.close();
    }
  }
  if (values.json) {
    io.out(JSON.stringify({ ...s, running }, null, 2));
    return 0;
  }
  io.out(`${s.identity.name} (${s.identity.role})  BLS ${s.identity.blsPublicKey.slice(0, 24)}…  ${running ? 'running' : 'not running'}`);
  io.out(`network: ${s.network ?? '(none yet: join one with trichain join)'}`);
  for (const [c, v] of Object.entries(s.chains)) io.out(v ? `  ${c.padEnd(9)} height ${String(v.height).padStart(6)}  head ${v.head.slice(0, 16)}…  validators ${v.validators}${engineLine(s.engines?.[c as ChainId])}` : `  ${c.padEnd(9)} (not replicated)`);
  io.out(`pending transactions: ${s.pending}`);
  for (const p of s.problems ?? []) io.out(`problem: ${p}`);
  return 0;
}
