// Finds the Electron binary without triggering its download (`require('electron')` would try to fetch
// it), and says clearly what to do when it is not there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { readonly found: true; readonly path: string; readonly version: string } | { readonly found: false; readonly reason: string; readonly version: string | undefined };

/** `electronDir` is node_modules/electron. Electron ≥ 45 fetches its binary on first use, into dist/. */
export function findElectronBinary(electronDir: string | undefined, overrideDist = process.env.ELECTRON_OVERRIDE_DIST_PATH): ElectronBinary {
  if (!electronDir || !existsSync(join(electronDir, 'package.json'))) return { found: false, reason: 'the electron package is not installed', version: undefined };
  const version = (JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')) as { version: string }).version;
  const pathFile = join(electronDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (overrideDist) {
    const path = join(overrideDist, relative ?? 'electron');
    return existsSync(path) ? { found: true, path, version } : { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron at ${path}`, version };
  }
  if (!relative) return { found: false, reason: `the Electron ${version} binary has not been downloaded (node_modules/electron/dist is missing)`, version };
  const path = join(electronDir, 'dist', relative);
  return existsSync(path) ? { found: true, path, version } : { found: false, reason: `the Electron binary is missing at ${path}`, version };
}

export function missingElectronMessage(binary: Extract<ElectronBinary, { found: false }>): string {
  return [
    `Cairn's desktop app cannot start: ${binary.reason}.`,
    '',
    '  • Where the network allows it, fetch the binary with:  npx install-electron',
    '    (or point ELECTRON_OVERRIDE_DIST_PATH at an Electron you have), then run npm start again.',
    '  • Or use the same app in your browser, no Electron needed:  npm run web',
  ].join('\n');
}
