#!/usr/bin/env node
// Bundles the renderer and the preload with Vite (main and the engine process are built by `tsc -b`).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const configFile = join(root, 'vite.config.ts');
for (const mode of ['renderer', 'preload']) {
  await build({ configFile, mode, logLevel: 'warn' });
}
process.stdout.write('desktop: built dist/renderer and dist/preload\n');
