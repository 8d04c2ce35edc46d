// Renderer build: static files loaded from file:// in Electron (relative asset paths) under a
// strict CSP, so nothing inline: no modulepreload polyfill, CSS extracted to files.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const rendererDir = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: rendererDir,
  base: './',
  // Vite 8 transforms TSX with Oxc; the automatic runtime means no `import React` in every file.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome130',
    modulePreload: { polyfill: false },
    // Never inline assets as data: URIs except images (allowed by img-src data:); keep fonts as files.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
  },
  server: { port: 5173, strictPort: false },
});
