import type { DocumentFailureCode } from '../../domain/document/events.js';

/**
 * Why a file's text could not be extracted, in words a person understands. `retryable` is true only
 * for failures that may pass on another attempt (a worker that crashed, a timeout, a read error).
 */
export class ExtractionError extends Error {
  constructor(
    readonly code: DocumentFailureCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ExtractionError';
  }
}

export const unsupported = (message: string): ExtractionError => new ExtractionError('unsupported', message);
export const corrupt = (message: string): ExtractionError => new ExtractionError('corrupt', message);
export const encrypted = (message: string): ExtractionError => new ExtractionError('encrypted', message);
export const empty = (message: string): ExtractionError => new ExtractionError('empty', message);

/** The first line of a library's error message, without stack noise, for a failure reason. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  return (message || 'unknown error').split('\n')[0]!.replace(/^\[OfficeParser\]:\s*/g, '').slice(0, 300);
}
