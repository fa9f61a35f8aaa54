#!/usr/bin/env node
// Builds the web-mode bundle (dist/web) with Vite, unless it is newer than every source file.
// Run by `npm install` (root `prepare`), `npm test`, `npm run web` and `npm start`; `--force` always builds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const marker = join(root, 'dist', 'web', 'index.html');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const name of readdirSync(path)) {
    if (name === 'e2e') continue; // Node-side tests and benchmarks are not in the bundle
    latest = Math.max(latest, newest(join(path, name)));
  }
  return latest;
}

const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(root, p));
const force = process.argv.includes('--force');
if (!force && existsSync(marker) && statSync(marker).mtimeMs >= Math.max(...sources.map(newest))) {
  process.stdout.write('ui: dist/web is up to date\n');
} else {
  const started = performance.now();
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  process.stdout.write(`ui: built dist/web in ${Math.round(performance.now() - started)} ms\n`);
}
