import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web-mode bundle: `cairn serve` serves dist/web. Relative asset paths, so any host path works.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
});
