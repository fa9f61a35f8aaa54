/**
 * One base error with a `code`. Errors cross process boundaries (IPC, HTTP, WebSocket, CLI JSON) as
 * {@link ErrorData} and are turned back into errors at the edge with {@link errorFromData}.
 */
export const errorCodes = [
  'validation',
  'not_found',
  'conflict',
  'concurrency',
  'forbidden',
  'unsupported',
  'busy',
  'read_only',
  'storage',
  'internal',
  // Codes of a remote service (the sync server and its clients).
  'unauthorized',
  'rate_limited',
  'too_large',
  'unavailable',
  'clock_skew',
  'client_too_old',
  'server_too_old',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CairnError';
    this.code = code;
    this.details = details;
  }

  toData(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export class ValidationError extends CairnError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('validation', message, details);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends CairnError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('not_found', message, details);
    this.name = 'NotFoundError';
  }
}

/** The aggregate moved on since the caller read it (optimistic concurrency). */
export class ConcurrencyError extends CairnError {
  constructor(
    readonly aggregateId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      'concurrency',
      `entry ${aggregateId} is at version ${actualVersion}, not ${expectedVersion}; reload and try again`,
      { aggregateId, expectedVersion, actualVersion },
    );
    this.name = 'ConcurrencyError';
  }
}

/** The command contradicts the current state (e.g. editing a deleted entry). */
export class ConflictError extends CairnError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
    this.name = 'ConflictError';
  }
}

export class UnsupportedError extends CairnError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('unsupported', message, details);
    this.name = 'UnsupportedError';
  }
}

export class StorageError extends CairnError {
  constructor(code: Extract<ErrorCode, 'storage' | 'busy' | 'read_only'>, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, details, { cause });
    this.name = 'StorageError';
  }
}

export function isCairnError(value: unknown): value is CairnError {
  return value instanceof CairnError;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}

/** Any thrown value as data; unknown errors become `internal` without leaking a stack. */
export function toErrorData(error: unknown): ErrorData {
  if (error instanceof CairnError) return error.toData();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

/** The edge's inverse of {@link toErrorData}. Malformed data becomes an `internal` error. */
export function errorFromData(data: unknown): CairnError {
  if (typeof data === 'object' && data !== null) {
    const { code, message, details } = data as Record<string, unknown>;
    if (isErrorCode(code) && typeof message === 'string') {
      const detailRecord = typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined;
      return new CairnError(code, message, detailRecord);
    }
  }
  return new CairnError('internal', 'malformed error data', { data });
}

/** For broken invariants only, never for bad user input. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CairnError('internal', `invariant violated: ${message}`);
}
