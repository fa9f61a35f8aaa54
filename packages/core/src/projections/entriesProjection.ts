import type { Statement } from 'better-sqlite3';
import { evolveEntry } from '../domain/entry/evolve.js';
import { entryAggregateType, type EntryEvent, type EntryKind } from '../domain/entry/events.js';
import { initialEntryState, type EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { JsonObject } from '../domain/shared/json.js';
import type { Database } from '../store/database.js';
import type { ProjectionDefinition, ProjectionHandler, StreamReplayer } from './projection.js';

/**
 * Inline read models of entries: `entries` (the current state of every entry) and `entry_tags` (one
 * row per entry and tag, for filtering). Updated in the append transaction, so a read right after a
 * command sees it. Tag counts are kept by an async projection (tagCountsProjection): they are not
 * needed in the write path, and every table written here costs the command a page write.
 *
 * Both the live handler and the bulk replayer derive rows from the domain's own `evolveEntry`, so an
 * entry's row is by construction the fold of its events.
 */
export const entriesProjection: ProjectionDefinition = {
  name: 'entries',
  version: 1,
  schema: `
    CREATE TABLE IF NOT EXISTS entries (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      title TEXT NOT NULL,
      body TEXT NOT NULL,
      tags TEXT NOT NULL,
      attributes TEXT NOT NULL,
      deleted INTEGER NOT NULL,
      version INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL,
      position INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS entries_by_updated ON entries (deleted, updated_at DESC, id);
    CREATE TABLE IF NOT EXISTS entry_tags (tag TEXT NOT NULL, entry_id TEXT NOT NULL, PRIMARY KEY (tag, entry_id)) WITHOUT ROWID;
  `,
  tables: ['entries', 'entry_tags'],
  digestQueries: [
    `SELECT id, kind, title, body, tags, attributes, deleted, version, created_at, created_by, updated_at, updated_by, position FROM entries ORDER BY id`,
    `SELECT tag, entry_id FROM entry_tags ORDER BY tag, entry_id`,
  ],
  createHandler: (db) => new EntriesHandler(db),
  createStreamReplayer: (db) => new EntriesStreamReplayer(db),
};

interface EntryRow {
  id: string;
  kind: EntryKind;
  title: string;
  body: string;
  tags: string;
  attributes: string;
  deleted: number;
  version: number;
  created_at: string;
  created_by: string;
}

/** Who made the entry and when: kept apart from EntryState, which knows nothing of metadata. */
interface Provenance {
  createdAt: string;
  createdBy: string;
}

const columns = 'id, kind, title, body, tags, attributes, deleted, version, created_at, created_by, updated_at, updated_by, position';
const upsertSql = `INSERT INTO entries (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, body = excluded.body, tags = excluded.tags,
    attributes = excluded.attributes, deleted = excluded.deleted, version = excluded.version, updated_at = excluded.updated_at,
    updated_by = excluded.updated_by, position = excluded.position`;

/** What a row needs of the last event it folded. */
interface LastChange {
  readonly position: number;
  readonly metadata: { readonly at: string; readonly actorId: string };
}

function rowValues(state: EntryState, provenance: Provenance, last: LastChange): unknown[] {
  return [
    state.id,
    state.kind,
    state.title,
    state.body,
    JSON.stringify(state.tags),
    JSON.stringify(state.attributes),
    state.deleted ? 1 : 0,
    state.version,
    provenance.createdAt,
    provenance.createdBy,
    last.metadata.at,
    last.metadata.actorId,
    last.position,
  ];
}

function stateFromRow(row: EntryRow): EntryState {
  return {
    id: row.id,
    version: row.version,
    exists: true,
    kind: row.kind,
    title: row.title,
    body: row.body,
    tags: JSON.parse(row.tags) as string[],
    attributes: JSON.parse(row.attributes) as JsonObject,
    deleted: row.deleted === 1,
    // The document facet lives in the `documents` read model; this projection needs only the entry.
    document: null,
  };
}

class EntriesHandler implements ProjectionHandler {
  private readonly current: Statement;
  private readonly upsert: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTag: Statement;

  constructor(db: Database) {
    this.current = db.prepare(`SELECT id, kind, title, body, tags, attributes, deleted, version, created_at, created_by FROM entries WHERE id = ?`);
    this.upsert = db.prepare(upsertSql);
    this.insertTag = db.prepare(`INSERT INTO entry_tags (tag, entry_id) VALUES (?, ?)`);
    this.deleteTag = db.prepare(`DELETE FROM entry_tags WHERE tag = ? AND entry_id = ?`);
  }

  apply(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.aggregateType !== entryAggregateType) continue;
      const row = event.version === 1 ? undefined : (this.current.get(event.aggregateId) as EntryRow | undefined);
      const before = row ? stateFromRow(row) : initialEntryState(event.aggregateId);
      const provenance = row ? { createdAt: row.created_at, createdBy: row.created_by } : { createdAt: event.metadata.at, createdBy: event.metadata.actorId };
      const after = evolveEntry(before, event as unknown as EntryEvent);
      this.upsert.run(...rowValues(after, provenance, event));
      if (after.tags !== before.tags) {
        for (const tag of before.tags) if (!after.tags.includes(tag)) this.deleteTag.run(tag, event.aggregateId);
        for (const tag of after.tags) if (!before.tags.includes(tag)) this.insertTag.run(tag, event.aggregateId);
      }
    }
  }
}

/**
 * Rebuilds `entries` and `entry_tags` stream by stream: folds an entry's events with the domain's
 * `evolveEntry` and writes its rows once, in key order.
 */
class EntriesStreamReplayer implements StreamReplayer {
  private readonly insert: Statement;
  private readonly insertTag: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(`INSERT INTO entries (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertTag = db.prepare(`INSERT INTO entry_tags (tag, entry_id) VALUES (?, ?)`);
  }

  applyStream(events: readonly RecordedEvent[]): void {
    let state: EntryState | undefined;
    let provenance: Provenance | undefined;
    let last: RecordedEvent | undefined;
    for (const event of events) {
      if (event.aggregateType !== entryAggregateType) continue;
      state = evolveEntry(state ?? initialEntryState(event.aggregateId), event as unknown as EntryEvent);
      provenance ??= { createdAt: event.metadata.at, createdBy: event.metadata.actorId };
      last = event;
    }
    if (!state || !provenance || !last) return;
    this.insert.run(...rowValues(state, provenance, last));
    for (const tag of state.tags) this.insertTag.run(tag, state.id);
  }

  finish(): void {}
}
