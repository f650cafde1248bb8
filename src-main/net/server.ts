/**
 * The peer server: HTTPS (node:https, TLS 1.3) with mutual TLS and certificate pinning.
 *
 * The client must present a certificate (requestCert). No CA validates it
 * (rejectUnauthorized: false): instead, when a TLS connection completes ('secureConnection'),
 * the SHA-256 fingerprint of the presented certificate is looked up with `authorize`. Node's
 * HTTP layer is attached to a socket only after that check passes — the server takes over the
 * 'secureConnection' listeners https.Server installed, so an unknown or missing certificate
 * means the socket is destroyed before the HTTP parser ever sees it: nothing is read, nothing is
 * written, and the refusal is logged.
 *
 * Routes form a typed table (method + path template with :params). Request bodies are canonical
 * CBOR (content-type application/cbor) with a size limit; responses are CBOR or streamed frames
 * (./frames, application/cbor-seq). Every handler receives the authenticated PeerIdentity,
 * re-authorized for each request so a revoked peer loses a kept-alive connection too.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { canonicalDecode, canonicalEncode, type Canonical } from '../codec/canonical';
import { encodeFrame, CBOR_SEQ } from './frames';
import { fingerprintOfDer } from './tls';
import type { PeerIdentity } from './types';

export const CBOR = 'application/cbor';
export const DEFAULT_MAX_BODY = 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `{ chain: string }` for '/blocks/:chain', and so on. */
export type PathParams<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? { [K in N]: string } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? { [K in N]: string }
    : Record<never, string>;

export interface RouteContext<Params = Record<string, string>> {
  peer: PeerIdentity;
  params: Params;
  query: URLSearchParams;
  /** The decoded canonical CBOR body (undefined when the request had none). */
  body: Canonical | undefined;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export type RouteResponse =
  | { status?: number; body: Canonical }
  | { status?: number; stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array> }
  | { status: number };

export type Method = 'GET' | 'POST';

export interface Route {
  method: Method;
  path: string;
  maxBodyBytes?: number;
  handle(ctx: RouteContext): RouteResponse | Promise<RouteResponse>;
}

export function route<P extends string>(
  method: Method,
  path: P,
  handle: (ctx: RouteContext<PathParams<P>>) => RouteResponse | Promise<RouteResponse>,
  opts: { maxBodyBytes?: number } = {},
): Route {
  return { method, path, handle: handle as Route['handle'], ...opts };
}

export type NetLogEvent =
  | { event: 'refused'; reason: string; fingerprint: string | null; remote: string }
  | { event: 'tls-error'; reason: string; remote: string }
  | { event: 'request'; method: string; path: string; status: number; peer: string }
  | { event: 'handler-error'; path: string; reason: string; peer: string };

export interface PeerServerOptions {
  tls: { keyPem: string; certPem: string };
  listen: { host: string; port: number };
  authorize(peerFingerprint: string): PeerIdentity | null;
  routes: Route[];
  log?: (e: NetLogEvent) => void;
  maxBodyBytes?: number;
}

export interface PeerServer {
  host: string;
  port: number;
  /** 'https://host:port' */
  url: string;
  readonly stats: { refused: number; requests: number };
  close(): Promise<void>;
}

const defaultLog = (e: NetLogEvent): void => {
  if (e.event === 'refused' || e.event === 'tls-error' || e.event === 'handler-error') console.warn(`[net] ${JSON.stringify(e)}`);
};

interface CompiledRoute {
  route: Route;
  re: RegExp;
  names: string[];
}

function compile(r: Route): CompiledRoute {
  const names: string[] = [];
  const src = r.path
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route: r, re: new RegExp(`^${src}$`), names };
}

