import { defineConfig } from 'vite';

// The workbench's browser app: web/ → dist/web (served by `spincell serve`; built by `npm run build`).
export default defineConfig({
  root: 'web',
  base: '/',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
});
