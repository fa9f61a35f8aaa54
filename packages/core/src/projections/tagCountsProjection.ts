import type { Statement } from 'better-sqlite3';
import { entryAggregateType, type EntryEvent } from '../domain/entry/events.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import type { ProjectionDefinition, ProjectionHandler } from './projection.js';

/**
 * How many live entries carry each tag (`tag_counts`), for tag lists and filters. An async subscriber:
 * it keeps its own note of each entry's tags and liveness (`tag_count_entries`), so it depends on the
 * log alone and not on how far the inline read models have got.
 */
export const tagCountsProjection: ProjectionDefinition = {
  name: 'tag_counts',
  version: 1,
  schema: `
    CREATE TABLE IF NOT EXISTS tag_counts (tag TEXT PRIMARY KEY, entry_count INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS tag_count_entries (entry_id TEXT PRIMARY KEY, tags TEXT NOT NULL, live INTEGER NOT NULL) WITHOUT ROWID;
  `,
  tables: ['tag_counts', 'tag_count_entries'],
  digestQueries: [`SELECT tag, entry_count FROM tag_counts ORDER BY tag`, `SELECT entry_id, tags, live FROM tag_count_entries ORDER BY entry_id`],
  createHandler: (db) => new TagCountsHandler(db),
};

class TagCountsHandler implements ProjectionHandler {
  private readonly read: Statement;
  private readonly write: Statement;
  private readonly countUp: Statement;
  private readonly countDown: Statement;
  private readonly dropZero: Statement;

  constructor(db: Database) {
    this.read = db.prepare(`SELECT tags, live FROM tag_count_entries WHERE entry_id = ?`);
    this.write = db.prepare(
      `INSERT INTO tag_count_entries (entry_id, tags, live) VALUES (?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET tags = excluded.tags, live = excluded.live`,
    );
    this.countUp = db.prepare(`INSERT INTO tag_counts (tag, entry_count) VALUES (?, 1) ON CONFLICT (tag) DO UPDATE SET entry_count = entry_count + 1`);
    this.countDown = db.prepare(`UPDATE tag_counts SET entry_count = entry_count - 1 WHERE tag = ?`);
    this.dropZero = db.prepare(`DELETE FROM tag_counts WHERE tag = ? AND entry_count <= 0`);
  }

  apply(events: readonly RecordedEvent[]): void {
    for (const raw of events) {
      if (raw.aggregateType !== entryAggregateType) continue;
      const event = raw as RecordedEvent & EntryEvent;
      if (event.type === 'DocumentStatusChanged' || event.type === 'DocumentProcessed' || event.type === 'DocumentProcessingFailed') continue;
      const before = this.read.get(event.aggregateId) as { tags: string; live: number } | undefined;
      const oldTags = before ? (JSON.parse(before.tags) as string[]) : [];
      const wasLive = before?.live === 1;
      let tags = oldTags;
      let live = wasLive;
      switch (event.type) {
        case 'EntryCreated':
        case 'DocumentImported':
          tags = event.data.tags;
          live = true;
          break;
        case 'EntryUpdated':
          tags = event.data.changes.tags ?? oldTags;
          break;
        case 'EntryReverted':
          tags = event.data.changes.tags ?? oldTags;
          live = event.data.changes.deleted === undefined ? wasLive : !event.data.changes.deleted;
          break;
        case 'EntryDeleted':
          live = false;
          break;
        case 'EntryRestored':
          live = true;
          break;
        default:
          assertNever(event);
      }
      const counted = new Set(wasLive ? oldTags : []);
      const nowCounted = new Set(live ? tags : []);
      for (const tag of counted) if (!nowCounted.has(tag)) this.decrement(tag);
      for (const tag of nowCounted) if (!counted.has(tag)) this.countUp.run(tag);
      if (tags !== oldTags || live !== wasLive || !before) this.write.run(event.aggregateId, JSON.stringify(tags), live ? 1 : 0);
    }
  }

  private decrement(tag: string): void {
    this.countDown.run(tag);
    this.dropZero.run(tag);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled entry event ${JSON.stringify(value)}`);
}
