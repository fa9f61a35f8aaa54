import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { eventCatalog } from '../domain/catalog.js';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { openDatabase } from './database.js';
import { eventStoreContract } from './eventStore.contract.js';
import { SqliteEventStore } from './sqliteEventStore.js';

const root = mkdtempSync(join(tmpdir(), 'cairn-store-'));
let n = 0;
const opened: { close(): void }[] = [];
afterAll(() => {
  for (const db of opened) db.close();
  rmSync(root, { recursive: true, force: true });
});

eventStoreContract('sqlite', () => {
  const db = openDatabase(join(root, `db${n++}`));
  opened.push(db);
  return new SqliteEventStore(db, eventCatalog);
});

it('gives every stream whole, in version order, streams in id order, whatever the page size', () => {
  const dataDir = join(root, `streams${n++}`);
  const engine = Engine.open({ dataDir, autoCatchUp: false });
  const ids = Array.from({ length: 9 }, () => uuidv7());
  for (const id of ids) engine.execute({ type: 'CreateEntry', entryId: id, title: 't', body: 'b' });
  for (let r = 0; r < 40; r++) engine.execute({ type: 'UpdateEntry', entryId: ids[(r * 7) % ids.length]!, body: `b${r}` });
  engine.close();
  const db = openDatabase(dataDir);
  opened.push(db);
  const store = new SqliteEventStore(db, eventCatalog);
  const log = [...store.iterate(0)];
  const expected = [...ids].sort().map((id) => log.filter((e) => e.aggregateId === id).map((e) => e.version));
  expect(expected.flat()).toHaveLength(49);
  // Page sizes that split streams at every possible place, and one that holds the whole log.
  for (const pageSize of [1, 2, 3, 5, 7, 11, 1_000]) {
    const streams = [...store.iterateStreams(pageSize)];
    expect(streams.map((stream) => stream.map((e) => e.version)), `pages of ${pageSize}`).toEqual(expected);
    expect(streams.map((stream) => stream[0]!.aggregateId)).toEqual([...ids].sort());
  }
});
