import react from '@vitejs/plugin-react';
import { join } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

// The renderer (the shared UI over the preload bridge) and the preload script. A sandboxed preload
// cannot load other files, so it is bundled into one CommonJS file with only `electron` left outside.
export default defineConfig(({ mode }) =>
  mode === 'preload'
    ? {
        build: {
          outDir: join(here, 'dist/preload'),
          emptyOutDir: true,
          target: 'node20',
          minify: false,
          lib: { entry: join(here, 'src/preload/preload.ts'), formats: ['cjs'], fileName: () => 'preload.cjs' },
          rolldownOptions: { external: ['electron'] },
        },
      }
    : {
        root: join(here, 'src/renderer'),
        base: './',
        plugins: [react()],
        build: { outDir: join(here, 'dist/renderer'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
      },
);
