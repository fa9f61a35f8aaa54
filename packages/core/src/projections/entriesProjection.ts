import type { Statement } from 'better-sqlite3';
import { entryAggregateType } from '../domain/entry/events.js';
import type { EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import { authorOf, type EntryStates, type MergedStream, type ProjectionDefinition, type ProjectionHandler, type StreamReplayer } from './projection.js';

/**
 * Inline read models of entries: `entries` (the current state of every entry) and `entry_tags` (one
 * row per entry and tag, for filtering). Updated in the append transaction, so a read right after a
 * command sees it. Tag counts are kept by an async projection (tagCountsProjection): they are not
 * needed in the write path, and every table written here costs the command a page write.
 *
 * Both the live handler and the bulk replayer write an entry's row from its merged state (the domain's merge rules
 * over its canonical stream), so the row is the same on every synced device.
 */
export const entriesProjection: ProjectionDefinition = {
  name: 'entries',
  version: 2,
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
    -- [[Title]] links are resolved by title when an edit is decided (agents/linkQueries.ts).
    CREATE INDEX IF NOT EXISTS entries_by_title ON entries (lower(title));
    CREATE TABLE IF NOT EXISTS entry_tags (tag TEXT NOT NULL, entry_id TEXT NOT NULL, PRIMARY KEY (tag, entry_id)) WITHOUT ROWID;
  `,
  tables: ['entries', 'entry_tags'],
  digestQueries: [
    // Not `position`: where the last event sits in this device's log differs between devices.
    `SELECT id, kind, title, body, tags, attributes, deleted, version, created_at, created_by, updated_at, updated_by FROM entries ORDER BY id`,
    `SELECT tag, entry_id FROM entry_tags ORDER BY tag, entry_id`,
  ],
  createHandler: (db, states) => new EntriesHandler(db, states),
  createStreamReplayer: (db) => new EntriesStreamReplayer(db),
};

/** Who made the entry and when: kept apart from EntryState, which knows nothing of metadata. */
interface Provenance {
  createdAt: string;
  createdBy: string;
}

const columns = 'id, kind, title, body, tags, attributes, deleted, version, created_at, created_by, updated_at, updated_by, position';
const upsertSql = `INSERT INTO entries (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, body = excluded.body, tags = excluded.tags,
    attributes = excluded.attributes, deleted = excluded.deleted, version = excluded.version, created_at = excluded.created_at,
    created_by = excluded.created_by, updated_at = excluded.updated_at, updated_by = excluded.updated_by, position = excluded.position`;

function rowValues(state: EntryState, provenance: Provenance, last: RecordedEvent): unknown[] {
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
    authorOf(last),
    last.position,
  ];
}

/**
 * Writes each touched entry's row from its merged state (EntryStates): the same rows whatever order the events
 * reached this device in. Created by/at come from the first event of the canonical stream, updated from the last.
 */
class EntriesHandler implements ProjectionHandler {
  private readonly current: Statement;
  private readonly upsert: Statement;
  private readonly remove: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTag: Statement;

  constructor(
    db: Database,
    private readonly states: EntryStates,
  ) {
    this.current = db.prepare(`SELECT tags, created_at, created_by FROM entries WHERE id = ?`);
    this.upsert = db.prepare(upsertSql);
    this.remove = db.prepare(`DELETE FROM entries WHERE id = ?`);
    this.insertTag = db.prepare(`INSERT INTO entry_tags (tag, entry_id) VALUES (?, ?)`);
    this.deleteTag = db.prepare(`DELETE FROM entry_tags WHERE tag = ? AND entry_id = ?`);
  }

  apply(events: readonly RecordedEvent[], refold = false): void {
    const touched = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      if (event.aggregateType !== entryAggregateType) continue;
      const list = touched.get(event.aggregateId) ?? [];
      list.push(event);
      touched.set(event.aggregateId, list);
    }
    for (const [id, batch] of touched) {
      const state = this.states.state(id);
      const row = this.current.get(id) as { tags: string; created_at: string; created_by: string } | undefined;
      const before = row ? (JSON.parse(row.tags) as string[]) : [];
      if (!state.exists) {
        if (row) this.remove.run(id);
        for (const tag of before) this.deleteTag.run(tag, id);
        continue;
      }
      const first = row && !refold ? undefined : this.states.event(id, 1);
      const provenance = first ? { createdAt: first.metadata.at, createdBy: authorOf(first) } : { createdAt: row!.created_at, createdBy: row!.created_by };
      const last = batch.find((e) => e.version === state.version) ?? this.states.event(id, state.version)!;
      this.upsert.run(...rowValues(state, provenance, last));
      for (const tag of before) if (!state.tags.includes(tag)) this.deleteTag.run(tag, id);
      for (const tag of state.tags) if (!before.includes(tag)) this.insertTag.run(tag, id);
    }
  }
}

/** Rebuilds `entries` and `entry_tags` stream by stream, from each stream's merged state, in key order. */
class EntriesStreamReplayer implements StreamReplayer {
  private readonly insert: Statement;
  private readonly insertTag: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(`INSERT INTO entries (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertTag = db.prepare(`INSERT INTO entry_tags (tag, entry_id) VALUES (?, ?)`);
  }

  applyStream({ events, state }: MergedStream): void {
    if (!state.exists) return;
    const first = events[0]!;
    this.insert.run(...rowValues(state, { createdAt: first.metadata.at, createdBy: authorOf(first) }, events[events.length - 1]!));
    for (const tag of state.tags) this.insertTag.run(tag, state.id);
  }

  finish(): void {}
}
