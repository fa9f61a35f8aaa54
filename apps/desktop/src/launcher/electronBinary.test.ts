import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findElectronBinary, missingElectronMessage } from './electronBinary.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function electronPackage(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-electron-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '45.5.0' }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('npm start: finding Electron', () => {
  it('says the binary is missing (and points to npm run web) when Electron was installed without it', () => {
    const binary = findElectronBinary(electronPackage({}), undefined);
    expect(binary).toEqual({ found: false, version: '45.5.0', reason: 'the Electron 45.5.0 binary has not been downloaded (node_modules/electron/dist is missing)' });
    if (binary.found) throw new Error('unreachable');
    const message = missingElectronMessage(binary);
    expect(message).toContain('npm run web');
    expect(message).toContain('npx install-electron');
  });

  it('finds a downloaded binary, or one under ELECTRON_OVERRIDE_DIST_PATH', () => {
    const dir = electronPackage({ 'path.txt': 'electron', 'dist/electron': '' });
    expect(findElectronBinary(dir, undefined)).toEqual({ found: true, path: join(dir, 'dist', 'electron'), version: '45.5.0' });
    const elsewhere = electronPackage({ 'custom/electron': '' });
    expect(findElectronBinary(dir, join(elsewhere, 'custom'))).toMatchObject({ found: true, path: join(elsewhere, 'custom', 'electron') });
    expect(findElectronBinary(undefined, undefined)).toMatchObject({ found: false, reason: 'the electron package is not installed' });
  });
});
