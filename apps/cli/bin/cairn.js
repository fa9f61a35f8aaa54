#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (the root `prepare` script runs `tsc -b`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('cairn: the CLI is not built yet; run `npm install` (or `npm run build`) at the repository root\n');
  process.exit(1);
}
await import(entry.href);
