/**
 * The browser host: serves the built renderer and the API over loopback HTTP + WebSocket.
 *
 *  - binds 127.0.0.1 only and answers only to Host 127.0.0.1:PORT / localhost:PORT (DNS rebinding);
 *  - static files from `rendererDir` with a strict CSP header;
 *  - POST /api/:method, JSON body ≤ 20 MB, header x-trichain-token = session token (constant time);
 *  - GET /events?token=… upgrades to a WebSocket that pushes contract events.
 * Requests are validated against src-shared/api.ts before any handler runs; answers are validated
 * (and stripped of unknown fields) before they leave. Signed methods are refused: the renderer
 * reaches them only through sign.prepare / sign.confirm.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLoopback, newToken, tokenMatches } from '../net/loopback';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  MAX_BODY_BYTES, TOKEN_HEADER, dispatch, fail, validateEvent,
  type ApiHandlers, type Envelope, type TrichainEvent,
} from '../../src-shared/api';
import { buildCsp, isAllowedHostHeader } from './web-policy';

export interface HostOptions {
  handlers: Partial<ApiHandlers>;
  /** Directory of the built renderer (out/renderer). Missing files answer 404. */
  rendererDir: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** Session token; a random 32-byte hex token when omitted. */
  token?: string;
  /** Largest request body in bytes (default 20 MB). */
  maxBodyBytes?: number;
}

export interface Host {
  url: string;
  origin: string;
  port: number;
  token: string;
  /** Push an event to every connected UI. Invalid events are dropped. */
  broadcast(event: TrichainEvent): void;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const STATUS: Record<string, number> = {
  BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, SIGNATURE_REQUIRED: 403, CONSENT_REFUSED: 403,
  NOT_FOUND: 404, UNKNOWN_METHOD: 404, CONFLICT: 409, EXPIRED: 410, PAYLOAD_TOO_LARGE: 413,
  NOT_INITIALIZED: 409, UNAVAILABLE: 503, INTERNAL: 500,
};
export function httpStatusFor(env: Envelope<unknown>): number {
  return env.ok ? 200 : (STATUS[env.error.code] ?? 422);
}

export { newToken, tokenMatches } from '../net/loopback';

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        reject(new BodyTooLarge());
        req.resume(); // drain the rest without keeping it
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => { if (!done) { done = true; resolve(Buffer.concat(chunks)); } });
    req.on('error', (e) => { if (!done) { done = true; reject(e); } });
  });
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const token = opts.token ?? newToken();
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const rendererDir = path.resolve(opts.rendererDir);
  const sockets = new Set<WebSocket>();
  let port = 0;
  let csp = '';

  const security = (res: ServerResponse) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
  };

  const sendJson = (res: ServerResponse, env: Envelope<unknown>, status = httpStatusFor(env)) => {
    const body = JSON.stringify(env);
    security(res);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    res.end(body);
  };

  const sendText = (res: ServerResponse, status: number, text: string) => {
    security(res);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string) {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendJson(res, fail('BAD_REQUEST', 'Use POST'), 405);
    }
    // Browsers send Origin on cross-origin POSTs; only our own page may call.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      req.resume();
      return sendJson(res, fail('FORBIDDEN', 'Cross-origin request refused'));
    }
    if (!tokenMatches(req.headers[TOKEN_HEADER], token)) {
      req.resume();
      return sendJson(res, fail('UNAUTHORIZED', `Missing or wrong ${TOKEN_HEADER} header`));
    }
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) {
      req.resume();
      return sendJson(res, fail('BAD_REQUEST', 'Content-Type must be application/json'), 415);
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, limit);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return sendJson(res, fail('PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`));
      }
      return sendJson(res, fail('BAD_REQUEST', 'Could not read the request body'));
    }
    let input: unknown;
    try {
      input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      return sendJson(res, fail('BAD_REQUEST', 'Malformed JSON body'));
    }
    sendJson(res, await dispatch(opts.handlers, method, input, 'renderer'));
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, pathname: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed');
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return sendText(res, 400, 'Bad path');
    }
    if (rel.includes('\0')) return sendText(res, 400, 'Bad path');
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(rendererDir, '.' + path.posix.normalize(rel));
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) return sendText(res, 403, 'Forbidden');
    try {
      const st = await stat(file);
      if (!st.isFile()) return sendText(res, 404, 'Not found');
      const data = await readFile(file);
      const ext = path.extname(file).toLowerCase();
      security(res);
      res.writeHead(200, {
        'Content-Type': MIME[ext] ?? 'application/octet-stream',
        'Content-Length': data.length,
        'Content-Security-Policy': csp,
        'Cache-Control': ext === '.html' ? 'no-store' : 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : data);
    } catch {
      if (rel === '/index.html') {
        return sendText(res, 404, 'The renderer is not built: run `npm run build:renderer` (npm start does it for you).');
      }
      sendText(res, 404, 'Not found');
    }
  }

  const server = createServer((req, res) => {
    if (!isAllowedHostHeader(req.headers.host, port)) {
      req.resume();
      return sendText(res, 421, 'Misdirected request');
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', `http://127.0.0.1:${port}`).pathname;
    } catch {
      return sendText(res, 400, 'Bad request');
    }
    const api = /^\/api\/([^/]+)$/.exec(pathname);
    const run = api ? handleApi(req, res, api[1]) : handleStatic(req, res, pathname);
    run.catch(() => {
      if (!res.headersSent) sendJson(res, fail('INTERNAL', 'Internal error'));
      else res.destroy();
    });
  });
  server.requestTimeout = 5 * 60_000;
  server.headersTimeout = 30_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string) => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (!isAllowedHostHeader(req.headers.host, port)) return refuse('421 Misdirected Request');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return refuse('400 Bad Request');
    }
    if (url.pathname !== '/events') return refuse('404 Not Found');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      return refuse('403 Forbidden');
    }
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', () => { /* the UI only listens */ });
    });
  });

  port = await listenLoopback(server, opts.port ?? 0);
  const origin = `http://127.0.0.1:${port}`;
  csp = buildCsp({ connect: [`ws://127.0.0.1:${port}`] });

  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    broadcast(event: TrichainEvent) {
      const valid = validateEvent(event);
      if (!valid) return;
      const msg = JSON.stringify(valid);
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
    },
    close() {
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      wss.close();
      server.closeAllConnections?.();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
