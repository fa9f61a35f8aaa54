import type { Statement } from 'better-sqlite3';
import { evolveEntry } from '../domain/entry/evolve.js';
import type { EntryEvent } from '../domain/entry/events.js';
import { entryAggregateType } from '../domain/entry/events.js';
import { initialEntryState, type EntryState } from '../domain/entry/state.js';
import type { Database } from '../store/database.js';
import type { SqliteEventStore } from '../store/sqliteEventStore.js';

/** Snapshots are a cache: bump this when EntryState changes shape, and old ones are ignored. */
const SNAPSHOT_FORMAT = 2;
/** The state cache holds at most this many characters of entry bodies (about 16 MB). */
const MAX_CACHED_CHARS = 8_000_000;

export interface EntryRepositoryOptions {
  /** Write a snapshot once this many events follow the last one. */
  readonly snapshotEvery?: number;
  /** How many recently used entry states to keep in memory. */
  readonly cacheSize?: number;
}

/**
 * Loads entry state by folding its events, starting from a snapshot when the stream is long.
 * Snapshots live in the same database and are written in the command's transaction.
 *
 * Recently used states are also kept in memory. A cached state is used only after checking, in the
 * caller's transaction, that the stream has no event after it (another process may have written);
 * states remembered by a transaction that then rolls back are forgotten ({@link forget}).
 */
export class EntryRepository {
  private readonly readSnapshot: Statement;
  private readonly writeSnapshot: Statement;
  private readonly nextEventExists: Statement;
  private readonly snapshotEvery: number;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, { state: EntryState; snapshotVersion: number }>();
  private cachedChars = 0;

  constructor(
    db: Database,
    private readonly store: SqliteEventStore,
    options: EntryRepositoryOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? 100;
    this.cacheSize = options.cacheSize ?? 20_000;
    this.nextEventExists = db.prepare(`SELECT 1 FROM events WHERE aggregate_id = ? AND version = ?`).pluck();
    this.readSnapshot = db.prepare(`SELECT version, state FROM snapshots WHERE aggregate_id = ?`);
    this.writeSnapshot = db.prepare(
      `INSERT INTO snapshots (aggregate_id, aggregate_type, version, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (aggregate_id) DO UPDATE SET version = excluded.version, state = excluded.state`,
    );
  }

  load(entryId: string): { state: EntryState; snapshotVersion: number } {
    const cached = this.cache.get(entryId);
    if (cached && cached.state.version > 0 && this.nextEventExists.get(entryId, cached.state.version + 1) === undefined) {
      this.cache.delete(entryId); // re-insert: most recently used last
      this.cache.set(entryId, cached);
      return cached;
    }
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

  /** Call in the command's transaction after appending: snapshots long streams, caches the state. */
  saved(state: EntryState, snapshotVersion: number): void {
    let latestSnapshot = snapshotVersion;
    if (state.version - snapshotVersion >= this.snapshotEvery) {
      this.writeSnapshot.run(state.id, entryAggregateType, state.version, JSON.stringify({ format: SNAPSHOT_FORMAT, state }));
      latestSnapshot = state.version;
    }
    this.drop(state.id);
    this.cache.set(state.id, { state, snapshotVersion: latestSnapshot });
    this.cachedChars += state.body.length;
    while (this.cache.size > this.cacheSize || this.cachedChars > MAX_CACHED_CHARS) this.drop(this.cache.keys().next().value!);
  }

  private drop(entryId: string): void {
    const cached = this.cache.get(entryId);
    if (!cached) return;
    this.cachedChars -= cached.state.body.length;
    this.cache.delete(entryId);
  }

  /** Drops cached states (after a rollback, or when read models are rebuilt). */
  forget(entryIds?: Iterable<string>): void {
    if (!entryIds) {
      this.cache.clear();
      this.cachedChars = 0;
    } else for (const id of entryIds) this.drop(id);
  }

  private snapshot(entryId: string): EntryState | undefined {
    const row = this.readSnapshot.get(entryId) as { version: number; state: string } | undefined;
    if (!row) return undefined;
    const parsed = JSON.parse(row.state) as { format: number; state: EntryState };
    return parsed.format === SNAPSHOT_FORMAT ? parsed.state : undefined;
  }
}
