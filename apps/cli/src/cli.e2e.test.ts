import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './testing/runCli.js';

let tmp: { path: string; remove: () => void };
const makeTempDir = (prefix: string) => {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
};
let data: string;
let n = 0;
const freshDir = () => join(tmp.path, `data-${n++}`);
const cairn = (...args: string[]) => runCli(['--data', data, ...args]);

beforeAll(() => {
  tmp = makeTempDir('cairn-cli-');
  data = freshDir();
});
afterAll(() => tmp.remove());

describe('cairn: notes and their history', () => {
  it('adds, edits, shows, lists, keeps history, reverts, deletes and restores', () => {
    const added = cairn('add', '--title', 'Trip to 北京', '--body', 'pack bags', '--tag', 'Travel', '--json');
    expect(added.code).toBe(0);
    const { id, version } = added.json<{ id: string; version: number }>();
    expect(version).toBe(1);
    expect(cairn('add', '--title', 'Plain id output').stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);

    expect(cairn('edit', id, '--body', 'pack bags and passport', '--tag', 'todo', '--untag', 'travel', '--json').json()).toEqual({ id, version: 2, changed: true });
    expect(cairn('edit', id, '--body', 'pack bags and passport', '--json').json()).toEqual({ id, version: 2, changed: false });

    const shown = cairn('show', id, '--json').json<{ body: string; tags: string[]; version: number }>();
    expect(shown).toMatchObject({ body: 'pack bags and passport', tags: ['todo'], version: 2 });
    expect(cairn('show', id, '--version', '1', '--json').json()).toMatchObject({ body: 'pack bags', tags: ['travel'], version: 1 });
    expect(cairn('show', id).stdout).toContain('Trip to 北京');

    const history = cairn('history', id, '--json').json<{ id: string; versions: { version: number; eventType: string; fields: string[]; actorId: string; deviceId: string; at: string }[] }>();
    expect(history.versions.map((v) => [v.version, v.eventType, v.fields])).toEqual([
      [1, 'EntryCreated', ['title', 'body', 'tags', 'kind']],
      [2, 'EntryUpdated', ['body', 'tags']],
    ]);
    expect(history.versions[0]!.deviceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(cairn('history', id).stdout).toMatch(/VERSION\s+TIME\s+CHANGE\s+ACTOR\s+DEVICE\s+FIELDS/);

    expect(cairn('revert', id, '--to-version', '1', '--json').json()).toEqual({ id, version: 3, changed: true });
    expect(cairn('show', id, '--json').json()).toMatchObject({ body: 'pack bags', tags: ['travel'], version: 3 });

    expect(cairn('rm', id).code).toBe(0);
    expect(cairn('list', '--json').json<{ entries: { id: string }[] }>().entries.map((e) => e.id)).not.toContain(id);
    expect(cairn('list', '--deleted', '--json').json<{ entries: { id: string }[] }>().entries.map((e) => e.id)).toEqual([id]);
    expect(cairn('restore', id).code).toBe(0);
    expect(cairn('list', '--tag', 'travel', '--json').json<{ total: number }>().total).toBe(1);
  });

  it('reads the body from a file in UTF-8 or UTF-16 with a byte-order mark, or from stdin', () => {
    const utf8 = join(tmp.path, 'utf8.md');
    writeFileSync(utf8, '\uFEFF# 标题\nbody');
    const utf16 = join(tmp.path, 'utf16.md');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('同步 sync', 'utf16le')]));
    const a = cairn('add', '--title', 'from utf8', '--body-file', utf8, '--json').json<{ id: string }>();
    const b = cairn('add', '--title', 'from utf16', '--body-file', utf16, '--json').json<{ id: string }>();
    const c = runCli(['--data', data, 'add', '--title', 'from stdin', '--body-file', '-', '--json'], { input: 'piped text' }).json<{ id: string }>();
    expect(cairn('show', a.id, '--json').json()).toMatchObject({ body: '# 标题\nbody' });
    expect(cairn('show', b.id, '--json').json()).toMatchObject({ body: '同步 sync' });
    expect(cairn('show', c.id, '--json').json()).toMatchObject({ body: 'piped text' });
  });

  it('prints the raw log as JSON lines, and a rebuild reproduces the read models', () => {
    const lines = cairn('log', '--json').stdout.trim().split('\n').map((l) => JSON.parse(l) as { position: number; type: string });
    expect(lines.map((e) => e.position)).toEqual(lines.map((_, i) => i + 1));
    expect(cairn('log', '--after', '2', '--limit', '1', '--json').stdout.trim().split('\n')).toHaveLength(1);
    const before = cairn('status', '--json').json<{ digest: string; events: number; entries: number }>();
    const rebuilt = cairn('rebuild', '--json').json<{ events: number; entries: number; digest: string }>();
    expect(rebuilt).toEqual({ events: before.events, entries: before.entries, digest: before.digest });
  });
});

