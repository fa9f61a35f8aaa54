import type { Statement } from 'better-sqlite3';
import { ConcurrencyError } from '../errors/cairnError.js';
import type { EventCatalog } from '../domain/shared/eventCatalog.js';
import type { EventMetadata, EventOrigin, NewEvent, RecordedEvent } from '../domain/shared/envelope.js';
import { ConflictError } from '../errors/cairnError.js';
import { resolveDuplicates, validateBatch } from './appendChecks.js';
import { sqliteError, type Database } from './database.js';
import type { AppendResult, EventStore, ReadAllOptions, ReadStreamOptions } from './eventStore.js';
import { upcastRecorded } from './upcastRecorded.js';

/** Runs inside the append transaction with the events just stored (inline projections). */
export type AppendHook = (events: readonly RecordedEvent[]) => void;

/** A row of the events table as an array (in `eventColumns` order): reads allocate less than with row objects. */
type EventRow = [number, string, string, string, number, string, number, string, string, number | null, number | null, string | null];

const eventColumns = 'position, event_id, aggregate_type, aggregate_id, version, type, schema_version, data, metadata, seq, authored_version, origin';

/**
 * The log on SQLite. Each append is one IMMEDIATE transaction (so concurrent writers queue instead of
 * failing half-way) in which the hooks — the inline projections — run too: a read after a write sees it.
 */
export class SqliteEventStore implements EventStore {
  private readonly insert: Statement;
  private readonly byEventId: Statement;
  private readonly versionExists: Statement;
  private readonly maxVersion: Statement;
  private readonly streamRange: Statement;
  private readonly allAfter: Statement;
  private readonly streamsAfter: Statement;
  private readonly headStatement: Statement;
  private readonly unacknowledgedStatement: Statement;
  private readonly countUnacknowledgedStatement: Statement;
  private readonly manyByEventId: Statement;
  private readonly versionOfStatement: Statement;
  private readonly setSequenceStatement: Statement;
  private readonly insertPulledStatement: Statement;
  private readonly canonicalOrder: Statement;
  private readonly setVersion: Statement;
  private readonly streamShapeStatement: Statement;
  private readonly lastPulledStatement: Statement;
  private readonly hooks: AppendHook[] = [];

