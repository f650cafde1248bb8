import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { RollupLog } from 'rollup';

// zod's sources carry /* @__PURE__ */ comments in positions Rollup ignores; the warning is noise.
function quietZod(log: RollupLog, warn: (log: RollupLog) => void) {
  if (log.code === 'INVALID_ANNOTATION' && log.id?.includes('node_modules/zod')) return;
  warn(log);
}

// electron-vite builds the three parts of the Electron app into out/:
//   out/main/index.js      Electron main process (src-main/electron/main.ts; ESM, deps external)
//   out/preload/index.cjs  preload (sandboxed, so CommonJS with everything bundled in)
//   out/renderer/          the React UI (src-renderer/index.html), also served by the browser host
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(__dirname, 'src-main/electron/main.ts') }, onwarn: quietZod },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
        onwarn: quietZod,
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html'), onwarn: quietZod },
    },
  },
});
