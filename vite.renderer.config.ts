import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import type { RollupLog } from 'rollup';

// zod's sources carry /* @__PURE__ */ comments in positions Rollup ignores; the warning is noise.
export function quietZod(log: RollupLog, warn: (log: RollupLog) => void) {
  if (log.code === 'INVALID_ANNOTATION' && log.id?.includes('node_modules/zod')) return;
  warn(log);
}

// The renderer build: out/renderer, served by the browser host (npm run build:renderer) and, as
// the renderer part of electron.vite.config.ts, loaded by the Electron window.
export const rendererConfig = {
  root: resolve(__dirname, 'src-renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(__dirname, 'out/renderer'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html'), onwarn: quietZod },
  },
};

export default defineConfig(rendererConfig);
