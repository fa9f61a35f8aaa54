import { join } from 'node:path';
import { toErrorData, type EngineApi } from '@cairn/core';
import type { FromEngineProcess } from '../ipc/contract.js';

/**
 * Copies a document's original into `dir/<entry id>/<its name>` so the OS can open it with the app for
 * its type (the blob store's own file is never handed out: an app could change it). The name is reduced
 * to one safe path segment.
 */
export async function exportForOpening(api: EngineApi, entryId: string, dir: string, requestId?: number): Promise<FromEngineProcess> {
  const request = requestId === undefined ? {} : { requestId };
  try {
    const document = await api.getDocument({ id: entryId });
    const to = join(dir, safeSegment(document.id), safeSegment(document.file.name));
    const { path } = await api.exportOriginal({ id: document.id, to, overwrite: true });
    return { kind: 'exported', entryId, path, mimeType: document.mimeType, ...request };
  } catch (error) {
    const { code, message } = toErrorData(error);
    return { kind: 'exportFailed', entryId, message, code, ...request };
  }
}

function safeSegment(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f<>:"|?*]/g, '_').replace(/^\.+/, '_').trim();
  return cleaned === '' ? 'file' : cleaned.slice(0, 200);
}