function remoteOf(s: { remoteAddress?: string; remotePort?: number }): string {
  return `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;
}

/** The fingerprint of the certificate the client presented, or null if it presented none. */
export function peerFingerprint(socket: TLSSocket): string | null {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw || cert.raw.length === 0) return null;
  return fingerprintOfDer(cert.raw);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new HttpError(413, `body exceeds ${limit} bytes`);
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) throw new HttpError(413, `body exceeds ${limit} bytes`);
    parts.push(chunk);
  }
  return new Uint8Array(Buffer.concat(parts));
}

function sendCbor(res: ServerResponse, status: number, body: Canonical): void {
  const bytes = canonicalEncode(body);
  res.writeHead(status, { 'content-type': CBOR, 'content-length': bytes.length, 'cache-control': 'no-store' });
  res.end(bytes);
}

async function sendStream(res: ServerResponse, status: number, items: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, signal: AbortSignal): Promise<void> {
  res.writeHead(status, { 'content-type': CBOR_SEQ, 'cache-control': 'no-store' });
  for await (const item of items as AsyncIterable<Uint8Array>) {
    if (signal.aborted || res.destroyed) break; // leaving the loop calls the iterator's return()
    if (!res.write(encodeFrame(item))) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

export async function startPeerServer(opts: PeerServerOptions): Promise<PeerServer> {
  const log = opts.log ?? defaultLog;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const compiled = opts.routes.map(compile);
  const identities = new WeakMap<object, string>(); // socket -> fingerprint
  const stats = { refused: 0, requests: 0 };

  const server: Server = createServer(
    {
      key: opts.tls.keyPem,
      cert: opts.tls.certPem,
      requestCert: true,
      rejectUnauthorized: false, // no CA: the fingerprint check below decides
      minVersion: 'TLSv1.3',
    },
    (req, res) => void handle(req, res),
  );
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 10_000;

  // Take the HTTP layer's own listeners off the TLS event and call them only for accepted peers.
  const httpListeners = server.listeners('secureConnection') as ((s: TLSSocket) => void)[];
  server.removeAllListeners('secureConnection');
  server.on('secureConnection', (socket: TLSSocket) => {
    let fp: string | null = null;
    let reason: string | null = null;
    try {
      fp = peerFingerprint(socket);
      if (fp === null) reason = 'no client certificate';
      else if (!opts.authorize(fp)) reason = 'unknown certificate fingerprint';
    } catch (e) {
      reason = `authorization failed: ${(e as Error).message}`;
    }
    if (reason !== null || fp === null) {
      stats.refused++;
      log({ event: 'refused', reason: reason ?? 'refused', fingerprint: fp, remote: remoteOf(socket) });
      socket.destroy();
      return;
    }
    identities.set(socket, fp);
    for (const l of httpListeners) l.call(server, socket);
  });
  server.on('tlsClientError', (err, socket) => {
    log({ event: 'tls-error', reason: err.message, remote: remoteOf(socket) });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fp = identities.get(req.socket);
    const peer = fp ? opts.authorize(fp) : null;
    if (!fp || !peer) {
      // Revoked since the handshake (or never accepted): refuse and drop the connection.
      stats.refused++;
      log({ event: 'refused', reason: 'peer no longer authorized', fingerprint: fp ?? null, remote: remoteOf(req.socket) });
      req.socket.destroy();
      return;
    }
    stats.requests++;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    let status = 500;
    try {
      const url = new URL(req.url ?? '/', 'https://peer.invalid');
      let found: { c: CompiledRoute; m: RegExpExecArray } | null = null;
      let pathMatched = false;
      for (const c of compiled) {
        const m = c.re.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (c.route.method === req.method) {
          found = { c, m };
          break;
        }
      }
      if (!found) throw new HttpError(pathMatched ? 405 : 404, pathMatched ? 'method not allowed' : 'no such route');
      const params: Record<string, string> = {};
      found.c.names.forEach((n, i) => {
        params[n] = decodeURIComponent(found!.m[i + 1]);
      });
      let body: Canonical | undefined;
      if (req.method !== 'GET') {
        const raw = await readBody(req, found.c.route.maxBodyBytes ?? maxBody);
        if (raw.length > 0) {
          const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
          if (ct !== CBOR) throw new HttpError(415, `content-type must be ${CBOR}`);
          try {
            body = canonicalDecode(raw);
          } catch (e) {
            throw new HttpError(400, (e as Error).message);
          }
        }
      }
      const out = await found.c.route.handle({ peer, params, query: url.searchParams, body, signal: ac.signal });
      status = out.status ?? 200;
      if ('stream' in out) await sendStream(res, status, out.stream, ac.signal);
      else if ('body' in out) sendCbor(res, status, out.body);
      else {
        res.writeHead(status, { 'content-length': 0 });
        res.end();
      }
    } catch (e) {
      if (e instanceof HttpError) {
        status = e.status;
        if (!res.headersSent) {
          // After a refused body the rest of it is unread: answer, then close the connection.
          if (e.status === 413) res.setHeader('connection', 'close');
          sendCbor(res, e.status, { error: e.message });
        } else res.destroy();
      } else {
        status = 500;
        log({ event: 'handler-error', path: req.url ?? '', reason: (e as Error).message, peer: peer.name });
        if (!res.headersSent) sendCbor(res, 500, { error: 'internal error' });
        else res.destroy(); // a stream that fails midway is cut, never silently ended
      }
    } finally {
      log({ event: 'request', method: req.method ?? '', path: req.url ?? '', status, peer: peer.name });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    host: addr.address,
    port: addr.port,
    url: `https://${host}:${addr.port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
