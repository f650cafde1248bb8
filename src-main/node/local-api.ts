/**
 * The headless node's local API on loopback: status and health for hospital IT's monitoring,
 * guarded by a bearer token kept in the data folder (api-token, mode 0600). The app's full API is
 * served by the browser host (src-main/host) on top of the same node.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenLoopback, newToken, tokenMatches } from '../net/loopback';
import type { TrichainNode } from './node';

export function apiToken(dir: string): string {
  const file = join(dir, 'api-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const t = newToken();
  writeFileSync(file, t + '\n', { mode: 0o600 });
  return t;
}


/** What /status answers: the node's status, or the running node's (runtime.status: engines and problems too). */
type StatusOf = () => ReturnType<TrichainNode['status']> & { problems?: string[] };

/**
 * GET /health, without a token (for a load balancer or systemd's watchdog script): 200 with the
 * node's name, role, chain heights, pending count and uptime while the node answers, `status`
 * 'serving', or 'degraded' with the problems an operator must act on (a chain's CometBFT not
 * running, a validator with no engine, certificates not arriving: ./engine-status); 503 when it
 * cannot answer (its database closed or failing). Holds nothing secret: heights are on every peer
 * too, and the problems name no key.
 */
function health(status: StatusOf, started: number, send: (code: number, body: unknown) => void) {
  try {
    const s = status();
    const chains = Object.fromEntries(Object.entries(s.chains).filter(([, v]) => v).map(([c, v]) => [c, v!.height]));
    const problems = s.problems ?? [];
    send(200, { ok: true, value: { status: problems.length ? 'degraded' : 'serving', name: s.identity.name, role: s.identity.role, chains, pending: s.pending, problems, uptimeSeconds: Math.round((Date.now() - started) / 1000) } });
  } catch (e) {
    send(503, { ok: false, error: { code: 'unavailable', message: `the node does not answer: ${(e as Error).message}` } });
  }
}

/** `status`: the running node's (runtime.status), default the node's own. */
export async function startLocalApi(node: TrichainNode, port = 0, status: StatusOf = () => node.status()): Promise<{ server: Server; url: string; token: string }> {
  const token = apiToken(node.paths.dir);
  const started = Date.now();
  const server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/health') return health(status, started, send);
    if (!tokenMatches((req.headers.authorization ?? '').replace(/^Bearer /, ''), token)) return send(401, { ok: false, error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
    if (req.method === 'GET' && req.url === '/status') return send(200, { ok: true, value: status() });
    if (req.method === 'GET' && req.url === '/outbox') return send(200, { ok: true, value: node.outbox() });
    send(404, { ok: false, error: { code: 'not-found', message: `no route ${req.method} ${req.url}` } });
  });
  const url = `http://127.0.0.1:${await listenLoopback(server, port)}`;
  return { server, url, token };
}
