/**
 * The browser host's address and session token, kept across restarts in DATA/host.json (mode 0600)
 * so that a bookmarked tab (http://127.0.0.1:PORT/#token=…) still works after `npm start` again.
 * The Electron shell brings its own token per run (TRICHAIN_TOKEN) and never uses this file.
 * A damaged file is ignored (a new port and token are chosen and written), never fatal.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const HOST_FILE = 'host.json';

export interface HostAddress {
  port: number;
  token: string;
}

/** The address remembered in `dataDir`, or null when there is none or it does not parse. */
export function readHostAddress(dataDir: string): HostAddress | null {
  const file = path.join(dataDir, HOST_FILE);
  if (!existsSync(file)) return null;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<HostAddress>;
    if (!Number.isInteger(v.port) || (v.port as number) < 1 || (v.port as number) > 65535) return null;
    if (typeof v.token !== 'string' || !/^[0-9a-f]{64}$/.test(v.token)) return null;
    return { port: v.port as number, token: v.token };
  } catch {
    return null;
  }
}

/** Remember the address (written to a temporary file, then renamed: never half a file). */
export function writeHostAddress(dataDir: string, a: HostAddress): void {
  const file = path.join(dataDir, HOST_FILE);
  writeFileSync(file + '.tmp', JSON.stringify(a) + '\n', { mode: 0o600 });
  renameSync(file + '.tmp', file);
}
