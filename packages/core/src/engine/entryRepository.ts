import type { Statement } from 'better-sqlite3';
import { entryAggregateType } from '../domain/entry/events.js';
import type { EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import { applyMerge, mergeEntryStream, needsAuthorView, toMergeEvents, type MergeEvent, type MergeState } from '../domain/merge/mergeEntry.js';
import type { EntryStates } from '../projections/projection.js';
import type { Database } from '../store/database.js';
import type { SqliteEventStore } from '../store/sqliteEventStore.js';

/** Snapshots are a cache: bump this when MergeState changes shape, and old ones are ignored. */
const SNAPSHOT_FORMAT = 4;
/** The state cache holds at most this many characters of entry bodies (about 16 MB). */
const MAX_CACHED_CHARS = 8_000_000;

export interface EntryRepositoryOptions {
  /** Write a snapshot once this many events follow the last one. */
  readonly snapshotEvery?: number;
  /** How many recently used entry states to keep in memory. */
  readonly cacheSize?: number;
}

/**
 * Loads entry state: the entry's canonical stream folded by the merge rules (domain/merge), starting from a snapshot
 * when the stream is long. Snapshots live in the same database and are written in the command's transaction.
 *
 * Recently used states are also kept in memory. A cached state is used only after checking, in the caller's
 * transaction, that the stream has no event after it (another process may have written); states remembered by a
 * transaction that then rolls back are forgotten ({@link forget}), and so are those of streams a pull renumbered.
 * It is also the engine's {@link EntryStates}: the read models take entry state from here.
 */
export class EntryRepository implements EntryStates {
  private readonly readSnapshot: Statement;
  private readonly writeSnapshot: Statement;
  private readonly dropSnapshot: Statement;
  private readonly nextEventExists: Statement;
  private readonly snapshotEvery: number;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, { merged: MergeState; snapshotVersion: number }>();
  private cachedChars = 0;
  /** Inside {@link readOnly}: the states loaded so far, each checked against its stream once (nothing appends meanwhile). */
  private checked: Map<string, { merged: MergeState; snapshotVersion: number }> | undefined;

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
    this.dropSnapshot = db.prepare(`DELETE FROM snapshots WHERE aggregate_id = ?`);
  }

  state(entryId: string): EntryState {
    return this.load(entryId).merged.entry;
  }

  event(entryId: string, version: number): RecordedEvent | undefined {
    return this.store.readStream(entryId, { fromVersion: version, toVersion: version })[0];
  }

  load(entryId: string): { merged: MergeState; snapshotVersion: number } {
    const checked = this.checked?.get(entryId);
    if (checked) return checked;
    const loaded = this.loadChecked(entryId);
    this.checked?.set(entryId, loaded);
    return loaded;
  }

  private loadChecked(entryId: string): { merged: MergeState; snapshotVersion: number } {
    const cached = this.cache.get(entryId);
    if (cached && cached.merged.entry.version > 0 && this.nextEventExists.get(entryId, cached.merged.entry.version + 1) === undefined) {
      this.cache.delete(entryId); // re-insert: most recently used last
      this.cache.set(entryId, cached);
      return cached;
    }
    const snapshot = this.snapshot(entryId);
    const after = this.store.readStream(entryId, { fromVersion: (snapshot?.entry.version ?? 0) + 1 });
    if (snapshot) {
      const folded = foldOnto(snapshot, after, (eventId) => this.store.versionOf(entryId, eventId));
      if (folded) return { merged: folded, snapshotVersion: snapshot.entry.version };
    }
    // No snapshot, or an event after it that needs its author's view of the body: fold the whole stream.
    const stream = snapshot ? this.store.readStream(entryId) : after;
    return { merged: mergeEntryStream(entryId, toMergeEvents(stream)).state, snapshotVersion: 0 };
  }

  /** The entry as it was right after canonical `version` (folded from the start; snapshots only hold the latest). */
  loadAt(entryId: string, version: number): EntryState {
    return mergeEntryStream(entryId, toMergeEvents(this.store.readStream(entryId, { toVersion: version }))).state.entry;
  }

  readOnly<T>(work: () => T): T {
    const outer = this.checked;
    this.checked ??= new Map();
    try {
      return work();
    } finally {
      this.checked = outer;
    }
  }

  /** Remembers a state before (or after) its events are appended, in the command's transaction; snapshots long streams. */
  saved(merged: MergeState, snapshotVersion: number): void {
    let latestSnapshot = snapshotVersion;
    if (merged.entry.version - snapshotVersion >= this.snapshotEvery) {
      this.writeSnapshot.run(merged.entry.id, entryAggregateType, merged.entry.version, JSON.stringify({ format: SNAPSHOT_FORMAT, state: merged }));
      latestSnapshot = merged.entry.version;
    }
    this.drop(merged.entry.id);
    this.cache.set(merged.entry.id, { merged, snapshotVersion: latestSnapshot });
    this.cachedChars += merged.entry.body.length;
    while (this.cache.size > this.cacheSize || this.cachedChars > MAX_CACHED_CHARS) this.drop(this.cache.keys().next().value!);
  }

  /**
   * Folds an entry's whole canonical stream (just read, in the caller's transaction) and remembers the state, so the
   * read models that take it next do not fold it again: a pulled page folds each entry it touched once.
   */
  refolded(entryId: string, stream: readonly RecordedEvent[]): void {
    this.saved(mergeEntryStream(entryId, toMergeEvents(stream)).state, 0);
  }

  /**
   * Events just appended at the end of an entry's stream (pulled, in canonical order), in the caller's transaction: the
   * remembered state, when it is that of the stream right before them, takes them without reading the stream again
   * (as a command's fold onto a snapshot does); otherwise the whole stream is folded once.
   */
  appended(entryId: string, events: readonly RecordedEvent[]): void {
    const cached = this.cache.get(entryId);
    const before = events[0]!.version - 1;
    if (cached && cached.merged.entry.version === before && events.every((e, i) => e.version === before + 1 + i)) {
      const folded = foldOnto(cached.merged, events, (eventId) => this.store.versionOf(entryId, eventId));
      if (folded) {
        this.saved(folded, cached.snapshotVersion);
        return;
      }
    }
    this.refolded(entryId, this.store.readStream(entryId));
  }

  /** Forgets what is known of streams whose order changed (a pull put events before this device's own). */
  invalidate(entryIds: Iterable<string>): void {
    for (const id of entryIds) {
      this.drop(id);
      this.dropSnapshot.run(id);
    }
  }

  private drop(entryId: string): void {
    this.checked?.delete(entryId);
    const cached = this.cache.get(entryId);
    if (!cached) return;
    this.cachedChars -= cached.merged.entry.body.length;
    this.cache.delete(entryId);
  }

  /** Drops cached states (after a rollback, or when read models are rebuilt). */
  forget(entryIds?: Iterable<string>): void {
    if (!entryIds) {
      this.checked?.clear();
      this.cache.clear();
      this.cachedChars = 0;
    } else for (const id of entryIds) this.drop(id);
  }

  private snapshot(entryId: string): MergeState | undefined {
    const row = this.readSnapshot.get(entryId) as { version: number; state: string } | undefined;
    if (!row) return undefined;
    const parsed = JSON.parse(row.state) as { format: number; state: MergeState };
    return parsed.format === SNAPSHOT_FORMAT ? parsed.state : undefined;
  }
}

/**
 * The merge event of a stored event: its order is its canonical version, and its author saw everything up to the
 * event it names as its base (looked up among the events before it).
 */
export function mergeEventOf(event: RecordedEvent, seenOrder: number): MergeEvent {
  return { eventId: event.eventId, event: { type: event.type, data: event.data } as MergeEvent['event'], deviceId: event.metadata.deviceId, hlc: event.metadata.hlc, order: event.version, seenOrder };
}

/** Folds `events` onto a snapshot; undefined when one of them needs its author's view (a whole-stream fold). */
export function foldOnto(snapshot: MergeState, events: readonly RecordedEvent[], versionOf: (eventId: string) => number | undefined): MergeState | undefined {
  let merged = snapshot;
  for (const event of events) {
    const base = event.metadata.baseEventId;
    const at = base ? versionOf(base) : undefined;
    // As in a whole-stream fold: a base not found before the event counts as none seen.
    const next = mergeEventOf(event, at !== undefined && at < event.version ? at : 0);
    if (needsAuthorView(merged, next)) return undefined;
    merged = applyMerge(merged, next, () => '').state;
  }
  return merged;
}

