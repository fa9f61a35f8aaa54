import type { IncomingMessage } from 'node:http';
import { CairnError } from '@cairn/core/domain';
import type { z } from 'zod';

/**
 * Reads a JSON body of at most `maxBytes`: a larger `Content-Length` is refused before anything is read, and a body
 * that grows past the limit stops being read. Malformed JSON is a `validation` error.
 */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) throw new CairnError('unsupported', 'send the body as application/json');
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw new CairnError('too_large', `the body may have at most ${maxBytes} bytes`, { limit: maxBytes });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new CairnError('too_large', `the body may have at most ${maxBytes} bytes`, { limit: maxBytes });
    chunks.push(chunk);
  }
  if (size === 0) throw new CairnError('validation', 'this request needs a JSON body');
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown;
  } catch {
    throw new CairnError('validation', 'the body is not valid JSON');
  }
}

/** Parses with a protocol schema; the first problem, with where it is, becomes a `validation` error. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new CairnError('validation', `${what} is not valid${where}: ${issue?.message ?? 'schema mismatch'}`);
}

/** Query parameters as a plain object (a repeated key is an error). */
export function queryObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in out) throw new CairnError('validation', `the query parameter ${key} appears twice`);
    out[key] = value;
  }
  return out;
}
