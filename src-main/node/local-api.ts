/**
 * The headless node's local API on loopback: status and health for hospital IT's monitoring,
 * guarded by a bearer token kept in the data folder (api-token, mode 0600). The app's full API is
 * served by the browser host (src-main/host) on top of the same node.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { TrichainNode } from './node';

export function apiToken(dir: string): string {
  const file = join(dir, 'api-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const t = randomBytes(32).toString('hex');
  writeFileSync(file, t + '\n', { mode: 0o600 });
  return t;
}

function tokenOk(header: string | undefined, token: string): boolean {
  const got = Buffer.from((header ?? '').replace(/^Bearer /, ''));
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function startLocalApi(node: TrichainNode, port = 0): Promise<{ server: Server; url: string; token: string }> {
  const token = apiToken(node.paths.dir);
  const server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/health') return send(200, { ok: true });
    if (!tokenOk(req.headers.authorization, token)) return send(401, { ok: false, error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
    if (req.method === 'GET' && req.url === '/status') return send(200, { ok: true, value: node.status() });
    if (req.method === 'GET' && req.url === '/outbox') return send(200, { ok: true, value: node.outbox() });
    send(404, { ok: false, error: { code: 'not-found', message: `no route ${req.method} ${req.url}` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
  return { server, url, token };
}
