import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCairnError } from '../errors/cairnError.js';
import { checkDataDirChoice, DataDirRegistry, dataDirRegistryFile } from './dataDirRegistry.js';

let tmp: string;
let file: string;
let clock: number;
const registry = (options: ConstructorParameters<typeof DataDirRegistry>[1] = {}) => new DataDirRegistry(file, { now: () => new Date(clock++ * 1000), ...options });
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return isCairnError(error) ? error.code : `not a CairnError: ${String(error)}`;
  }
  return 'no error';
};
const dataDir = (name: string) => {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cairn.db'), '');
  return dir;
};

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cairn-dirs-'));
  file = join(tmp, 'config', 'data-dirs.json');
  clock = 1_700_000_000;
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('the list of data directories', () => {
  it('records opened directories, newest first, keeping a name and the linked workspace', () => {
    const work = dataDir('work');
    const home = dataDir('home');
    const list = registry();
    list.recordOpened(work, { workspace: { server: 'https://sync.example.com', workspace: 'team' } });
    list.recordOpened(home);
    expect(list.list().dirs.map((d) => [d.name, d.exists])).toEqual([
      ['home', true],
      ['work', true],
    ]);
    // Opened again without knowing its link (the CLI before a sync): the link seen before stays.
    list.recordOpened(work);
    const [first] = registry().list().dirs;
    expect(first).toMatchObject({ path: work, name: 'work', workspace: { server: 'https://sync.example.com', workspace: 'team' } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('forgets a directory without touching the folder, and marks a folder that is gone', () => {
    const a = dataDir('a');
    const b = dataDir('b');
    const list = registry();
    list.recordOpened(a);
    list.recordOpened(b);
    rmSync(b, { recursive: true });
    expect(list.list().dirs.find((d) => d.path === b)?.exists).toBe(false);
    expect(list.forget(a)).toBe(true);
    expect(list.forget(a)).toBe(false);
    expect(list.list().dirs.map((d) => d.path)).toEqual([b]);
    expect(readdirSync(a)).toEqual(['cairn.db']);
  });

  it('moves a list that is not valid JSON aside (never deletes it) and starts a new one', () => {
    mkdirSync(join(tmp, 'config'));
    writeFileSync(file, '{"version":1,"dirs":[{"path":"/x"'); // cut off mid-write by something else
    const list = registry();
    const listing = list.list();
    expect(listing.dirs).toEqual([]);
    expect(listing.recoveredFrom).toMatch(/data-dirs\.json\.broken-/);
    expect(readFileSync(listing.recoveredFrom!, 'utf8')).toBe('{"version":1,"dirs":[{"path":"/x"');
    list.recordOpened(dataDir('after'));
    expect(list.list().dirs.map((d) => d.name)).toEqual(['after']);
    expect(list.list().recoveredFrom).toBeUndefined();
  });

  it('moves aside JSON that is not a list of directories, and refuses to rewrite a newer format', () => {
    mkdirSync(join(tmp, 'config'));
    writeFileSync(file, '[1, 2, 3]');
    expect(registry().list().recoveredFrom).toBeDefined();
    writeFileSync(file, '{"version": 99, "dirs": [], "more": "from a later Cairn"}');
    expect(codeOf(() => registry().recordOpened(dataDir('x')))).toBe('unsupported');
    expect(readFileSync(file, 'utf8')).toContain('from a later Cairn');
  });

  it('waits for a lock held by another writer, and breaks a stale one', () => {
    mkdirSync(join(tmp, 'config'));
    writeFileSync(`${file}.lock`, '');
    expect(codeOf(() => registry({ lockTimeoutMs: 50, staleLockMs: 60_000 }).recordOpened(dataDir('x')))).toBe('busy');
    const old = new Date(Date.now() - 120_000);
    utimesSync(`${file}.lock`, old, old);
    registry({ lockTimeoutMs: 50 }).recordOpened(dataDir('x'));
    expect(registry().list().dirs.map((d) => d.name)).toEqual(['x']);
  });

  it('does not lose an update when two writers interleave (each reads under the lock)', () => {
    // Two hosts hold their own registry object on the same file: one's earlier read must not overwrite the other.
    const one = registry();
    const two = registry();
    one.list();
    two.recordOpened(dataDir('two'));
    one.recordOpened(dataDir('one'));
    expect(registry().list().dirs.map((d) => d.name).sort()).toEqual(['one', 'two']);
    expect(readdirSync(join(tmp, 'config'))).toEqual(['data-dirs.json']);
  });

  it('loses no update when several processes write at once (the lock file serializes them)', async () => {
    // Four processes each record 60 directories as fast as they can; without the lock most updates would be lost
    // (each would write back the list it read, missing the others' rows). They run the built module, as hosts do.
    const built = fileURLToPath(new URL('../../dist/store/dataDirRegistry.js', import.meta.url));
    expect(existsSync(built), 'build packages/core first (npm run build)').toBe(true);
    const script = `import { DataDirRegistry } from ${JSON.stringify(built)};
      const registry = new DataDirRegistry(process.argv[1], { lockTimeoutMs: 30000 });
      for (let i = 0; i < 60; i++) registry.recordOpened('/dirs/' + process.argv[2] + '-' + i);`;
    const codes = await Promise.all(
      ['a', 'b', 'c', 'd'].map(
        (who) =>
          new Promise<number | null>((done) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', script, file, who], { stdio: 'inherit' });
            child.on('close', done);
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(registry().list().dirs).toHaveLength(240);
  });

  it('lives in CAIRN_CONFIG_DIR, else XDG_CONFIG_HOME, else ~/.config', () => {
    expect(dataDirRegistryFile({ CAIRN_CONFIG_DIR: '/c', XDG_CONFIG_HOME: '/x' }, 'linux', '/home/me')).toBe('/c/data-dirs.json');
    expect(dataDirRegistryFile({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/me')).toBe('/x/cairn/data-dirs.json');
    expect(dataDirRegistryFile({}, 'darwin', '/Users/me')).toBe('/Users/me/.config/cairn/data-dirs.json');
  });
});

describe('choosing a data directory', () => {
  it('says what is wrong with a choice', () => {
    const file = join(tmp, 'notes.txt');
    writeFileSync(file, 'x');
    mkdirSync(join(tmp, 'photos'));
    writeFileSync(join(tmp, 'photos', 'a.jpg'), 'x');
    mkdirSync(join(tmp, 'empty'));
    const existing = dataDir('existing');
    expect(codeOf(() => checkDataDirChoice('', 'open'))).toBe('validation');
    expect(codeOf(() => checkDataDirChoice('relative/dir', 'open'))).toBe('validation');
    expect(codeOf(() => checkDataDirChoice(join(tmp, 'missing'), 'open'))).toBe('not_found');
    expect(codeOf(() => checkDataDirChoice(file, 'open'))).toBe('validation');
    expect(codeOf(() => checkDataDirChoice(file, 'create'))).toBe('validation');
    expect(codeOf(() => checkDataDirChoice(join(tmp, 'photos'), 'open'))).toBe('validation');
    expect(codeOf(() => checkDataDirChoice(join(tmp, 'photos'), 'create'))).toBe('validation');
    expect(codeOf(() => checkDataDirChoice(join(tmp, 'empty'), 'open'))).toBe('validation');
    expect(codeOf(() => checkDataDirChoice(existing, 'create'))).toBe('conflict');
    expect(checkDataDirChoice(existing, 'open')).toBe(existing);
    expect(checkDataDirChoice(join(tmp, 'empty'), 'create')).toBe(join(tmp, 'empty'));
    expect(checkDataDirChoice(join(tmp, 'new', 'one'), 'create')).toBe(join(tmp, 'new', 'one'));
  });
});
