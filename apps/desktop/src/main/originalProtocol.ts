// Documents' originals shown in the window (images inline, PDFs in the viewer): main answers the renderer's
// `cairn-original://original/<entry id>` requests with a copy the engine process makes in main's own folder.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { originalScheme, type FromEngineProcess } from '../ipc/contract.js';
import { isInside } from './paths.js';

type ExportAnswer = Extract<FromEngineProcess, { kind: 'exported' | 'exportFailed' }>;

/**
 * Types the window may show as they are. Anything else (HTML above all, which would run in the app's scheme) is
 * answered as a download, never rendered: the UI shows text-like originals through the engine's sanitized view.
 */
const inlineTypes = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/avif']);

export interface OriginalProtocolDeps {
  /** Asks the engine process to copy an original into `originalsDir` (its answer comes to {@link OriginalProtocol.settle}). */
  readonly requestExport: (entryId: string, requestId: number) => void;
  readonly originalsDir: string;
  /** How long to wait for the engine's copy (a large original from a slow disk). */
  readonly timeoutMs?: number;
}

export interface OriginalProtocol {
  /** The handler for `protocol.handle(originalScheme, …)`. */
  handle(request: Request): Promise<Response>;
  /** Takes the engine's answer to one of this protocol's requests; false when it answers none (an "open" request). */
  settle(answer: ExportAnswer): boolean;
}

export function createOriginalProtocol(deps: OriginalProtocolDeps): OriginalProtocol {
  const pending = new Map<number, (answer: ExportAnswer | undefined) => void>();
  let nextId = 1;

  const exportOf = (entryId: string) =>
    new Promise<ExportAnswer | undefined>((resolve) => {
      const requestId = nextId++;
      const timer = setTimeout(() => {
        pending.delete(requestId);
        resolve(undefined);
      }, deps.timeoutMs ?? 60_000);
      pending.set(requestId, (answer) => {
        clearTimeout(timer);
        pending.delete(requestId);
        resolve(answer);
      });
      deps.requestExport(entryId, requestId);
    });

  return {
    async handle(request) {
      const entryId = entryIdOf(request.url);
      if (entryId === undefined) return text(400, `not an original's address: ${request.url}`);
      if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, `${request.method} is not allowed here`);
      const answer = await exportOf(entryId);
      if (answer === undefined) return text(504, `the engine did not copy the original of ${entryId} in time`);
      if (answer.kind === 'exportFailed') return text(answer.code === 'not_found' ? 404 : 500, answer.message);
      if (!isInside(answer.path, deps.originalsDir)) return text(403, `refused ${answer.path}: not in ${deps.originalsDir}`);
      const { size } = await stat(answer.path);
      const inline = inlineTypes.has(answer.mimeType);
      const headers = {
        'content-type': inline ? answer.mimeType : 'application/octet-stream',
        'content-length': String(size),
        'x-content-type-options': 'nosniff',
        // Were the original ever loaded as a page, nothing in it runs or loads.
        'content-security-policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
        ...(!inline && { 'content-disposition': 'attachment' }),
      };
      if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
      return new Response(Readable.toWeb(createReadStream(answer.path)) as ReadableStream<Uint8Array>, { status: 200, headers });
    },
    settle(answer) {
      const resolve = answer.requestId === undefined ? undefined : pending.get(answer.requestId);
      if (!resolve) return false;
      resolve(answer);
      return true;
    },
  };
}

/** The entry id in `cairn-original://original/<id>` (query and fragment ignored); undefined for anything else. */
export function entryIdOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${originalScheme}:` || parsed.hostname !== 'original') return undefined;
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  if (segments.length !== 1) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(segments[0]!);
  } catch {
    return undefined;
  }
  return id.length > 0 && id.length <= 200 && !/[\u0000-\u001f/\\]/.test(id) ? id : undefined;
}

function text(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
