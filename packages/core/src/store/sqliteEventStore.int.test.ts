import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { eventCatalog } from '../domain/catalog.js';
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
