import type { ServerResponse } from 'node:http';
import { CairnError, type ErrorCode } from '@cairn/core/domain';
import { httpStatusByCode, type ErrorBody } from '@cairn/core/protocol';

export const jsonType = 'application/json; charset=utf-8';

/** Headers every answer carries: an API answer is never rendered or framed, and never cached by a proxy by default. */
const baseHeaders = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;

/** Sends JSON: a value, or its text (a string, or bytes already encoded). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { ...baseHeaders, 'content-type': jsonType, 'content-length': typeof text === 'string' ? Buffer.byteLength(text) : text.length, ...headers });
  res.end(text);
}

/**
 * Streams a JSON answer piece by piece (chunked), minding back-pressure. The first piece is awaited before the
 * status is sent, so a failure before any event (the database away) still gets a proper error answer; a failure
 * later cuts the answer short (the client sees an incomplete body and retries).
 */
export async function sendStream(res: ServerResponse, pieces: AsyncIterable<string | Buffer>): Promise<void> {
  const iterator = pieces[Symbol.asyncIterator]();
  const first = await iterator.next();
  res.writeHead(200, { ...baseHeaders, 'content-type': jsonType });
  try {
    for (let step = first; !step.done; step = await iterator.next()) {
      if (!res.write(step.value)) await new Promise<void>((resolve) => res.once('drain', resolve));
      if (res.destroyed) {
        await iterator.return?.();
        return;
      }
    }
  } catch (error) {
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  res.end();
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...baseHeaders, ...headers });
  res.end();
}

/** Seconds a client should wait before retrying, by code (or as the error says). */
function retryAfter(error: CairnError): string | undefined {
  const stated = error.details?.retryAfterSeconds;
  if (typeof stated === 'number') return String(stated);
  if (error.code === 'unavailable' || error.code === 'busy') return '2';
  if (error.code === 'rate_limited') return '1';
  return undefined;
}

/**
 * Any failure as `{code, message, details?}` with the status its code maps to. Unknown failures become `internal`
 * with a generic message (the log has the cause, keyed by the request id): nothing inside leaks to the client.
 */
export function errorResponse(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const known = error instanceof CairnError && error.code !== 'internal' ? error : undefined;
  const code: ErrorCode = known?.code ?? 'internal';
  const body: ErrorBody = known
    ? { code, message: known.message, ...(known.details !== undefined ? { details: publicDetails(known.details) } : {}) }
    : { code: 'internal', message: 'the server failed to answer this request; it was logged' };
  const headers: Record<string, string> = {};
  const after = known && retryAfter(known);
  if (after) headers['retry-after'] = after;
  return { status: httpStatusByCode[code], body, headers };
}

export function sendError(res: ServerResponse, error: unknown): number {
  const { status, body, headers } = errorResponse(error);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  sendJson(res, status, body, status === 401 ? { ...headers, 'www-authenticate': 'Bearer realm="cairn"' } : headers);
  return status;
}

function publicDetails(details: Record<string, unknown>): Record<string, unknown> {
  const { retryAfterSeconds: _, ...rest } = details;
  return rest;
}
