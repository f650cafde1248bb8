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


export async function startLocalApi(node: TrichainNode, port = 0): Promise<{ server: Server; url: string; token: string }> {
  const token = apiToken(node.paths.dir);
  const server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/health') return send(200, { ok: true });
    if (!tokenMatches((req.headers.authorization ?? '').replace(/^Bearer /, ''), token)) return send(401, { ok: false, error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
    if (req.method === 'GET' && req.url === '/status') return send(200, { ok: true, value: node.status() });
    if (req.method === 'GET' && req.url === '/outbox') return send(200, { ok: true, value: node.outbox() });
    send(404, { ok: false, error: { code: 'not-found', message: `no route ${req.method} ${req.url}` } });
  });
  const url = `http://127.0.0.1:${await listenLoopback(server, port)}`;
  return { server, url, token };
}
