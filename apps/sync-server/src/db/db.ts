import { CairnError } from '@cairn/core/domain';

export type Row = Record<string, unknown>;

/** Something SQL runs on: the database, or one transaction of it. Parameters are `$1…`; the same SQL serves both back ends. */
export interface Queryable {
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  execute(sql: string): Promise<void>;
}

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/**
 * The server's database: Postgres through a `pg` pool, or embedded PGlite (one connection, serialized). Only
 * services hold SQL; everything above them sees services.
 */
export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `work` in one transaction (READ COMMITTED) on one connection; commits when it resolves, rolls back when
   * it throws. Inside, use only `tx`: on PGlite the database itself waits for the transaction to end.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Calls `onMessage` for every NOTIFY on `channel` (re-listening after a lost connection); resolves when listening. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** True while the listening connection is up (pokes from other instances arrive). */
  listening(): boolean;
  notify(channel: string, payload: string): Promise<void>;
  /**
   * The raw output of `COPY (query) TO STDOUT` (Postgres only: PGlite answers undefined and callers query instead).
   * The connection returns to the pool when the stream ends or is destroyed.
   */
  copyOut?(sql: string): Promise<AsyncIterable<Buffer>>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

/** Postgres error codes the services react to. */
export const pgCodes = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlock: '40P01',
} as const;

export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Failures that mean "the database cannot be reached now" (connection refused or lost, the server starting up or
 * shutting down): requests answer 503 with `Retry-After`, and a retry after it recovers succeeds.
 */
export function isUnavailable(error: unknown): boolean {
  const code = pgCode(error);
  if (code === undefined) {
    const message = error instanceof Error ? error.message : '';
    return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i.test(message);
  }
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED'].includes(code) || code.startsWith('08') || code.startsWith('57P');
}

/** Maps a database failure to what a client should be told; anything unexpected stays internal. */
export function databaseError(error: unknown): CairnError {
  if (error instanceof CairnError) return error;
  if (isUnavailable(error)) return new CairnError('unavailable', 'the database is not reachable right now; try again shortly');
  return new CairnError('internal', 'the database failed', undefined, { cause: error });
}

/** A timestamp column (pg gives Date; PGlite gives Date too, or a string in aggregates) as ISO-8601. */
export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return new Date(value).toISOString();
  throw new CairnError('internal', `not a timestamp: ${String(value)}`);
}

export function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

/** A bytea column as a Buffer (pg gives Buffer, PGlite Uint8Array). */
export function bytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new CairnError('internal', 'not a bytea value');
}
