import type { ErrorCode } from '@cairn/core';

/** Codes an engine call can fail with: the engine's own, plus `disconnected` when the transport is gone. */
export type EngineErrorCode = ErrorCode | 'disconnected';

/** An engine error turned back into an Error at the UI's edge (errors cross transports as data). */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: EngineErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }
}

// Every ErrorCode (the Record makes the compiler list them), plus the transport's own.
const codeSet: Record<EngineErrorCode, true> = {
  validation: true, not_found: true, conflict: true, concurrency: true, forbidden: true, unsupported: true, busy: true, read_only: true,
  storage: true, internal: true, unauthorized: true, rate_limited: true, too_large: true, unavailable: true, clock_skew: true,
  client_too_old: true, server_too_old: true, disconnected: true,
};
const knownCodes: readonly string[] = Object.keys(codeSet);

export function engineErrorFromData(data: unknown): EngineError {
  if (typeof data === 'object' && data !== null) {
    const { code, message, details } = data as Record<string, unknown>;
    if (typeof code === 'string' && knownCodes.includes(code) && typeof message === 'string') {
      return new EngineError(code as EngineErrorCode, message, typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined);
    }
  }
  return new EngineError('internal', 'the engine sent a malformed error');
}

export function errorCode(error: unknown): EngineErrorCode {
  return error instanceof EngineError ? error.code : 'internal';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
