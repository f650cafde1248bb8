/**
 * Runs one `cometbft start` and keeps it running: restarted after a crash (with a growing pause,
 * at most 5 s), stopped with SIGTERM (SIGKILL after a grace period), its output appended to
 * HOME/cometbft.log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run cometbft` puts the binary; TRICHAIN_COMETBFT overrides it. */
export function cometbftBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TRICHAIN_COMETBFT) return existsSync(env.TRICHAIN_COMETBFT) ? env.TRICHAIN_COMETBFT : null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, '.tools', 'bin', 'cometbft');
    if (existsSync(p)) return p;
    dir = resolve(dir, '..');
  }
  return null;
}

export const MISSING_COMETBFT = 'CometBFT is not built here: run `npm run cometbft` (needs Go; builds the pinned release into .tools/bin)';

/** What the supervisor knows of its process, for an operator's status (node/engine-status.ts). */
export interface CometProcessState {
  running: boolean;
  pid: number | null;
  /** Crashes since it was started (a stop asked for is not one). */
  restarts: number;
  /** The last crash: when, and its exit code or signal. */
  lastExit: { time: number; code: string } | null;
  log: string;
}

export class CometProcess {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restarts = 0;
  private lastExit: CometProcessState['lastExit'] = null;
  private log: WriteStream;
  readonly logPath: string;
  private exitWaiters: (() => void)[] = [];

  constructor(
    readonly binary: string,
    readonly home: string,
    private readonly onEvent?: (line: string) => void,
  ) {
    this.logPath = join(home, 'cometbft.log');
    this.log = createWriteStream(this.logPath, { flags: 'a' });
    // A log that cannot be written (disk full, or output after close) is reported, never thrown.
    this.log.on('error', (e) => this.onEvent?.(`cometbft (${home}) log: ${e.message}`));
  }

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  state(): CometProcessState {
    return { running: this.running, pid: this.child?.pid ?? null, restarts: this.restarts, lastExit: this.lastExit, log: this.logPath };
  }

  start(): void {
    this.stopping = false;
    this.spawnOnce();
  }

  private spawnOnce(): void {
    const c = spawn(this.binary, ['start', '--home', this.home], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = c;
    c.stdout!.pipe(this.log, { end: false });
    c.stderr!.pipe(this.log, { end: false });
    // 'close', not 'exit': once its output is read to the end (after 'exit' some may still be
    // buffered in the pipes, and the log must not be closed before it is written).
    c.on('close', (code, signal) => {
      this.child = null;
      const w = this.exitWaiters;
      this.exitWaiters = [];
      w.forEach((f) => f());
      if (this.stopping) return;
      this.restarts++;
      this.lastExit = { time: Date.now(), code: String(signal ?? code) };
      const pause = Math.min(5000, 250 * 2 ** Math.min(this.restarts, 5));
      this.onEvent?.(`cometbft (${this.home}) exited (${signal ?? code}); restarting in ${pause} ms`);
      setTimeout(() => {
        if (!this.stopping && !this.child) this.spawnOnce();
      }, pause).unref();
    });
  }

  /** Kills the process without stopping supervision (tests: a crash). */
  crash(): void {
    this.child?.kill('SIGKILL');
  }

  /** Stops supervision and the process: SIGTERM (or `signal`), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping = true;
    const c = this.child;
    if (c) {
      const exited = new Promise<void>((r) => this.exitWaiters.push(r));
      c.kill(signal);
      const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    }
  }

  /** Closes the log (after stop: everything the process wrote is in it); resolves once it is on disk. */
  close(): Promise<void> {
    return new Promise((r) => this.log.end(r));
  }
}
