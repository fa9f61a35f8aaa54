#!/usr/bin/env node
// A committed launcher, so npm can link the command before the build exists; it runs the built server.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('cairn-sync-server is not built yet: run `npm install` (or `npm run build`) in the Cairn folder first.\n');
  process.exit(1);
}
await import(main);
