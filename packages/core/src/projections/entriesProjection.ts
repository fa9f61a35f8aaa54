import type { Statement } from 'better-sqlite3';
import { entryAggregateType, type EntryEvent } from '../domain/entry/events.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import type { ProjectionDefinition, ProjectionHandler } from './projection.js';

/**
 * Inline read models of entries: `entries` (the current state of every entry) and `entry_tags` (one
 * row per entry and tag, for filtering). Updated in the append transaction, so a read right after a
 * command sees it. Tag counts are kept by an async projection (tagCountsProjection): they are not
 * needed in the write path, and every table written here costs the command a page write.
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
};

interface CurrentRow {
  tags: string;
  deleted: number;
}

class EntriesHandler implements ProjectionHandler {
  private readonly insertEntry: Statement;
  private readonly current: Statement;
  private readonly updateEntry: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTag: Statement;

  constructor(db: Database) {
    this.insertEntry = db.prepare(
      `INSERT INTO entries (id, kind, title, body, tags, attributes, deleted, version, created_at, created_by, updated_at, updated_by, position)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
    );
    this.current = db.prepare(`SELECT tags, deleted FROM entries WHERE id = ?`);
    this.updateEntry = db.prepare(
      `UPDATE entries SET title = coalesce(?, title), body = coalesce(?, body), tags = coalesce(?, tags), attributes = coalesce(?, attributes),
         deleted = ?, version = ?, updated_at = ?, updated_by = ?, position = ? WHERE id = ?`,
    );
    this.insertTag = db.prepare(`INSERT INTO entry_tags (tag, entry_id) VALUES (?, ?)`);
    this.deleteTag = db.prepare(`DELETE FROM entry_tags WHERE tag = ? AND entry_id = ?`);
  }

  apply(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.aggregateType === entryAggregateType) this.applyEntryEvent(event as RecordedEvent & EntryEvent);
    }
  }

  private applyEntryEvent(event: RecordedEvent & EntryEvent): void {
    const { aggregateId: id, version, position, metadata } = event;
    if (event.type === 'EntryCreated') {
      const { kind, title, body, tags, attributes } = event.data;
      this.insertEntry.run(id, kind, title, body, JSON.stringify(tags), JSON.stringify(attributes), version, metadata.at, metadata.actorId, metadata.at, metadata.actorId, position);
      for (const tag of tags) this.insertTag.run(tag, id);
      return;
    }
    if (event.type === 'DocumentImported') {
      const { title, tags, attributes } = event.data;
      this.insertEntry.run(id, 'document', title, '', JSON.stringify(tags), JSON.stringify(attributes), version, metadata.at, metadata.actorId, metadata.at, metadata.actorId, position);
      for (const tag of tags) this.insertTag.run(tag, id);
      return;
    }
    const row = this.current.get(id) as CurrentRow | undefined;
    if (!row) return; // the log guarantees creation first; a missing row means a foreign aggregate
    let changes: { title?: string; body?: string; tags?: string[]; attributes?: unknown } = {};
    let deleted = row.deleted === 1;
    switch (event.type) {
      case 'EntryUpdated':
        changes = event.data.changes;
        break;
      case 'EntryReverted': {
        const { deleted: revertedDeleted, ...fields } = event.data.changes;
        changes = fields;
        if (revertedDeleted !== undefined) deleted = revertedDeleted;
        break;
      }
      case 'EntryDeleted':
        deleted = true;
        break;
      case 'EntryRestored':
        deleted = false;
        break;
      case 'DocumentStatusChanged':
      case 'DocumentProcessed':
      case 'DocumentProcessingFailed':
        break; // the document read model holds processing; here only the version moves on
      default:
        return assertNever(event);
    }
    this.updateEntry.run(
      changes.title ?? null,
      changes.body ?? null,
      changes.tags ? JSON.stringify(changes.tags) : null,
      changes.attributes ? JSON.stringify(changes.attributes) : null,
      deleted ? 1 : 0,
      version,
      metadata.at,
      metadata.actorId,
      position,
      id,
    );
    if (changes.tags) {
      const oldTags = JSON.parse(row.tags) as string[];
      for (const tag of oldTags) if (!changes.tags.includes(tag)) this.deleteTag.run(tag, id);
      for (const tag of changes.tags) if (!oldTags.includes(tag)) this.insertTag.run(tag, id);
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled entry event ${JSON.stringify(value)}`);
}
