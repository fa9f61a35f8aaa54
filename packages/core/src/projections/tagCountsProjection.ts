import type { Statement } from 'better-sqlite3';
import { entryAggregateType, type EntryEvent } from '../domain/entry/events.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import type { ProjectionDefinition, ProjectionHandler, StreamReplayer } from './projection.js';

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
  createStreamReplayer: (db) => new TagCountsStreamReplayer(db),
};

interface Membership {
  tags: readonly string[];
  live: boolean;
}

/** How an entry event changes an entry's tags and liveness (shared by the live handler and the replay). */
function nextMembership(before: Membership | undefined, event: EntryEvent): Membership {
  const tags = before?.tags ?? [];
  const live = before?.live ?? false;
  switch (event.type) {
    case 'EntryCreated':
    case 'DocumentImported':
      return { tags: event.data.tags, live: true };
    case 'EntryUpdated':
      return { tags: event.data.changes.tags ?? tags, live };
    case 'EntryReverted':
      return { tags: event.data.changes.tags ?? tags, live: event.data.changes.deleted === undefined ? live : !event.data.changes.deleted };
    case 'EntryDeleted':
      return { tags, live: false };
    case 'EntryRestored':
      return { tags, live: true };
    case 'DocumentStatusChanged':
    case 'DocumentProcessed':
    case 'DocumentProcessingFailed':
      return { tags, live };
    default:
      return assertNever(event);
  }
}

/** Folds each entry's membership and writes its row, stream by stream; the counts at the end. */
class TagCountsStreamReplayer implements StreamReplayer {
  private readonly insertEntry: Statement;
  private readonly insertCount: Statement;
  private readonly counts = new Map<string, number>();

  constructor(db: Database) {
    this.insertEntry = db.prepare(`INSERT INTO tag_count_entries (entry_id, tags, live) VALUES (?, ?, ?)`);
    this.insertCount = db.prepare(`INSERT INTO tag_counts (tag, entry_count) VALUES (?, ?)`);
  }

  applyStream(events: readonly RecordedEvent[]): void {
    let membership: Membership | undefined;
    for (const event of events) {
      if (event.aggregateType === entryAggregateType) membership = nextMembership(membership, event as RecordedEvent & EntryEvent);
    }
    if (!membership) return;
    this.insertEntry.run(events[0]!.aggregateId, JSON.stringify(membership.tags), membership.live ? 1 : 0);
    if (membership.live) for (const tag of membership.tags) this.counts.set(tag, (this.counts.get(tag) ?? 0) + 1);
  }

  finish(): void {
    for (const tag of [...this.counts.keys()].sort()) this.insertCount.run(tag, this.counts.get(tag));
    this.counts.clear();
  }
}

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
      const { tags, live } = nextMembership(before && { tags: oldTags, live: wasLive }, event);
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
