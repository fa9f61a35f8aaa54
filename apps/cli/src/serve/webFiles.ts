import type { Readable } from 'node:stream';
import { defaultMaxFileBytes, importStream, parseOcrLanguages, type Engine, type ImportOutcome } from '@cairn/core';

/**
 * What web mode needs beyond the engine API for files too large to send as base64 over the WebSocket:
 * uploads streamed straight into the blob store, and the originals streamed back as downloads.
 */
export interface WebFiles {
  /** Uploads larger than this are refused before a byte is read (the ingestion limit). */
  readonly maxUploadBytes: number;
  /** Imports an upload as it streams in (never held in memory). */
  importUpload(name: string, body: Readable, options: { readonly ocrLanguages?: string | undefined }): Promise<ImportOutcome>;
  /** Where a document's original file is, its name, size and type (as the engine recognized it). */
  original(id: string): { readonly path: string; readonly name: string; readonly size: number; readonly mimeType: string };
}

export function engineWebFiles(engine: Engine, options: { readonly maxFileBytes?: number } = {}): WebFiles {
  const maxUploadBytes = options.maxFileBytes ?? defaultMaxFileBytes;
  return {
    maxUploadBytes,
    importUpload: (name, body, { ocrLanguages }) =>
      importStream(engine, name, body, { maxFileBytes: maxUploadBytes, ...(ocrLanguages !== undefined && { ocrLanguages: parseOcrLanguages(ocrLanguages) }) }),
    original(id) {
      const document = engine.documents.get(id);
      return { path: engine.blobs.pathOf(document.file.sha256), name: document.file.name, size: document.file.size, mimeType: document.file.mimeType };
    },
  };
}

/**
 * The types an original may be shown as inside the app (`?inline=1`): ones a browser renders without running
 * anything. Everything else — HTML and SVG included, until the viewer frames them — is only downloaded.
 */
export const inlineTypes: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/avif', 'application/pdf']);

/** `inline` with the same file name forms as {@link attachmentDisposition}. */
export function inlineDisposition(name: string): string {
  return attachmentDisposition(name).replace(/^attachment;/, 'inline;');
}

/**
 * A `Content-Disposition` that always downloads (an original is never rendered on this origin, where an
 * HTML file could run script) and survives any file name: an ASCII fallback plus RFC 5987's UTF-8 form.
 */
export function attachmentDisposition(name: string): string {
  const base = name.split(/[\\/]/).pop() || 'file';
  const ascii = base.replace(/[^\x20-\x7e]/g, '_').replace(/["\\;]/g, '_').trim() || 'file';
  const encoded = encodeURIComponent(base).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
