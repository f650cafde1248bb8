import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { quietZod, rendererConfig } from './vite.renderer.config';

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
        input: { index: resolve(__dirname, 'src-main/electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
        onwarn: quietZod,
      },
    },
  },
  renderer: rendererConfig,
});
