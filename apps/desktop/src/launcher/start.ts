// `npm start`: after the build, launch Electron on the app, or explain why not and point to web mode.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary, missingElectronMessage } from './electronBinary.js';

const appDir = dirname(dirname(dirname(fileURLToPath(import.meta.url)))); // apps/desktop
const require = createRequire(join(appDir, 'package.json'));

function packageDir(name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * better-sqlite3 built for Electron's ABI, in its own folder, so the Node build that `npm test` uses stays
 * as it is. The engine process loads it through CAIRN_SQLITE_BINDING.
 */
function electronSqliteBinding(electronVersion: string): string | undefined {
  const source = packageDir('better-sqlite3');
  if (!source) return undefined;
  const target = join(appDir, '.electron-native', electronVersion, 'better-sqlite3');
  const binary = join(target, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binary)) return binary;
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true, filter: (path) => !path.includes(`${join('better-sqlite3', 'build')}`) });
  process.stderr.write(`cairn: building better-sqlite3 for Electron ${electronVersion} (once)…\n`);
  const prebuild = join(dirname(require.resolve('prebuild-install/package.json')), 'bin.js');
  const result = spawnSync(process.execPath, [prebuild, '--runtime', 'electron', '--target', electronVersion], { cwd: target, stdio: 'inherit' });
  if (result.status !== 0) {
    const gyp = spawnSync('npx', ['--yes', 'node-gyp', 'rebuild', '--release', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'], { cwd: target, stdio: 'inherit' });
    if (gyp.status !== 0) return undefined;
  }
  return existsSync(binary) ? binary : undefined;
}

export function start(argv: readonly string[]): number | Promise<number> {
  const binary = findElectronBinary(packageDir('electron'));
  if (!binary.found) {
    process.stderr.write(`${missingElectronMessage(binary)}\n`);
    return 1;
  }
  const binding = electronSqliteBinding(binary.version);
  if (!binding) {
    process.stderr.write('cairn: could not build better-sqlite3 for Electron; run `npm run web` to use Cairn in your browser.\n');
    return 1;
  }
  const child = spawn(binary.path, [appDir, ...argv], { stdio: 'inherit', env: { ...process.env, CAIRN_SQLITE_BINDING: binding } });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}
