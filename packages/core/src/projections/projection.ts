import { entryAggregateType } from '../domain/entry/events.js';
import type { EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';

/**
 * Entries as they are now: each one's canonical stream (the server's order, then this device's unacknowledged
 * events) folded by the merge rules (domain/merge). Projections take entry state from here instead of folding events
 * themselves, so every read model agrees with every synced device.
 */
export interface EntryStates {
  /** The entry's merged state now (`exists` false when its stream is empty). */
  state(entryId: string): EntryState;
  /** The event at a canonical version of the entry (its first and last give who made it and changed it when). */
  event(entryId: string, version: number): RecordedEvent | undefined;
  /**
   * Runs `work` (read-model handlers, inside one transaction that appends nothing) with each entry's state checked
   * against its stream once, however many handlers ask for it.
   */
  readOnly?<T>(work: () => T): T;
}

/** What a rebuild hands each stream replayer: the stream and its merged state. */
export interface MergedStream {
  readonly events: readonly RecordedEvent[];
  readonly state: EntryState;
}

/** Who an event is by: the account the sync server recorded, else (never synced) the actor the event names. */
export function authorOf(event: RecordedEvent): string {
  return event.origin?.userId ?? event.metadata.actorId;
}

/**
 * A read model: tables that only this projection writes, derived from the log alone. Projections are
 * deterministic — the same log gives the same rows — so a rebuild equals the live state.
 */
export interface ProjectionDefinition {
  readonly name: string;
  /** Bump when the tables or the logic change: the read model is then rebuilt from the log. */
  readonly version: number;
  /** DDL for the tables, idempotent (`IF NOT EXISTS`). */
  readonly schema: string;
  /** Tables in the order to drop them. */
  readonly tables: readonly string[];
  /** One query per table, explicit columns, ordered by primary key: what the digest hashes. */
  readonly digestQueries: readonly string[];
  /** Prepares statements against the tables (which exist by then) and returns the event handler. */
  createHandler(db: Database, states: EntryStates): ProjectionHandler;
  /**
   * Optional fast path for rebuilds: sees the log one stream at a time — every event of one aggregate,
   * in version order, streams in aggregate id order — and writes each stream's rows as it goes, so a
   * rebuild holds one stream in memory, not the whole read model, and writes rows in key order. Only
   * for projections whose rows depend on each stream's own events (sums over streams are fine: they
   * do not depend on the order). Must produce exactly the rows the handler produces from the log in
   * order (the rebuild digest tests hold both to it). Without it, a rebuild feeds the handler the log.
   */
  createStreamReplayer?(db: Database): StreamReplayer;
}

export interface StreamReplayer {
  /** One aggregate's events, all of them, in version order, with its merged state. Runs inside the rebuild transaction. */
  applyStream(stream: MergedStream): void;
  /** Writes what is left (totals over streams). Runs inside the rebuild transaction. */
  finish(): void;
}

export interface ProjectionHandler {
  /**
   * Applies events in log order. Runs inside the caller's transaction. `refold`: the events came by sync (pulled, or
   * acknowledged), so an entry's first event may have moved or learned who pushed it: nothing kept is trusted.
   */
  apply(events: readonly RecordedEvent[], refold?: boolean): void;
}

export function createProjectionTables(db: Database, projection: ProjectionDefinition): void {
  db.exec(projection.schema);
}

export function dropProjectionTables(db: Database, projection: ProjectionDefinition): void {
  for (const table of projection.tables) db.exec(`DROP TABLE IF EXISTS ${table}`);
}

/** The entries these events belong to, each once, in first-seen order (what an entry-wide projection refolds). */
export function entryIdsIn(events: readonly RecordedEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const event of events) if (event.aggregateType === entryAggregateType) ids.add(event.aggregateId);
  return ids;
}
