import type { NewEvent, RecordedEvent } from '../domain/shared/envelope.js';

export interface AppendResult {
  /** The events as stored, with positions. For a repeated batch, the events stored the first time. */
  readonly events: readonly RecordedEvent[];
  /** True when every event of the batch was already stored (an idempotent retry). */
  readonly duplicate: boolean;
}

export interface ReadStreamOptions {
  readonly fromVersion?: number;
  readonly toVersion?: number;
}

export interface ReadAllOptions {
  /** Events with a position greater than this (default 0). */
  readonly after?: number;
  readonly limit?: number;
}

/**
 * The append-only log. Appends are atomic per call; each aggregate's events must continue its stream
 * without gaps (the first new event's version is the stream's version + 1), otherwise a
 * ConcurrencyError. Appending events whose ids are already stored is a no-op that returns them.
 */
export interface EventStore {
  append(events: readonly NewEvent[]): AppendResult;
  readStream(aggregateId: string, options?: ReadStreamOptions): RecordedEvent[];
  readAll(options?: ReadAllOptions): RecordedEvent[];
  streamVersion(aggregateId: string): number;
  /** The position of the last event, 0 when empty. */
  head(): number;
}