describe('cairn: bad input gets one clear line and changes nothing', () => {
  function expectRefusal(result: ReturnType<typeof runCli>, code: number, message: RegExp): void {
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  }
  const eventsNow = () => cairn('status', '--json').json<{ events: number }>().events;

  it('unknown commands and flags', () => {
    const before = eventsNow();
    expectRefusal(cairn('frobnicate'), 2, /unknown command "frobnicate"/);
    expectRefusal(cairn('add', '--title', 'x', '--colour', 'red'), 2, /unknown option '--colour'/);
    expectRefusal(runCli(['--verbose', 'list']), 2, /unknown option --verbose/);
    expectRefusal(cairn('list', '--limit', 'ten'), 2, /--limit must be a whole number/);
    expectRefusal(cairn('list', '--kind', 'poem'), 2, /--kind must be one of note, document/);
    expect(eventsNow()).toBe(before);
  });

  it('missing or unknown ids', () => {
    expectRefusal(cairn('show'), 2, /show needs an entry id/);
    expectRefusal(cairn('edit', '--title', 'x'), 2, /edit needs an entry id/);
    expectRefusal(cairn('revert', '0190f5e2-0000-7000-8000-000000000001'), 2, /revert needs --to-version/);
    expectRefusal(cairn('show', '0190f5e2-0000-7000-8000-000000000001'), 3, /no entry with id/);
    expectRefusal(cairn('rm', 'not-an-id'), 2, /not a valid id/);
  });

  it('a body file that is not UTF-8 text', () => {
    const before = eventsNow();
    const latin1 = join(tmp.path, 'latin1.txt');
    writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0xfe, 0x00, 0x81]));
    expectRefusal(cairn('add', '--title', 'x', '--body-file', latin1), 2, /is not valid UTF-8/);
    expectRefusal(cairn('add', '--title', 'x', '--body-file', join(tmp.path, 'missing.txt')), 2, /no such file/);
    expect(eventsNow()).toBe(before);
  });

  it('errors as JSON on stderr with --json', () => {
    const result = cairn('--json', 'show', '0190f5e2-0000-7000-8000-000000000001');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'not_found', message: expect.stringContaining('no entry') } });
  });

  it('a folder that is not a Cairn data directory', () => {
    const folder = freshDir();
    mkdirSync(folder);
    writeFileSync(join(folder, 'thesis.docx'), 'precious');
    expectRefusal(runCli(['--data', folder, 'list']), 7, /is not a Cairn data directory/);
    expect(readdirSync(folder)).toEqual(['thesis.docx']);
  });

  it('a cairn.db that belongs to another program', () => {
    const folder = freshDir();
    mkdirSync(folder);
    const db = new BetterSqlite3(join(folder, 'cairn.db'));
    db.exec('CREATE TABLE photos (name TEXT)');
    db.close();
    const before = statSync(join(folder, 'cairn.db')).mtimeMs;
    expectRefusal(runCli(['--data', folder, 'add', '--title', 'x']), 7, /is not a Cairn database/);
    expect(statSync(join(folder, 'cairn.db')).mtimeMs).toBe(before);
  });

  it('a database from a newer version of Cairn', () => {
    const folder = freshDir();
    expect(runCli(['--data', folder, 'add', '--title', 'x']).code).toBe(0);
    const db = new BetterSqlite3(join(folder, 'cairn.db'));
    db.pragma('user_version = 7');
    db.close();
    expectRefusal(runCli(['--data', folder, 'list']), 7, /newer version of Cairn \(schema 7/);
    const check = new BetterSqlite3(join(folder, 'cairn.db'), { readonly: true });
    expect(check.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    check.close();
  });

  it('a read-only data directory', () => {
    const folder = freshDir();
    expect(runCli(['--data', folder, 'add', '--title', 'kept']).code).toBe(0);
    // As root, permissions do not stop writes: run as an unprivileged user instead.
    const asRoot = process.getuid?.() === 0;
    chmodSync(tmp.path, 0o755);
    chmodSync(folder, 0o555);
    for (const f of readdirSync(folder)) chmodSync(join(folder, f), 0o444);
    const options = asRoot ? { uid: 65534, gid: 65534 } : {};
    const result = runCli(['--data', folder, 'add', '--title', 'new'], options);
    expectRefusal(result, 6, /read-only|cannot be written/);
    chmodSync(folder, 0o755);
    for (const f of readdirSync(folder)) chmodSync(join(folder, f), 0o644);
    const list = runCli(['--data', folder, 'list', '--json']).json<{ entries: { title: string }[] }>();
    expect(list.entries.map((e) => e.title)).toEqual(['kept']);
  });

  it('a data directory path that is a file', () => {
    const file = join(tmp.path, 'plain-file');
    writeFileSync(file, 'x');
    expectRefusal(runCli(['--data', file, 'list']), 7, /is a file, not a folder/);
    expect(existsSync(`${file}/cairn.db`)).toBe(false);
  });
});

describe('cairn: help and version', () => {
  it('lists the commands and shows per-command usage', () => {
    expect(runCli(['--help']).stdout).toMatch(/add\s+create a note/);
    expect(runCli(['history', '--help']).stdout).toContain('usage: cairn history ID');
    expect(runCli(['--version']).stdout).toMatch(/^cairn \d+\.\d+\.\d+/);
  });
});
