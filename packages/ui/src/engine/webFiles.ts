import type { ImportOutcome } from '@cairn/core';
import { EngineError, engineErrorFromData } from './engineError.js';
import type { UploadOptions } from './transport.js';

/**
 * Web mode's file routes beside the engine API (same origin, the session cookie authorizes them):
 * `POST /api/import` streams a large file to the engine, `GET /api/original/ID` downloads an original.
 */
export function uploadFile(file: Blob, name: string, options: UploadOptions): Promise<ImportOutcome> {
  return new Promise((resolve, reject) => {
    // XMLHttpRequest, not fetch: it reports upload progress.
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ name, ocr: options.ocrLanguages.join('+') });
    xhr.open('POST', `/api/import?${query.toString()}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded);
    xhr.onload = () => {
      let body: { ok?: boolean; result?: ImportOutcome; error?: unknown };
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        return reject(new EngineError('internal', `the upload was answered with HTTP ${xhr.status}`));
      }
      if (xhr.status === 200 && body.result) resolve(body.result);
      else reject(engineErrorFromData(body.error));
    };
    xhr.onerror = () => reject(new EngineError('disconnected', 'the upload was cut off'));
    xhr.send(file);
  });
}

export function originalUrl(entryId: string): string {
  return `/api/original/${encodeURIComponent(entryId)}`;
}