  constructor(
    private readonly db: Database,
    private readonly catalog: EventCatalog,
  ) {
    this.insert = db.prepare(
      `INSERT INTO events (event_id, aggregate_type, aggregate_id, version, type, schema_version, data, metadata, authored_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byEventId = db.prepare(`SELECT ${eventColumns} FROM events WHERE event_id = ?`).raw();
    this.versionExists = db.prepare(`SELECT 1 FROM events WHERE aggregate_id = ? AND version = ?`).pluck();
    this.maxVersion = db.prepare(`SELECT max(version) FROM events WHERE aggregate_id = ?`).pluck();
    this.streamRange = db.prepare(`SELECT ${eventColumns} FROM events WHERE aggregate_id = ? AND version BETWEEN ? AND ? ORDER BY version`).raw();
    this.allAfter = db.prepare(`SELECT ${eventColumns} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw();
    // Walks the unique (aggregate_id, version) index.
    this.streamsAfter = db.prepare(`SELECT ${eventColumns} FROM events WHERE (aggregate_id, version) > (?, ?) ORDER BY aggregate_id, version LIMIT ?`).raw();
    this.headStatement = db.prepare(`SELECT coalesce(max(position), 0) FROM events`).pluck();
    // Sync's statements, prepared once: a pulled page runs them for every event and every entry it touches.
    this.unacknowledgedStatement = db.prepare(`SELECT ${eventColumns} FROM events WHERE seq IS NULL ORDER BY position LIMIT ?`).raw();
    this.countUnacknowledgedStatement = db.prepare(`SELECT count(*) FROM events WHERE seq IS NULL`).pluck();
    this.manyByEventId = db.prepare(`SELECT ${eventColumns} FROM events WHERE event_id IN (SELECT value FROM json_each(?))`).raw();
    this.versionOfStatement = db.prepare(`SELECT version FROM events WHERE event_id = ? AND aggregate_id = ?`).pluck();
    this.setSequenceStatement = db.prepare(`UPDATE events SET seq = ?, origin = ? WHERE event_id = ?`);
    this.insertPulledStatement = db.prepare(
      `INSERT INTO events (event_id, aggregate_type, aggregate_id, version, type, schema_version, data, metadata, seq, authored_version, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.canonicalOrder = db.prepare(`SELECT position, version FROM events WHERE aggregate_id = ? ORDER BY seq IS NULL, seq, position`).raw();
    this.setVersion = db.prepare(`UPDATE events SET version = ? WHERE position = ?`);
    this.streamShapeStatement = db.prepare(`SELECT count(*), coalesce(max(version), 0), count(seq), coalesce(max(seq), 0) FROM events WHERE aggregate_id = ?`).raw();
    this.lastPulledStatement = db.prepare(`SELECT event_id FROM events WHERE aggregate_id = ? AND seq IS NOT NULL AND seq <= ? ORDER BY seq DESC LIMIT 1`).pluck();
  }

  /** Hooks run in the append transaction, in the order added. */
  addHook(hook: AppendHook): void {
    this.hooks.push(hook);
  }

  append(events: readonly NewEvent[]): AppendResult {
    if (events.length === 0) return { events: [], duplicate: false };
    return this.transaction(() => this.appendInTransaction(events));
  }

  /**
   * Appends inside a transaction the caller already holds (a command handler reads state and appends
   * atomically). Relies on the unique indexes for ordering and idempotency; only on a violation does
   * it look further. `validated` skips the data schema check for events a decider just built (their
   * envelope and versions are still checked); events from anywhere else are always validated.
   */
  appendInTransaction(events: readonly NewEvent[], options: { validated?: boolean } = {}): AppendResult {
    if (events.length === 0) return { events: [], duplicate: false };
    const firstVersions = validateBatch(events, this.catalog, { skipData: options.validated === true });
    for (const [aggregateId, first] of firstVersions) {
      if (first > 1 && this.versionExists.get(aggregateId, first - 1) === undefined) {
        const duplicates = resolveDuplicates(events, (id) => this.eventById(id));
        if (duplicates) return { events: duplicates, duplicate: true };
        throw new ConcurrencyError(aggregateId, first - 1, this.streamVersion(aggregateId));
      }
    }
    const recorded: RecordedEvent[] = [];
    try {
      this.insertAll(events, recorded);
    } catch (error) {
      if (error instanceof DuplicateBatch) return { events: error.events, duplicate: true };
      throw error;
    }
    for (const hook of this.hooks) hook(recorded);
    return { events: recorded, duplicate: false };
  }

  private insertAll(events: readonly NewEvent[], recorded: RecordedEvent[]): void {
    for (const event of events) {
      let position: number;
      try {
        position = Number(
          this.insert.run(
            event.eventId,
            event.aggregateType,
            event.aggregateId,
            event.version,
            event.type,
            event.schemaVersion,
            JSON.stringify(event.data),
            JSON.stringify(event.metadata),
            event.version,
          ).lastInsertRowid,
        );
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
        throw this.explainViolation(events, recorded.length);
      }
      recorded.push({ ...event, position });
    }
  }

  /**
   * A unique index refused event `index` of the batch. Only a refusal of the very first event can be
   * an idempotent retry (nothing of the batch is written yet); anything later is a conflict, and
   * throwing rolls back what this batch wrote.
   */
  private explainViolation(events: readonly NewEvent[], index: number): DuplicateBatch | Error {
    const event = events[index]!;
    if (index === 0) {
      const duplicates = resolveDuplicates(events, (id) => this.eventById(id));
      if (duplicates) return new DuplicateBatch(duplicates);
    } else if (this.eventById(event.eventId)) {
      return new ConflictError('part of this batch was already appended; a batch is stored whole or not at all', { eventId: event.eventId });
    }
    return new ConcurrencyError(event.aggregateId, event.version - 1, this.streamVersion(event.aggregateId));
  }

  /** Runs `fn` in an IMMEDIATE transaction, mapping SQLite failures to Cairn errors. */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      throw sqliteError(error, 'cannot write to the event log');
    }
  }

  readStream(aggregateId: string, options: ReadStreamOptions = {}): RecordedEvent[] {
    const rows = this.streamRange.all(aggregateId, options.fromVersion ?? 1, options.toVersion ?? Number.MAX_SAFE_INTEGER) as EventRow[];
    return rows.map((row) => this.fromRow(row));
  }

  readAll(options: ReadAllOptions = {}): RecordedEvent[] {
    const rows = this.allAfter.all(options.after ?? 0, options.limit ?? -1) as EventRow[];
    return rows.map((row) => this.fromRow(row));
  }

  /** Every event after `after`, in order, without holding them all in memory. */
  *iterate(after = 0, batchSize = 5_000): Generator<RecordedEvent> {
    let position = after;
    for (;;) {
      const rows = this.allAfter.all(position, batchSize) as EventRow[];
      for (const row of rows) yield this.fromRow(row);
      if (rows.length < batchSize) return;
      position = rows[rows.length - 1]![0];
    }
  }

  /**
   * Every stream, one at a time: all events of one aggregate in version order, aggregates in id order.
   * Holds one page of events (and the stream that crosses into the next page) in memory.
   */
  *iterateStreams(pageSize = 5_000): Generator<RecordedEvent[]> {
    let stream: RecordedEvent[] = [];
    let after: [string, number] = ['', 0];
    for (;;) {
      const rows = this.streamsAfter.all(after[0], after[1], pageSize) as EventRow[];
      for (const row of rows) {
        if (stream.length > 0 && stream[0]!.aggregateId !== row[3]) {
          yield stream;
          stream = [];
        }
        stream.push(this.fromRow(row));
      }
      if (rows.length < pageSize) break;
      const last = rows[rows.length - 1]!;
      after = [last[3], last[4]];
    }
    if (stream.length > 0) yield stream;
  }

  streamVersion(aggregateId: string): number {
    return (this.maxVersion.get(aggregateId) as number | null) ?? 0;
  }

  head(): number {
    return this.headStatement.get() as number;
  }

  private eventById(eventId: string): RecordedEvent | undefined {
    const row = this.byEventId.get(eventId) as EventRow | undefined;
    return row && this.fromRow(row);
  }

  private fromRow([position, eventId, aggregateType, aggregateId, version, type, schemaVersion, data, metadata, seq, authoredVersion, origin]: EventRow): RecordedEvent {
    return upcastRecorded(this.catalog, {
      position,
      eventId,
      aggregateType,
      aggregateId,
      version,
      type,
      schemaVersion,
      data: JSON.parse(data) as unknown,
      metadata: JSON.parse(metadata) as EventMetadata,
      // Sync's fields only where they say something (a device never synced has none).
      ...(seq !== null && { seq }),
      ...(origin !== null && { origin: JSON.parse(origin) as EventOrigin }),
      ...(authoredVersion !== null && authoredVersion !== version && { authoredVersion }),
    });
  }

  // ── sync ──────────────────────────────────────────────────────────────────────────────────────────

  /** Events not acknowledged by the sync server yet, in the order they were written here. */
  unacknowledged(limit: number): RecordedEvent[] {
    return (this.unacknowledgedStatement.all(limit) as EventRow[]).map((row) => this.fromRow(row));
  }

  countUnacknowledged(): number {
    return this.countUnacknowledgedStatement.get() as number;
  }

  byIds(eventIds: readonly string[]): Map<string, RecordedEvent> {
    const found = new Map<string, RecordedEvent>();
    if (eventIds.length === 0) return found;
    // One query for the whole list (a pulled page asks for thousands).
    for (const row of this.manyByEventId.all(JSON.stringify(eventIds)) as EventRow[]) found.set(row[1], this.fromRow(row));
    return found;
  }

  /** The canonical version of an event of an entry, by id. */
  versionOf(aggregateId: string, eventId: string): number | undefined {
    return this.versionOfStatement.get(eventId, aggregateId) as number | undefined;
  }

  /** Records an event's place in the server's log and who pushed it (an acknowledgement, or the event pulled back). */
  setSequence(eventId: string, seq: number, origin: EventOrigin): void {
    this.setSequenceStatement.run(seq, JSON.stringify(origin), eventId);
  }

  /**
   * Stores an event pulled from the server (validated by the caller) after every event this device has. Without
   * `version` its stream must then be renumbered ({@link renumber}) to put it in canonical order; with it (the
   * stream's next version, when {@link streamShape} says the event goes last) it is in canonical order already.
   */
  insertPulled(event: NewEvent, seq: number, origin: EventOrigin, version?: number): RecordedEvent {
    // Without a version: one no canonical stream uses (negative, unique by seq) until the stream is renumbered.
    const position = this.insertPulledStatement.run(
      event.eventId,
      event.aggregateType,
      event.aggregateId,
      version ?? -seq,
      event.type,
      event.schemaVersion,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      seq,
      event.version,
      JSON.stringify(origin),
    ).lastInsertRowid;
    // As readStream would give it back (upcast; `version` is meaningful only when given).
    return upcastRecorded(this.catalog, {
      ...event,
      position: Number(position),
      version: version ?? -seq,
      seq,
      origin,
      ...((version === undefined || version !== event.version) && { authoredVersion: event.version }),
    });
  }

  /**
   * What decides where a pulled event goes in a stream: how many events it has, its highest version, how many of them
   * the server has numbered, and the highest of those numbers. A stream whose events all carry sequences below the
   * pulled one, numbered 1…count, takes it as its next version: that is where {@link renumber} would put it.
   */
  streamShape(aggregateId: string): { count: number; maxVersion: number; sequenced: number; maxSeq: number } {
    const [count, maxVersion, sequenced, maxSeq] = this.streamShapeStatement.get(aggregateId) as [number, number, number, number];
    return { count, maxVersion, sequenced, maxSeq };
  }

  /**
   * Puts an entry's stream in canonical order — the server's sequence, then this device's unacknowledged events in
   * the order they were written — numbering it 1, 2, …. Returns true when a version changed.
   */
  renumber(aggregateId: string): boolean {
    const rows = this.canonicalOrder.all(aggregateId) as [number, number][];
    const moves = rows.map(([position, version], i) => ({ position, version, next: i + 1 })).filter((m) => m.version !== m.next);
    if (moves.length === 0) return false;
    // Two steps, so no intermediate number collides under the unique (aggregate_id, version) index.
    for (const move of moves) this.setVersion.run(-1_000_000_000 - move.next, move.position);
    for (const move of moves) this.setVersion.run(move.next, move.position);
    return true;
  }

  /** The newest event of an entry this device has pulled (at or before the cursor): what a new edit is based on. */
  lastPulled(aggregateId: string, cursor: number): string | null {
    return (this.lastPulledStatement.get(aggregateId, cursor) as string | undefined) ?? null;
  }

  /** Rewrites an unacknowledged event's metadata (its clock, when the server refused it as far ahead). */
  rewriteMetadata(eventId: string, metadata: EventMetadata): void {
    this.db.prepare(`UPDATE events SET metadata = ? WHERE event_id = ? AND seq IS NULL`).run(JSON.stringify(metadata), eventId);
  }

  /** The newest clock among events the server has numbered. */
  latestSequencedHlc(): string | undefined {
    return (this.db.prepare(`SELECT max(json_extract(metadata, '$.hlc')) FROM events WHERE seq IS NOT NULL`).pluck().get() as string | null) ?? undefined;
  }

  /** Forgets every server sequence (the server's log was recreated or restored: its numbers mean something else now). */
  forgetSequences(): void {
    this.db.exec(`UPDATE events SET seq = NULL WHERE seq IS NOT NULL`);
  }

  /** Entries that have events after `position` (what a pull changed). */
  entriesAfter(position: number): string[] {
    return this.db.prepare(`SELECT DISTINCT aggregate_id FROM events WHERE position > ?`).pluck().all(position) as string[];
  }
}

/** Thrown (and caught) inside an append when the whole batch turns out to be stored already. */
class DuplicateBatch extends Error {
  constructor(readonly events: RecordedEvent[]) {
    super('duplicate batch');
  }
}
