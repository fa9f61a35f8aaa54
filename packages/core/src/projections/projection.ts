import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';

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
  createHandler(db: Database): ProjectionHandler;
  /**
   * Optional fast path for rebuilds: sees the whole log once, in order, then writes. Must produce
   * exactly the rows the handler produces (the rebuild digest tests hold both to it).
   */
  createReplayer?(db: Database, log: LogReader): ProjectionReplayer;
}

/** What a replay may read back from the log besides the events it is fed. */
export interface LogReader {
  eventAt(position: number): RecordedEvent | undefined;
}

export interface ProjectionReplayer {
  apply(events: readonly RecordedEvent[]): void;
  /** Writes what the replay built. Runs inside the rebuild transaction. */
  finish(): void;
}

export interface ProjectionHandler {
  /** Applies events in log order. Runs inside the caller's transaction. */
  apply(events: readonly RecordedEvent[]): void;
}

export function createProjectionTables(db: Database, projection: ProjectionDefinition): void {
  db.exec(projection.schema);
}

export function dropProjectionTables(db: Database, projection: ProjectionDefinition): void {
  for (const table of projection.tables) db.exec(`DROP TABLE IF EXISTS ${table}`);
}
