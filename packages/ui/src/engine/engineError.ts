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

const knownCodes: readonly string[] = ['validation', 'not_found', 'conflict', 'concurrency', 'forbidden', 'unsupported', 'busy', 'read_only', 'storage', 'internal', 'disconnected'];

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
