/**
 * The event envelope (DESIGN.md §2). A decider produces {@link DomainEvent}s (type + data); the command
 * handler wraps them into envelopes with ids, clocks and metadata; the store assigns `position`.
 */
export interface EventMetadata {
  readonly workspaceId: string;
  readonly actorId: string;
  readonly deviceId: string;
  /** Hybrid logical clock, encoded (see hlc.ts). */
  readonly hlc: string;
  /** The aggregate version the command was decided against. */
  readonly baseVersion: number;
  /**
   * The newest event of this aggregate that the author had received from the sync server when it decided
   * (null: none — a new entry, or one not synced yet). With the author's own earlier events, it names what
   * the author saw, which is what merging concurrent edits needs (domain/merge). Absent on events written
   * before sync existed; they are read as null.
   */
  readonly baseEventId?: string | null;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** ISO-8601 wall time when the event was recorded. */
  readonly at: string;
}

export interface DomainEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly data: TData;
}

export interface NewEvent<TType extends string = string, TData = unknown> extends DomainEvent<TType, TData> {
  readonly eventId: string;
  readonly schemaVersion: number;
  readonly aggregateId: string;
  readonly aggregateType: string;
  /** Version of the aggregate after this event (1 for the first event). */
  readonly version: number;
  readonly metadata: EventMetadata;
}

/** Who pushed an event and when, as the sync server recorded it (never what the event claims). */
export interface EventOrigin {
  readonly userId: string;
  readonly deviceId: string;
  /** When the server received it; null while only the acknowledgement is known (not yet pulled back). */
  readonly receivedAt: string | null;
}

export interface RecordedEvent<TType extends string = string, TData = unknown> extends NewEvent<TType, TData> {
  /** Order in the local log (arrival order on this device), starting at 1, without gaps. */
  readonly position: number;
  /** Its sequence in the sync server's log; null until acknowledged or pulled (and on a device never synced). */
  readonly seq?: number | null;
  readonly origin?: EventOrigin | null;
  /**
   * The version its envelope was written with, which is what gets pushed. `version` is its place in the entry's
   * canonical stream (the server's order, then this device's unacknowledged events), which an event pulled from
   * another device may move.
   */
  readonly authoredVersion?: number;
}

/** What a command carries besides its intent: who, where, when, and the ids to use. */
export interface CommandContext {
  readonly workspaceId: string;
  readonly actorId: string;
  readonly deviceId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** When set, the command fails with a ConcurrencyError unless the aggregate is at this version. */
  readonly expectedVersion?: number;
}
