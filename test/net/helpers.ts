/**
 * Multi-process test helpers: real `trichain` processes (bin/trichain.mjs) on temporary data
 * folders, peers on 127.0.0.1 with ports chosen by the OS and read from the READY line. Waits
 * are on printed lines or on polled conditions, never fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'trichain.mjs');
export const PASS = 'multi-process-test-passphrase';
const ENV = { ...process.env, TRICHAIN_PASSPHRASE: PASS };

export function tempDir(prefix = 'trichain-net-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `node CMD...` in the repo with the test passphrase; rejects on a non-zero exit unless allowFail. */
export function run(cmd: string[], opts: { allowFail?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cmd, { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const r = { code: code ?? -1, out, err };
      if (code !== 0 && !opts.allowFail) reject(new Error(`${cmd.slice(-4).join(' ')} exited ${code}: ${err || out}`));
      else resolve(r);
    });
  });
}

export const cli = (args: string[], opts: { allowFail?: boolean } = {}) => run([BIN, ...args], opts);
/** Runs a TypeScript script (path from the repo root) through tsx. */
export const script = (path: string, args: string[]) => run(['--import', 'tsx', join(ROOT, path), ...args]);
export const fixture = (name: string, args: string[]) => script(join('test/net/fixtures', name), args);

export async function statusJson(dir: string): Promise<StatusJson> {
  return JSON.parse((await cli(['status', '--data', dir, '--json'])).out) as StatusJson;
}

export interface ChainStatus {
  height: number;
  head: string;
  genesis: string;
}
export interface StatusJson {
  identity: { name: string; role: string; blsPublicKey: string };
  network: string | null;
  chains: Record<'patient' | 'hospital' | 'social', ChainStatus | null>;
  pending: number;
}

export class NodeProc {
  api = '';
  peer = '';
  fingerprint = '';
  readonly lines: string[] = [];
  stderr = '';
  private waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** quiet: lines not kept (still matched by waitLine while it waits), for chatty long runs. */
  constructor(
    readonly dir: string,
    readonly child: ChildProcess,
    quiet?: RegExp,
  ) {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!quiet?.test(line)) this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          const m = w.re.exec(line);
          if (m) w.resolve(m);
          return !m;
        });
      }
    });
    child.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves with the first line (already printed or to come) matching re. */
  waitLine(re: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    for (const l of this.lines) {
      const m = re.exec(l);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} from ${this.dir}; stderr: ${this.stderr.slice(-2000)}`)), timeoutMs);
      this.waiters.push({ re, resolve: (m) => (clearTimeout(t), resolve(m)) });
      void this.exited.then((e) => reject(new Error(`node ${this.dir} exited (${e.code ?? e.signal}) while waiting for ${re}; stderr: ${this.stderr.slice(-2000)}`)));
    });
  }

  /** The node's local API (bearer token from DIR/api-token). */
  async api_<T>(path: string): Promise<T> {
    const token = readFileSync(join(this.dir, 'api-token'), 'utf8').trim();
    const r = await fetch(this.api + path, { headers: { authorization: `Bearer ${token}` } });
    const j = (await r.json()) as { ok: boolean; value: T };
    if (!j.ok) throw new Error(`local API ${path}: ${JSON.stringify(j)}`);
    return j.value;
  }

  status(): Promise<StatusJson> {
    return this.api_<StatusJson>('/status');
  }

  outbox(): Promise<{ id: string; chain: string; status: string }[]> {
    return this.api_('/outbox');
  }

  /** Height per chain (0 for a chain this node does not hold). */
  async heights(): Promise<Record<'patient' | 'hospital' | 'social', number>> {
    const s = await this.status();
    return { patient: s.chains.patient?.height ?? 0, hospital: s.chains.hospital?.height ?? 0, social: s.chains.social?.height ?? 0 };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const e = await this.exited;
    if (e.code !== 0) throw new Error(`node ${this.dir} stopped with ${e.code ?? e.signal}: ${this.stderr.slice(-2000)}`);
  }

  /** SIGTERM, and SIGKILL if it has not exited within `ms` (cleanup that never leaves a node running). */
  async stopWithin(ms = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(t);
  }

  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export async function startNode(dir: string, extra: string[] = [], opts: { quiet?: RegExp } = {}): Promise<NodeProc> {
  const child = spawn(process.execPath, [BIN, 'start', '--data', dir, '--sync-interval', '250', ...extra], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const n = new NodeProc(dir, child, opts.quiet);
  const m = await n.waitLine(/^TRICHAIN_NODE_READY api=(\S+) peer=(\S+) fingerprint=([0-9a-f]{64})$/);
  n.api = m[1];
  n.peer = m[2];
  n.fingerprint = m[3];
  return n;
}

/** Polls until check() returns a truthy value (condition waits, not fixed sleeps). */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out: ${what}${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** init --join, join INVITE, admit on the admitting node; returns the joiner's directory. */
export async function joinNetwork(args: { inviterDir: string; invite: string; role: 'hospital' | 'patient' | 'entity'; name: string; kind?: string }): Promise<string> {
  const dir = join(tempDir(), 'node');
  await cli(['init', '--data', dir, '--role', args.role, '--name', args.name, ...(args.role === 'hospital' ? ['--join'] : []), ...(args.kind ? ['--kind', args.kind] : [])]);
  const j = await cli(['join', args.invite, '--data', dir]);
  const line = j.out.trim().split('\n').pop()!;
  if (!line.startsWith('trichain-peer:')) throw new Error(`join printed no peer line: ${j.out}`);
  await cli(['admit', line, '--data', args.inviterDir, ...(args.kind ? ['--kind', args.kind] : [])]);
  return dir;
}

export async function foundNetwork(name: string): Promise<string> {
  const dir = join(tempDir(), 'node');
  await cli(['init', '--data', dir, '--role', 'hospital', '--name', name]);
  return dir;
}

export async function invite(dir: string): Promise<string> {
  return (await cli(['invite', '--data', dir])).out.trim();
}
