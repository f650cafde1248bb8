/**
 * Entry of the node engine + browser host process:
 *
 *   node --import tsx src-main/host/main.ts [--data DIR] [--port N] [--renderer DIR] [--exit-with-stdin]
 *
 * Starts the node engine (`createService` from src-main/app/service.ts), serves the renderer and the
 * API on 127.0.0.1, and prints `TRICHAIN_READY url=… port=…` once it serves. The session token comes
 * from the TRICHAIN_TOKEN environment variable (the Electron main process passes one) or is random.
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

/** The engine behind the host: app/service.ts's createService, or a test's stand-in. */
export type ServiceFactory = (opts: ServiceOptions) => Promise<Partial<ApiHandlers> & { close(): Promise<void> }>;

export interface HostArgs {
  dataDir: string;
  port: number;
  rendererDir: string;
  exitWithStdin: boolean;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): HostArgs {
  const { values } = parseArgv({
    args: argv,
    strict: true,
    options: { data: { type: 'string' }, port: { type: 'string' }, renderer: { type: 'string' }, 'exit-with-stdin': { type: 'boolean' } },
  });
  const args: HostArgs = {
    dataDir: values.data ?? (env.TRICHAIN_DATA || defaultDataDir()),
    port: values.port !== undefined ? Number(values.port) : Number(env.TRICHAIN_PORT ?? 0) || 0,
    rendererDir: values.renderer ?? path.join(ROOT, 'out', 'renderer'),
    exitWithStdin: values['exit-with-stdin'] ?? false,
  };
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error('--port must be 0..65535');
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
  host = await startHost({ handlers: service, rendererDir: args.rendererDir, port: args.port, token: process.env.TRICHAIN_TOKEN || undefined });
  for (const e of early.splice(0)) host.broadcast(e);
  log(`Trichain is serving at ${host.url}`);
  log(`Data folder: ${args.dataDir}`);
  log('Stop with Ctrl+C (the data stays in the data folder; the next start reopens it).');
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
