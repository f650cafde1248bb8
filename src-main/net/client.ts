/**
 * The peer client: mutual TLS with the server pinned by its certificate fingerprint.
 *
 * connectPinned() performs the TLS handshake itself (presenting this node's certificate), then
 * compares the SHA-256 of the server's DER certificate with the expected fingerprint. Only a
 * socket that passed is handed to the HTTP layer, so on any mismatch the connection is destroyed
 * before a single byte of the request (line, headers or body) is written. (Node calls a custom
 * checkServerIdentity only for CA-valid certificates, which a self-signed one is not; hence the
 * check sits in the 'secureConnect' handler, and checkServerIdentity is set to the same pin
 * check for defence in depth.)
 *
 * PeerClient keeps a keep-alive pool of pinned connections to one peer; peerRequest() is the
 * one-shot form.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { canonicalDecode, canonicalEncode, type Canonical } from '../codec/canonical';
import { CBOR_SEQ, DEFAULT_MAX_FRAME, readFrames } from './frames';
import { fingerprintOfDer, fingerprintsEqual, normalizeFingerprint } from './tls';

export const CBOR = 'application/cbor';
export const DEFAULT_MAX_RESPONSE = 16 * 1024 * 1024;

export interface ClientTls {
  keyPem: string;
  certPem: string;
}

export class PinMismatchError extends Error {
  readonly code = 'ETRICHAIN_PIN';
  constructor(
    readonly expected: string,
    readonly actual: string | null,
  ) {
    super(`net: server certificate fingerprint ${actual ?? '(none)'} does not match the pinned ${expected}`);
  }
}

export class PeerHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function pinCheck(expected: string) {
  return (_host: string, cert: PeerCertificate): Error | undefined => {
    const actual = cert?.raw?.length ? fingerprintOfDer(cert.raw) : null;
    return actual !== null && fingerprintsEqual(actual, expected) ? undefined : new PinMismatchError(expected, actual);
  };
}

/** Opens a TLS connection and resolves only if the server's certificate has the pinned fingerprint. */
export function connectPinned(args: { host: string; port: number; tls: ClientTls; expectedFingerprint: string; timeoutMs?: number }): Promise<TLSSocket> {
  const expected = normalizeFingerprint(args.expectedFingerprint);
  const host = args.host.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: args.port,
      servername: isIP(host) ? undefined : host,
      key: args.tls.keyPem,
      cert: args.tls.certPem,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: false, // self-signed: the pin below decides
      checkServerIdentity: pinCheck(expected),
    });
    const timer = setTimeout(() => fail(new Error(`net: TLS connect to ${host}:${args.port} timed out`)), args.timeoutMs ?? 10_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      const err = pinCheck(expected)(host, socket.getPeerCertificate(false));
      if (err) return fail(err);
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

export interface PeerAddress {
  host: string;
  port: number;
}

/** Parses 'host:port', '[v6]:port' or 'https://host:port'. */
export function parseAddress(s: string): PeerAddress {
  const t = s.replace(/^https:\/\//, '').replace(/\/$/, '');
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(t);
  if (!m) throw new Error(`net: malformed address "${s}" (expected host:port)`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`net: port out of range in "${s}"`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

export interface PeerClientOptions {
  /** 'host:port' or 'https://host:port'. */
  address: string;
  tls: ClientTls;
  expectedFingerprint: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  maxFrameBytes?: number;
}

export interface CborResponse {
  status: number;
  body: Canonical | undefined;
}

function errorText(body: Canonical | undefined, status: number): string {
  const e = body && typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array) ? (body as Record<string, Canonical>).error : undefined;
  return typeof e === 'string' ? `HTTP ${status}: ${e}` : `HTTP ${status}`;
}

async function readAll(res: IncomingMessage, limit: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      res.destroy();
      throw new Error(`net: response exceeds ${limit} bytes`);
    }
    parts.push(c);
  }
  return new Uint8Array(Buffer.concat(parts));
}

export class PeerClient {
  readonly address: PeerAddress;
  readonly fingerprint: string;
  private readonly agent: Agent;

  constructor(private readonly opts: PeerClientOptions) {
    this.address = parseAddress(opts.address);
    this.fingerprint = normalizeFingerprint(opts.expectedFingerprint);
    this.agent = new Agent({ keepAlive: true, maxSockets: 4 });
    // Every pooled connection is a pinned TLS connection made by connectPinned.
    (this.agent as unknown as { createConnection: unknown }).createConnection = (_o: unknown, cb: (err: Error | null, s?: Duplex) => void) => {
      connectPinned({ ...this.address, tls: opts.tls, expectedFingerprint: this.fingerprint, timeoutMs: opts.timeoutMs }).then(
        (s) => cb(null, s),
        (e: Error) => cb(e),
      );
      return undefined;
    };
  }

  private send(method: 'GET' | 'POST', path: string, body?: Canonical, signal?: AbortSignal): Promise<IncomingMessage> {
    const bytes = body === undefined ? undefined : canonicalEncode(body);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: `${CBOR}, ${CBOR_SEQ}` };
      if (bytes) {
        headers['content-type'] = CBOR;
        headers['content-length'] = bytes.length;
      }
      const req = httpRequest({ host: this.address.host, port: this.address.port, method, path, headers, agent: this.agent, signal, timeout: this.opts.timeoutMs ?? 30_000 });
      req.once('response', resolve);
      // 'on', not 'once': a request can emit 'error' twice (a failed pinned connect, then the socket),
      // and an unhandled second one would crash the process.
      req.on('error', reject);
      req.once('timeout', () => req.destroy(new Error(`net: request ${method} ${path} timed out`)));
      req.end(bytes);
    });
  }

  /** One request with a CBOR (or empty) body and a CBOR response. Non-2xx statuses are returned, not thrown. */
  async request(method: 'GET' | 'POST', path: string, body?: Canonical, signal?: AbortSignal): Promise<CborResponse> {
    const res = await this.send(method, path, body, signal);
    const raw = await readAll(res, this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE);
    const ct = (res.headers['content-type'] ?? '').split(';')[0].trim();
    if (raw.length === 0) return { status: res.statusCode ?? 0, body: undefined };
    if (ct !== CBOR) throw new Error(`net: unexpected content-type "${ct}"`);
    return { status: res.statusCode ?? 0, body: canonicalDecode(raw) };
  }

  /** request() that throws PeerHttpError unless the status is 2xx. */
  async call(method: 'GET' | 'POST', path: string, body?: Canonical, signal?: AbortSignal): Promise<Canonical | undefined> {
    const r = await this.request(method, path, body, signal);
    if (r.status < 200 || r.status > 299) throw new PeerHttpError(r.status, errorText(r.body, r.status));
    return r.body;
  }

  /**
   * A streamed response: throws PeerHttpError on a non-2xx status; otherwise yields each frame.
   * Throws if the connection breaks or ends inside a frame.
   */
  async *stream(path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const res = await this.send('GET', path, undefined, signal);
    const status = res.statusCode ?? 0;
    const ct = (res.headers['content-type'] ?? '').split(';')[0].trim();
    if (status < 200 || status > 299 || ct !== CBOR_SEQ) {
      const raw = await readAll(res, 64 * 1024).catch(() => new Uint8Array(0));
      let body: Canonical | undefined;
      try {
        body = raw.length && ct === CBOR ? canonicalDecode(raw) : undefined;
      } catch {
        body = undefined;
      }
      throw new PeerHttpError(status, status >= 200 && status <= 299 ? `net: expected ${CBOR_SEQ}, got "${ct}"` : errorText(body, status));
    }
    try {
      // IncomingMessage's iterator throws ('aborted') if the connection is cut midway.
      yield* readFrames(res as AsyncIterable<Uint8Array>, this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME);
      if (!res.complete) throw new Error('net: stream interrupted');
    } finally {
      if (!res.complete) res.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One-shot request over a fresh pinned connection. */
export async function peerRequest(args: {
  url: string;
  tls: ClientTls;
  expectedFingerprint: string;
  method?: 'GET' | 'POST';
  body?: Canonical;
  timeoutMs?: number;
  maxResponseBytes?: number;
}): Promise<CborResponse> {
  const u = new URL(args.url);
  if (u.protocol !== 'https:') throw new Error('net: peer URLs are https');
  const client = new PeerClient({
    address: `${u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname}:${u.port || 443}`,
    tls: args.tls,
    expectedFingerprint: args.expectedFingerprint,
    timeoutMs: args.timeoutMs,
    maxResponseBytes: args.maxResponseBytes,
  });
  try {
    return await client.request(args.method ?? (args.body === undefined ? 'GET' : 'POST'), u.pathname + u.search, args.body);
  } finally {
    client.close();
  }
}
