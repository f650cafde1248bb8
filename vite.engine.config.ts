import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { quietZod } from './vite.renderer.config';

// The node engine as built JavaScript: out/engine/src-main/host/main.js and the modules it imports,
// one output file per source file (preserveModules), so every path a module resolves next to itself
// (the numbered migrations, the demo's bundles, package.json three levels above src-main/app/handlers) holds in
// out/engine as it does in the sources. Dependencies stay external (better-sqlite3 is native).
// Worker entries (ENGINE_WORKERS) are inputs too, so they are emitted at their own path.
// `npm run build` emits it beside main, preload and renderer; `npm start` rebuilds it when stale.

export const ENGINE_OUT = resolve(__dirname, 'out/engine');
export const ENGINE_ENTRY = 'src-main/host/main.ts';
/** Worker threads started by path (new Worker(new URL('./x.js', import.meta.url))): entries of their own. */
export const ENGINE_WORKERS = ['src-main/app/signature-worker.ts', 'src-main/app/chart-warm-worker.ts'];

/** Files read at run time next to their module, copied to the same relative place. */
const RUNTIME_FILES: { dir: string; match: RegExp }[] = [
  { dir: 'src-main/storage/migrations', match: /^\d{4}-[a-z0-9-]+\.sql$/ },
  { dir: 'src-main/emr/demo/bundles', match: /\.json$/ },
];

function runtimeFiles(): Plugin {
  return {
    name: 'trichain-engine-runtime-files',
    writeBundle() {
      for (const { dir, match } of RUNTIME_FILES) {
        mkdirSync(join(ENGINE_OUT, dir), { recursive: true });
        for (const f of readdirSync(resolve(__dirname, dir))) if (match.test(f)) cpSync(resolve(__dirname, dir, f), join(ENGINE_OUT, dir, f));
      }
      // out/engine/package.json: ESM for Node, and the version the app reports.
      const { version } = JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as { version: string };
      writeFileSync(join(ENGINE_OUT, 'package.json'), JSON.stringify({ name: 'trichain-engine', private: true, type: 'module', version }, null, 2) + '\n');
    },
  };
}

export default defineConfig({
  logLevel: 'warn',
  plugins: [runtimeFiles()],
  build: {
    ssr: true,
    outDir: ENGINE_OUT,
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    minify: false,
    rollupOptions: {
      onwarn: quietZod,
      input: [ENGINE_ENTRY, ...ENGINE_WORKERS].map((f) => resolve(__dirname, f)),
      output: { format: 'es', preserveModules: true, preserveModulesRoot: __dirname, entryFileNames: '[name].js' },
    },
  },
});
