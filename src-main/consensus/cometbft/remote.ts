/**
 * A validator whose ABCI application runs in a child process of its own (app-process.ts), as it
 * would on its own server, with the same calls as CometValidator (start, stop, ready, broadcast).
 * The child and the `cometbft` it supervises share a process group, so a kill (a crash) takes both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppProcessConfig } from './app-process';
import { broadcastTx, cometHeight, rpcReady } from './rpc';

const ENTRY = fileURLToPath(new URL(`./app-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

export class RemoteValidator {
  private child: ChildProcess | null = null;
  private readonly log: WriteStream;

  constructor(readonly config: AppProcessConfig) {
    this.log = createWriteStream(join(config.home, 'app.log'), { flags: 'a' });
    this.log.on('error', () => {}); // output after close, or a full disk: the log is best effort, never a crash
  }

  get rpc(): string {
    return `http://127.0.0.1:${this.config.rpcPort}`;
  }

  /** Starts the application process; resolves once its socket listens (CometBFT starts after). */
  async start(): Promise<void> {
    const args = ENTRY.endsWith('.ts') ? ['--import', 'tsx', ENTRY] : [ENTRY];
    const c = spawn(process.execPath, args, { env: { ...process.env, TRICHAIN_COMET_APP: JSON.stringify(this.config) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = c;
    c.stderr!.pipe(this.log, { end: false });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onExit = (code: number | null) => reject(new Error(`the application process of ${this.config.home} exited (${code}) before it was ready; see ${join(this.config.home, 'app.log')}`));
      c.once('exit', onExit);
      c.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('TRICHAIN_COMET_APP_READY')) {
          c.off('exit', onExit);
          resolve();
        }
      });
    });
    c.on('exit', () => {
      if (this.child === c) this.child = null;
    });
  }

  /** SIGTERM (the child stops CometBFT, then exits); `kill`: SIGKILL to the whole group, as a crash. */
  async stop(kill = false): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('close', () => r())); // its output read to the end
    try {
      if (kill) process.kill(-c.pid!, 'SIGKILL');
      else c.kill('SIGTERM');
    } catch {
      // already gone
    }
    const t = setTimeout(() => {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    clearTimeout(t);
    this.child = null;
  }

  close(): void {
    this.log.end();
  }

  broadcast(tx: Uint8Array, mode: 'async' | 'sync' = 'async'): Promise<{ code: number; log?: string }> {
    return broadcastTx(this.rpc, tx, mode);
  }

  ready(timeoutMs = 30_000): Promise<void> {
    return rpcReady(this.rpc, this.config.home, timeoutMs);
  }

  cometHeight(): Promise<number> {
    return cometHeight(this.rpc);
  }
}
