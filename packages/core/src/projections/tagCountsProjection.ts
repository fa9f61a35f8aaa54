import type { Statement } from 'better-sqlite3';
import type { EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import { entryIdsIn, type EntryStates, type MergedStream, type ProjectionDefinition, type ProjectionHandler, type StreamReplayer } from './projection.js';

/**
 * How many live entries carry each tag (`tag_counts`), for tag lists and filters. An async subscriber: for each entry
 * its events touch it takes the merged state now (EntryStates) and moves its tags between counts, keeping its own note
 * of what it counted (`tag_count_entries`).
 */
export const tagCountsProjection: ProjectionDefinition = {
  name: 'tag_counts',
  version: 2,
  schema: `
    CREATE TABLE IF NOT EXISTS tag_counts (tag TEXT PRIMARY KEY, entry_count INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS tag_count_entries (entry_id TEXT PRIMARY KEY, tags TEXT NOT NULL, live INTEGER NOT NULL) WITHOUT ROWID;
  `,
  tables: ['tag_counts', 'tag_count_entries'],
  digestQueries: [`SELECT tag, entry_count FROM tag_counts ORDER BY tag`, `SELECT entry_id, tags, live FROM tag_count_entries ORDER BY entry_id`],
  createHandler: (db, states) => new TagCountsHandler(db, states),
  createStreamReplayer: (db) => new TagCountsStreamReplayer(db),
};

interface Membership {
  tags: readonly string[];
  live: boolean;
}

function membershipOf(state: EntryState): Membership {
  return { tags: state.tags, live: state.exists && !state.deleted };
}

/** Writes each entry's membership row stream by stream; the counts at the end. */
class TagCountsStreamReplayer implements StreamReplayer {
  private readonly insertEntry: Statement;
  private readonly insertCount: Statement;
  private readonly counts = new Map<string, number>();

  constructor(db: Database) {
    this.insertEntry = db.prepare(`INSERT INTO tag_count_entries (entry_id, tags, live) VALUES (?, ?, ?)`);
    this.insertCount = db.prepare(`INSERT INTO tag_counts (tag, entry_count) VALUES (?, ?)`);
  }

  applyStream({ state }: MergedStream): void {
    if (!state.exists) return;
    const membership = membershipOf(state);
    this.insertEntry.run(state.id, JSON.stringify(membership.tags), membership.live ? 1 : 0);
    if (membership.live) for (const tag of membership.tags) this.counts.set(tag, (this.counts.get(tag) ?? 0) + 1);
  }

  finish(): void {
    for (const tag of [...this.counts.keys()].sort()) this.insertCount.run(tag, this.counts.get(tag));
    this.counts.clear();
  }
}

/** Moves each touched entry's tags between counts, from its merged state now. */
class TagCountsHandler implements ProjectionHandler {
  private readonly read: Statement;
  private readonly write: Statement;
  private readonly countUp: Statement;
  private readonly countDown: Statement;
  private readonly dropZero: Statement;

  constructor(
    db: Database,
    private readonly states: EntryStates,
  ) {
    this.read = db.prepare(`SELECT tags, live FROM tag_count_entries WHERE entry_id = ?`);
    this.write = db.prepare(
      `INSERT INTO tag_count_entries (entry_id, tags, live) VALUES (?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET tags = excluded.tags, live = excluded.live`,
    );
    this.countUp = db.prepare(`INSERT INTO tag_counts (tag, entry_count) VALUES (?, 1) ON CONFLICT (tag) DO UPDATE SET entry_count = entry_count + 1`);
    this.countDown = db.prepare(`UPDATE tag_counts SET entry_count = entry_count - 1 WHERE tag = ?`);
    this.dropZero = db.prepare(`DELETE FROM tag_counts WHERE tag = ? AND entry_count <= 0`);
  }

  apply(events: readonly RecordedEvent[]): void {
    const touched = entryIdsIn(events);
    for (const id of touched) {
      const state = this.states.state(id);
      if (!state.exists) continue;
      const before = this.read.get(id) as { tags: string; live: number } | undefined;
      const oldTags = before ? (JSON.parse(before.tags) as string[]) : [];
      const wasLive = before?.live === 1;
      const { tags, live } = membershipOf(state);
      const counted = new Set(wasLive ? oldTags : []);
      const nowCounted = new Set(live ? tags : []);
      for (const tag of counted) if (!nowCounted.has(tag)) this.decrement(tag);
      for (const tag of nowCounted) if (!counted.has(tag)) this.countUp.run(tag);
      if (!before || live !== wasLive || JSON.stringify(tags) !== before.tags) this.write.run(id, JSON.stringify(tags), live ? 1 : 0);
    }
  }

  private decrement(tag: string): void {
    this.countDown.run(tag);
    this.dropZero.run(tag);
  }
}
