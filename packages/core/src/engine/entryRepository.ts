import type { Statement } from 'better-sqlite3';
import { evolveEntry } from '../domain/entry/evolve.js';
import type { EntryEvent } from '../domain/entry/events.js';
import { entryAggregateType } from '../domain/entry/events.js';
import { initialEntryState, type EntryState } from '../domain/entry/state.js';
import type { Database } from '../store/database.js';
import type { SqliteEventStore } from '../store/sqliteEventStore.js';

/** Snapshots are a cache: bump this when EntryState changes shape, and old ones are ignored. */
const SNAPSHOT_FORMAT = 2;

export interface EntryRepositoryOptions {
  /** Write a snapshot once this many events follow the last one. */
  readonly snapshotEvery?: number;
}

/**
 * Loads entry state by folding its events, starting from a snapshot when the stream is long.
 * Snapshots live in the same database and are written in the command's transaction.
 */
export class EntryRepository {
  private readonly readSnapshot: Statement;
  private readonly writeSnapshot: Statement;
  private readonly snapshotEvery: number;

  constructor(
    db: Database,
    private readonly store: SqliteEventStore,
    options: EntryRepositoryOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? 100;
    this.readSnapshot = db.prepare(`SELECT version, state FROM snapshots WHERE aggregate_id = ?`);
    this.writeSnapshot = db.prepare(
      `INSERT INTO snapshots (aggregate_id, aggregate_type, version, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (aggregate_id) DO UPDATE SET version = excluded.version, state = excluded.state`,
    );
  }

  load(entryId: string): { state: EntryState; snapshotVersion: number } {
    const snapshot = this.snapshot(entryId);
    const base = snapshot ?? initialEntryState(entryId);
    const events = this.store.readStream(entryId, { fromVersion: base.version + 1 });
    return { state: events.reduce((state, event) => evolveEntry(state, event as unknown as EntryEvent), base), snapshotVersion: snapshot?.version ?? 0 };
  }

  /** The entry as it was right after `version` (folded from the start; snapshots only hold the latest). */
  loadAt(entryId: string, version: number): EntryState {
    const events = this.store.readStream(entryId, { toVersion: version });
    return events.reduce((state, event) => evolveEntry(state, event as unknown as EntryEvent), initialEntryState(entryId));
  }

  /** Call in the command's transaction after appending. */
  maybeSnapshot(state: EntryState, snapshotVersion: number): void {
    if (state.version - snapshotVersion < this.snapshotEvery) return;
    this.writeSnapshot.run(state.id, entryAggregateType, state.version, JSON.stringify({ format: SNAPSHOT_FORMAT, state }));
  }

  private snapshot(entryId: string): EntryState | undefined {
    const row = this.readSnapshot.get(entryId) as { version: number; state: string } | undefined;
    if (!row) return undefined;
    const parsed = JSON.parse(row.state) as { format: number; state: EntryState };
    return parsed.format === SNAPSHOT_FORMAT ? parsed.state : undefined;
  }
}
