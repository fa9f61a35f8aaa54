import type { Statement } from 'better-sqlite3';
import { evolveEntry } from '../domain/entry/evolve.js';
import { entryAggregateType, type EntryEvent, type EntryKind } from '../domain/entry/events.js';
import { initialEntryState, type EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { JsonObject } from '../domain/shared/json.js';
import type { Database } from '../store/database.js';
import type { LogReader, ProjectionDefinition, ProjectionHandler, ProjectionReplayer } from './projection.js';
import { assert } from '../errors/cairnError.js';

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
  createReplayer: (db, log) => new EntriesReplayer(db, log),
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

/** Stands in for a value that is not held in memory during a replay. */
const NOT_HELD = '\u0000not-held';
/** Bodies up to this length are held in memory during a replay; longer ones are re-read at the end. */
const HELD_BODY_CHARS = 512;

interface ReplayState {
  state: EntryState;
  provenance: Provenance;
  /** Only what the row needs of the last event, not the event (which holds the whole body). */
  last: LastChange;
  /** Position of the event that set the body / attributes when they are not held. */
  bodyAt: number;
  attributesAt: number;
}

/**
 * Rebuilds `entries` and `entry_tags` in one pass over the log, in memory, then writes each row once,
 * in key order. Memory stays bounded: long bodies and attributes are not held — only the position
 * of the event that set them, which is re-read at the end.
 */
class EntriesReplayer implements ProjectionReplayer {
  private readonly entries = new Map<string, ReplayState>();

  constructor(
    private readonly db: Database,
    private readonly log: LogReader,
  ) {}

  apply(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.aggregateType !== entryAggregateType) continue;
      const held = this.entries.get(event.aggregateId);
      const before = held?.state ?? initialEntryState(event.aggregateId);
      // Evolve from placeholders to see which of the big fields this event sets.
      const probe = evolveEntry({ ...before, body: NOT_HELD, attributes: NOT_HELD_ATTRIBUTES }, event as unknown as EntryEvent);
      const setsBody = probe.body !== NOT_HELD;
      const setsAttributes = probe.attributes !== NOT_HELD_ATTRIBUTES;
      const state: EntryState = {
        ...probe,
        body: setsBody ? (probe.body.length <= HELD_BODY_CHARS ? probe.body : NOT_HELD) : before.body,
        attributes: setsAttributes ? (JSON.stringify(probe.attributes).length <= HELD_BODY_CHARS ? probe.attributes : NOT_HELD_ATTRIBUTES) : before.attributes,
      };
      this.entries.set(event.aggregateId, {
        state,
        provenance: held?.provenance ?? { createdAt: event.metadata.at, createdBy: event.metadata.actorId },
        last: { position: event.position, metadata: { at: event.metadata.at, actorId: event.metadata.actorId } },
        bodyAt: setsBody ? event.position : (held?.bodyAt ?? 0),
        attributesAt: setsAttributes ? event.position : (held?.attributesAt ?? 0),
      });
    }
  }

  finish(): void {
    const insert = this.db.prepare(`INSERT INTO entries (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertTag = this.db.prepare(`INSERT INTO entry_tags (tag, entry_id) VALUES (?, ?)`);
    const ids = [...this.entries.keys()].sort();
    const tagRows: [string, string][] = [];
    for (const id of ids) {
      const replay = this.entries.get(id)!;
      let { state } = replay;
      if (state.body === NOT_HELD) state = { ...state, body: this.reread(replay.bodyAt, state).body };
      if (state.attributes === NOT_HELD_ATTRIBUTES) state = { ...state, attributes: this.reread(replay.attributesAt, state).attributes };
      insert.run(...rowValues(state, replay.provenance, replay.last));
      for (const tag of state.tags) tagRows.push([tag, id]);
    }
    tagRows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (const [tag, id] of tagRows) insertTag.run(tag, id);
    this.entries.clear();
  }

  /** The state right after the event at `position`, as far as the fields that event set. */
  private reread(position: number, state: EntryState): EntryState {
    const event = this.log.eventAt(position);
    assert(event, `the event at position ${position} is in the log`);
    return evolveEntry({ ...state, version: event.version - 1 }, event as unknown as EntryEvent);
  }
}

const NOT_HELD_ATTRIBUTES: JsonObject = { [NOT_HELD]: null };
