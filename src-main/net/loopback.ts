/**
 * The one loopback-HTTP helper: servers that only the local machine reaches (the headless node's
 * status API in node/local-api.ts, the browser host in host/server.ts) listen through listenLoopback
 * and check their session token with tokenMatches, in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';

/** A fresh 32-byte session token, hex. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Listens on 127.0.0.1:port (0: a port the OS picks) and resolves with the port bound. */
export async function listenLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}
