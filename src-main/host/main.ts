/**
 * Entry of the node engine + browser host process:
 *
 *   node out/engine/src-main/host/main.js [--data DIR] [--port N] [--renderer DIR] [--exit-with-stdin]
 *
 * (built by `npm run build` / `npm start`; in development `node --import tsx src-main/host/main.ts`).
 * Starts the node engine (`createService` from src-main/app/service.ts), serves the renderer and the
 * API on 127.0.0.1, and prints `TRICHAIN_READY url=… port=…` once it serves. The session token comes
 * from the TRICHAIN_TOKEN environment variable (the Electron main process passes one per run);
 * otherwise the port and token are remembered in DATA/host.json (host/address.ts), so the browser
 * tab keeps working across restarts. --port / TRICHAIN_PORT choose the port (0: any free one).
 * Electron starts this process with --exit-with-stdin, so it ends when Electron does.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs as parseArgv } from 'node:util';
import { READY_PREFIX, type ApiHandlers, type TrichainEvent } from '../../src-shared/api';
import { createService, type ServiceOptions } from '../app/service';
import { startHost, type Host } from './server';
import { defaultDataDir } from './paths';
import { readHostAddress, writeHostAddress } from './address';

/** The engine behind the host: app/service.ts's createService, or a test's stand-in. */
export type ServiceFactory = (opts: ServiceOptions) => Promise<Partial<ApiHandlers> & { close(): Promise<void> }>;

export interface HostArgs {
  dataDir: string;
  /** undefined: the remembered port, else any free one. */
  port: number | undefined;
  rendererDir: string;
  exitWithStdin: boolean;
}

/** The project root: two levels above src-main/host, four above the built out/engine/src-main/host. */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILT = path.basename(path.resolve(HERE, '../..')) === 'engine' && path.basename(path.resolve(HERE, '../../..')) === 'out';
const ROOT = BUILT ? path.resolve(HERE, '../../../..') : path.resolve(HERE, '../..');

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): HostArgs {
  const { values } = parseArgv({
    args: argv,
    strict: true,
    options: { data: { type: 'string' }, port: { type: 'string' }, renderer: { type: 'string' }, 'exit-with-stdin': { type: 'boolean' } },
  });
  const args: HostArgs = {
    dataDir: values.data ?? (env.TRICHAIN_DATA || defaultDataDir()),
    port: values.port !== undefined ? Number(values.port) : env.TRICHAIN_PORT ? Number(env.TRICHAIN_PORT) : undefined,
    rendererDir: values.renderer ?? path.join(ROOT, 'out', 'renderer'),
    exitWithStdin: values['exit-with-stdin'] ?? false,
  };
  if (args.port !== undefined && (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535)) throw new Error('--port must be 0..65535');
  args.dataDir = path.resolve(args.dataDir);
  return args;
}

/** Start engine + host; used by this entry and by test fixtures that bring their own factory. */
export async function run(args: HostArgs, factory: ServiceFactory, log: (line: string) => void = console.log) {
  mkdirSync(args.dataDir, { recursive: true });
  let host: Host | undefined;
  const early: TrichainEvent[] = [];
  const service = await factory({
    dataDir: args.dataDir,
    emit: (e) => (host ? host.broadcast(e) : early.length < 1000 && early.push(e)),
  });
  const ownToken = process.env.TRICHAIN_TOKEN || undefined;
  const saved = ownToken ? null : readHostAddress(args.dataDir);
  const port = args.port ?? saved?.port ?? 0;
  const token = ownToken ?? saved?.token;
  try {
    host = await startHost({ handlers: service, rendererDir: args.rendererDir, port, token });
  } catch (e) {
    // The remembered port is taken (another program, or Trichain already running on this folder).
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || args.port !== undefined) {
      await service.close().catch(() => {});
      throw new Error((e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${port} is in use (is Trichain already running? choose another with --port or TRICHAIN_PORT)` : (e as Error).message);
    }
    log(`Port ${port} is in use (is Trichain already running on this data folder?); serving on another port instead.`);
    host = await startHost({ handlers: service, rendererDir: args.rendererDir, port: 0, token });
  }
  if (!ownToken) writeHostAddress(args.dataDir, { port: host.port, token: host.token });
  for (const e of early.splice(0)) host.broadcast(e);
  log(`Trichain is serving at ${host.url}`);
  log(`Data folder: ${args.dataDir}`);
  log(`Stop with Ctrl+C here, or \`kill ${process.pid}\` from another terminal (the data stays in the data folder; the next start reopens it at the same address).`);
  log(`${READY_PREFIX} url=${host.url} port=${host.port}`);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await host?.close().catch(() => {});
    await service.close().catch(() => {});
  };
  return { host, service, shutdown };
}

async function main() {
  let args: HostArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`trichain host: ${(e as Error).message}`);
    process.exit(2);
  }
  try {
    const { shutdown } = await run(args, createService);
    const stop = () => void shutdown().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (args.exitWithStdin) {
      process.stdin.on('end', stop);
      process.stdin.on('close', stop);
      process.stdin.resume();
    }
  } catch (e) {
    console.error(`trichain host: ${(e as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
