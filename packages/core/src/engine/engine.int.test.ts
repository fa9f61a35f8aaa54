import { createHash } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CairnError } from '../errors/cairnError.js';
import { makeTempDir } from '../testing/tempDir.js';
import { SCHEMA_VERSION } from '../store/database.js';
import { Engine } from './engine.js';
import { engineReadModels } from './readModelSet.js';
import type { EngineNotice } from './views.js';
import { uuidv7 as v7 } from '../ids/uuidv7.js';

let dir: { path: string; remove: () => void };
let engine: Engine;

beforeEach(() => {
  dir = makeTempDir();
  engine = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false });
});
afterEach(() => {
  engine.close();
  dir.remove();
});

function create(title: string, extra: { body?: string; tags?: string[] } = {}) {
  const id = v7();
  engine.execute({ type: 'CreateEntry', entryId: id, title, ...extra });
  return id;
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof CairnError ? error.code : 'not a CairnError';
  }
  return undefined;
}

describe('engine', () => {
  it('a read right after a command sees it', () => {
    const id = create('First note', { body: 'hello', tags: ['Work'] });
    const entry = engine.getEntry(id);
    expect(entry).toMatchObject({ id, title: 'First note', body: 'hello', tags: ['work'], version: 1, deleted: false, kind: 'note' });
    expect(engine.listEntries().entries.map((e) => e.id)).toEqual([id]);
    expect(engine.tags()).toEqual([{ tag: 'work', count: 1 }]);
  });

  it('keeps every version and shows any of them', () => {
    const id = create('Plan', { body: 'v1 body' });
    engine.execute({ type: 'UpdateEntry', entryId: id, body: 'v2 body' });
    engine.execute({ type: 'UpdateEntry', entryId: id, title: 'Plan B', addTags: ['x'] });
    expect(engine.getEntry(id, 1)).toMatchObject({ title: 'Plan', body: 'v1 body', version: 1, tags: [] });
    expect(engine.getEntry(id, 2)).toMatchObject({ title: 'Plan', body: 'v2 body', version: 2 });
    expect(engine.getEntry(id)).toMatchObject({ title: 'Plan B', body: 'v2 body', version: 3, tags: ['x'] });
    const history = engine.history(id);
    expect(history.map((h) => [h.version, h.eventType, h.fields])).toEqual([
      [1, 'EntryCreated', ['title', 'body', 'kind']],
      [2, 'EntryUpdated', ['body']],
      [3, 'EntryUpdated', ['tags', 'title']],
    ]);
    expect(history[0]!.actorId).toMatch(/^user:/);
    expect(errorCode(() => engine.getEntry(id, 4))).toBe('validation');
  });

  it('reverts by appending events, never by erasing', () => {
    const id = create('Draft', { body: 'original' });
    engine.execute({ type: 'UpdateEntry', entryId: id, body: 'rewritten' });
    engine.execute({ type: 'DeleteEntry', entryId: id });
    const result = engine.execute({ type: 'RevertEntry', entryId: id, toVersion: 1 });
    expect(result).toMatchObject({ version: 4, changed: true });
    expect(engine.getEntry(id)).toMatchObject({ body: 'original', deleted: false, version: 4 });
    expect(engine.history(id).map((h) => h.eventType)).toEqual(['EntryCreated', 'EntryUpdated', 'EntryDeleted', 'EntryReverted']);
    expect(engine.history(id)[3]!.revertedTo).toBe(1);
  });

  it('deleted entries leave the list and tag counts, and come back when restored', () => {
    const a = create('A', { tags: ['t'] });
    create('B', { tags: ['t'] });
    engine.execute({ type: 'DeleteEntry', entryId: a });
    expect(engine.listEntries().entries.map((e) => e.title)).toEqual(['B']);
    expect(engine.listEntries({ deleted: true }).entries.map((e) => e.title)).toEqual(['A']);
    expect(engine.tags()).toEqual([{ tag: 't', count: 1 }]);
    engine.execute({ type: 'RestoreEntry', entryId: a });
    expect(engine.tags()).toEqual([{ tag: 't', count: 2 }]);
  });

  it('filters and sorts the list, and counts all matches', () => {
    for (let i = 0; i < 5; i++) create(`Note ${i}`, { tags: i % 2 === 0 ? ['even'] : ['odd'] });
    const even = engine.listEntries({ tag: '#EVEN' });
    expect(even.total).toBe(3);
    expect(engine.listEntries({ sort: 'title', limit: 2 }).entries.map((e) => e.title)).toEqual(['Note 0', 'Note 1']);
    expect(engine.listEntries({ sort: 'title', limit: 2, offset: 4 }).entries.map((e) => e.title)).toEqual(['Note 4']);
    expect(engine.listEntries({ kind: 'document' }).total).toBe(0);
  });

  it('optimistic concurrency: a stale expected version is refused and changes nothing', () => {
    const id = create('Shared');
    engine.execute({ type: 'UpdateEntry', entryId: id, body: 'theirs' }, { expectedVersion: 1 });
    expect(errorCode(() => engine.execute({ type: 'UpdateEntry', entryId: id, body: 'mine' }, { expectedVersion: 1 }))).toBe('concurrency');
    expect(engine.getEntry(id).body).toBe('theirs');
  });

  it('a batch is atomic: one bad command and none take effect', () => {
    const before = engine.status().events;
    expect(
      errorCode(() =>
        engine.executeBatch([
          { type: 'CreateEntry', entryId: v7(), title: 'ok' },
          { type: 'CreateEntry', entryId: v7(), title: '' },
        ]),
      ),
    ).toBe('validation');
    expect(engine.status().events).toBe(before);
    expect(engine.listEntries().total).toBe(0);
  });

  it('long streams load from snapshots and give the same state', () => {
    engine.close();
    engine = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false, snapshotEvery: 10 });
    const id = create('Counter');
    for (let i = 1; i <= 35; i++) engine.execute({ type: 'UpdateEntry', entryId: id, body: `count ${i}` });
    expect(engine.getEntry(id)).toMatchObject({ body: 'count 35', version: 36 });
    engine.execute({ type: 'UpdateEntry', entryId: id, body: 'count 36' });
    expect(engine.getEntry(id, 37).body).toBe('count 36');
    expect(engine.getEntry(id, 5).body).toBe('count 4');
  });

  it('a rebuild gives read models identical to the live ones', () => {
    const ids = [create('One', { tags: ['a', 'b'] }), create('Two', { tags: ['b'] }), create('三 数据', { body: '同步' })];
    engine.execute({ type: 'UpdateEntry', entryId: ids[0]!, removeTags: ['b'], setAttributes: { k: [1, { z: null }] } });
    engine.execute({ type: 'DeleteEntry', entryId: ids[1]! });
    engine.execute({ type: 'RevertEntry', entryId: ids[1]!, toVersion: 1 });
    const live = engine.digest();
    const liveActivity = engine.activity();
    const rebuilt = engine.rebuild();
    expect(rebuilt).toEqual({ events: 6, entries: 3, digest: live });
    expect(engine.activity()).toEqual(liveActivity);
    expect(liveActivity.map((a) => a.title)).toEqual(['Two', 'Two', 'One', '三 数据', 'Two', 'One']);
  });

  it('the digest is the SHA-256 of every read model row as a line of JSON, whatever the text holds', () => {
    const text = 'quote " backslash \\ tab \t newline \n nul \u0000 bell \u0007 separator \u2028 emoji 😀 中文 é';
    create(text, { body: text, tags: ['数据', 'x"y'] });
    engine.catchUp();
    // Written out with JSON.stringify, as digests were before SQLite formatted the rows: digests stay comparable.
    const hash = createHash('sha256');
    const db = new BetterSqlite3(join(dir.path, 'data', 'cairn.db'), { readonly: true });
    const { inline, async } = engineReadModels(() => undefined);
    for (const projection of [...inline, ...async].sort((a, b) => a.name.localeCompare(b.name))) {
      hash.update(`projection ${projection.name} v${projection.version}\n`);
      for (const query of projection.digestQueries) {
        hash.update(`${query}\n`);
        for (const row of db.prepare(query).raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
      }
    }
    db.close();
    expect(engine.digest()).toBe(hash.digest('hex'));
  });

  it('the digest changes when content changes', () => {
    const id = create('x');
    const before = engine.digest();
    engine.execute({ type: 'UpdateEntry', entryId: id, body: 'y' });
    expect(engine.digest()).not.toBe(before);
  });

  it('tells subscribers about its own commits and about other processes writing', async () => {
    const changes: EngineNotice[] = [];
    engine.close();
    engine = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false, pollIntervalMs: 20 });
    const unsubscribe = engine.subscribe((change) => changes.push(change));
    const id = create('Mine');
    expect(changes).toEqual([{ type: 'changed', head: 1, entryIds: [id], eventTypes: ['EntryCreated'] }]);
    const other = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false });
    const theirs = v7();
    other.execute({ type: 'CreateEntry', entryId: theirs, title: 'Theirs' });
    other.close();
    await expect.poll(() => changes.length, { timeout: 2_000 }).toBe(2);
    expect(changes[1]).toEqual({ type: 'changed', head: 2, entryIds: [theirs], eventTypes: ['EntryCreated'] });
    unsubscribe();
  });

  it('survives closing and reopening', () => {
    const id = create('Persisted', { body: 'still here' });
    const digest = engine.digest();
    engine.close();
    engine = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false });
    expect(engine.getEntry(id).body).toBe('still here');
    expect(engine.digest()).toBe(digest);
  });

  it('commands submitted together commit together, and each fails or succeeds on its own', async () => {
    const existing = create('Existing');
    const outcomes = await Promise.allSettled([
      engine.submit({ type: 'CreateEntry', entryId: v7(), title: 'one' }),
      engine.submit({ type: 'CreateEntry', entryId: v7(), title: '   ' }),
      engine.submit({ type: 'UpdateEntry', entryId: existing, body: 'edited' }),
      engine.submit({ type: 'CreateEntry', entryId: existing, title: 'duplicate' }),
      engine.submit({ type: 'CreateEntry', entryId: v7(), title: 'two' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((outcomes[1] as PromiseRejectedResult).reason as CairnError).code).toBe('validation');
    expect(((outcomes[3] as PromiseRejectedResult).reason as CairnError).code).toBe('conflict');
    expect(engine.getEntry(existing)).toMatchObject({ body: 'edited', title: 'Existing', version: 2 });
    expect(engine.listEntries().entries.map((e) => e.title).sort()).toEqual(['Existing', 'one', 'two']);
    expect(engine.log().map((e) => e.position)).toEqual([1, 2, 3, 4]);
  });

  it('rejects ids that are not ids', () => {
    expect(errorCode(() => engine.execute({ type: 'CreateEntry', entryId: 'x; DROP TABLE', title: 't' }))).toBe('validation');
  });
});

describe('opening data directories', () => {
  it('refuses a folder that holds other files but no Cairn database, and leaves it alone', () => {
    const other = join(dir.path, 'documents');
    mkdirSync(other);
    writeFileSync(join(other, 'letter.txt'), 'dear');
    expect(errorCode(() => Engine.open({ dataDir: other }))).toBe('storage');
  });

  it('refuses a cairn.db that is not a database', () => {
    const bad = join(dir.path, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'cairn.db'), 'this is not sqlite at all, just text that is long enough to look like a header........');
    expect(errorCode(() => Engine.open({ dataDir: bad }))).toBe('storage');
  });

  it('refuses another application\'s SQLite database without changing it', () => {
    const foreign = join(dir.path, 'foreign');
    mkdirSync(foreign);
    const db = new BetterSqlite3(join(foreign, 'cairn.db'));
    db.exec('CREATE TABLE recipes (name TEXT)');
    db.close();
    expect(errorCode(() => Engine.open({ dataDir: foreign }))).toBe('storage');
    const check = new BetterSqlite3(join(foreign, 'cairn.db'));
    expect(check.prepare(`SELECT name FROM sqlite_schema`).pluck().all()).toEqual(['recipes']);
    check.close();
  });

  it('refuses a database from a newer schema and names both versions', () => {
    const id = create('from the future');
    engine.close();
    const raw = new BetterSqlite3(join(dir.path, 'data', 'cairn.db'));
    raw.pragma('user_version = 99');
    raw.close();
    let message = '';
    try {
      Engine.open({ dataDir: join(dir.path, 'data') });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`newer version of Cairn \\(schema 99; this build knows up to ${SCHEMA_VERSION}\\)`));
    const raw2 = new BetterSqlite3(join(dir.path, 'data', 'cairn.db'));
    expect(raw2.pragma('user_version', { simple: true })).toBe(99);
    raw2.pragma(`user_version = ${SCHEMA_VERSION}`);
    raw2.close();
    engine = Engine.open({ dataDir: join(dir.path, 'data') });
    expect(engine.getEntry(id).title).toBe('from the future');
  });
});
