#!/usr/bin/env node
// `npm start` (from the root or here): builds everything the app needs, then launches Electron — or, where
// the Electron binary is missing, says so and points to `npm run web`. `--build-only` stops after the build.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repoRoot = join(appDir, '..', '..');
const run = (command, args, cwd) => {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], repoRoot);
run(process.execPath, [join(appDir, 'scripts', 'buildDesktop.mjs')], appDir);
const args = process.argv.slice(2);
if (args.includes('--build-only')) process.exit(0);
const { start } = await import('../dist/launcher/start.js');
process.exitCode = await start(args);
