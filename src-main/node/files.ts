/**
 * A node's data folder: what lives where, and atomic JSON writes (temp file + rename), so a crash
 * never leaves a half-written config (storage/atomic-file).
 *   identity.json  passphrase-encrypted keystore (BLS + X25519 keys from one seed)
 *   node.db        SQLite: chains, state, blobs, mempool, outbox
 *   node.json      public config: role, name, network, listen address
 *   tls/           the node's TLS certificate and key (peer sync)
 *   peers.json     pinned peers
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
export { writeJsonAtomic } from '../storage/atomic-file';

export interface NodePaths {
  dir: string;
  keystore: string;
  db: string;
  config: string;
  tls: string;
  peers: string;
}

export function nodePaths(dir: string): NodePaths {
  const d = resolve(dir);
  return { dir: d, keystore: join(d, 'identity.json'), db: join(d, 'node.db'), config: join(d, 'node.json'), tls: join(d, 'tls'), peers: join(d, 'peers.json') };
}

export function readJson<T>(file: string, what: string): T {
  if (!existsSync(file)) throw new Error(`${what} not found at ${file}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${what} at ${file} is not valid JSON: ${(e as Error).message}`);
  }
}
