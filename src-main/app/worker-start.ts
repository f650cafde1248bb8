/**
 * How the engine starts one of its worker threads (ENGINE_WORKERS in vite.engine.config.ts): the
 * built engine runs the .js file beside the calling module; from the TypeScript sources (tsx,
 * vitest) the .ts file is started through tsx's ESM loader, registered inside the worker (its
 * location handed over as `workerData.boot`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Starts the worker `name` (a file beside `from`, an import.meta.url) with `workerData` and the given options. */
export function startWorker(from: string, name: string, workerData: Record<string, unknown>, opts: Omit<WorkerOptions, 'eval' | 'workerData'> = {}): Worker {
  const fromSource = from.endsWith('.ts');
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, from);
  if (!fromSource) return new Worker(entry, { ...opts, workerData });
  // tsx's ESM API, found through its package.json exports (its `require` resolution names the CJS file).
  const req = createRequire(from);
  const pkgFile = req.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const tsx = pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
  const boot = `const { workerData } = require('node:worker_threads');
import(workerData.boot.tsx).then((m) => { m.register(); return import(workerData.boot.entry); });`;
  return new Worker(boot, { ...opts, eval: true, workerData: { ...workerData, boot: { tsx, entry: entry.href } } });
}
