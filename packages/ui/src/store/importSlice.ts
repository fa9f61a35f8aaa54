import type { DocumentView, EngineChange, EngineProgress, ImportOutcome } from '@cairn/core';
import { errorCode, errorMessage } from '../engine/engineError.js';
import { toBase64 } from '../lib/base64.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState, ImportItem, ImportSource } from './state.js';

type ImportKeys = 'importOpen' | 'imports';
type ImportActionKeys = 'openImport' | 'importFiles' | 'retryImport' | 'clearFinishedImports';

/** Files sent to the engine at once. */
export const IMPORT_CONCURRENCY = 2;
/**
 * Files larger than this go as a streamed HTTP upload where the host offers one (web mode): a base64
 * `importBytes` call travels in one WebSocket frame (at most 64 MiB) and is held in memory on both sides.
 */
export const UPLOAD_OVER_BYTES = 8 * 2 ** 20;

export function canImport(has: (method: string) => boolean): boolean {
  return has('importBytes') || has('importPaths');
}

/** Phases in which nothing more will happen to an item without the person (retry, clear). */
export function isSettled(item: ImportItem): boolean {
  return item.phase === 'done' || item.phase === 'failed' || item.phase === 'duplicate';
}

/**
 * The import panel's queue. Each dropped or chosen file is an item: waiting → sending → processing
 * (through the engine's statuses: queued, extracting, ocr, indexing) → done | failed (the engine's reason,
 * and a retry) | duplicate (the entry that already holds it). A file with a path goes by `importPaths` when
 * the engine has it (desktop); a large one by the host's streamed upload (web); otherwise its bytes go by
 * `importBytes`. The engine's `changed` notices naming an item's entry make the slice ask `getDocument`
 * for its status; `document` progress notices count OCR'd pages.
 */
export function importSlice(ctx: SliceContext): Pick<AppState, ImportKeys> & Pick<AppActions, ImportActionKeys> & { importNotice(notice: EngineChange | EngineProgress): void } {
  const sources = new Map<string, ImportSource>();
  /** Keys of the items waiting to be sent, in the order they came. */
  const queue: string[] = [];
  let nextKey = 1;
  let running = 0;

  const update = (key: string, patch: Partial<ImportItem>) =>
    ctx.set((state) => ({ imports: state.imports.map((item) => (item.key === key ? { ...item, ...patch } : item)) }));
  const find = (key: string) => ctx.get().imports.find((item) => item.key === key);

  const pump = () => {
    while (running < IMPORT_CONCURRENCY && queue.length > 0) {
      const next = find(queue.shift()!);
      if (next?.phase !== 'waiting') continue;
      running++;
      update(next.key, { phase: 'sending', reason: undefined, code: undefined, sent: undefined });
      void send(next).finally(() => {
        running--;
        pump();
      });
    }
  };

  const send = async (item: ImportItem): Promise<void> => {
    const source = sources.get(item.key);
    const ocrLanguages = [...ctx.get().prefs.ocrLanguages];
    const host = ctx.engine.host;
    try {
      if (source?.path !== undefined && ctx.engine.has('importPaths')) {
        const report = await ctx.engine.call('importPaths', { paths: [source.path], ocrLanguages });
        // A folder opened from the OS gives one outcome per file: the first is this item, the rest join the list.
        const [first, ...more] = report.files;
        if (!first) return update(item.key, { phase: 'failed', reason: undefined, code: 'empty_folder' });
        // A folder's item becomes its first file.
        if (first.path !== null && first.path !== source.path) {
          update(item.key, { name: first.name, size: first.size ?? 0, path: first.path });
          sources.set(item.key, { name: first.name, size: first.size ?? 0, path: first.path });
        }
        const extra = more.map((outcome): ImportItem => {
          const added: ImportItem = { ...newItem(outcome.name, outcome.size ?? 0, outcome.path ?? undefined), phase: 'sending' };
          // A file of the folder can be sent again by its own path.
          if (outcome.path !== null) sources.set(added.key, { name: outcome.name, size: outcome.size ?? 0, path: outcome.path });
          return added;
        });
        ctx.set((state) => ({ imports: [...extra, ...state.imports] }));
        await Promise.all([apply(item.key, first), ...more.map((outcome, i) => apply(extra[i]!.key, outcome))]);
        return;
      }
      if (source?.file && source.size > UPLOAD_OVER_BYTES && host?.uploadFile) {
        const outcome = await host.uploadFile(source.file, item.name, { ocrLanguages, onProgress: (sent) => update(item.key, { sent }) });
        return await apply(item.key, outcome);
      }
      if (source?.read && ctx.engine.has('importBytes')) {
        const dataBase64 = toBase64(await source.read());
        return await apply(item.key, await ctx.engine.call('importBytes', { name: item.name, dataBase64, ocrLanguages }));
      }
      update(item.key, { phase: 'failed', code: 'unavailable' });
    } catch (error) {
      update(item.key, { phase: 'failed', reason: errorMessage(error), code: errorCode(error) });
    }
  };

  const newItem = (name: string, size: number, path?: string): ImportItem => ({
    key: `import-${nextKey++}`,
    name,
    size,
    phase: 'waiting',
    ...(path !== undefined && { path }),
  });

  /** What the engine said about one file. */
  const apply = async (key: string, outcome: ImportOutcome): Promise<void> => {
    switch (outcome.outcome) {
      case 'imported':
        update(key, { phase: 'processing', status: outcome.documentStatus ?? 'queued', ...(outcome.entryId !== null && { entryId: outcome.entryId }) });
        return check(key);
      case 'duplicate': {
        const id = outcome.duplicateOf!;
        update(key, { phase: 'duplicate', entryId: id, duplicateOf: { id, title: '' } });
        try {
          const holder = await ctx.engine.call('getEntry', { id });
          update(key, { duplicateOf: { id, title: holder.title } });
        } catch {
          // the item still says it is a duplicate, and opens the holder
        }
        return;
      }
      case 'rejected':
      case 'skipped':
        update(key, { phase: 'failed', reason: outcome.error?.message ?? undefined, code: outcome.error?.code ?? outcome.outcome });
        return;
      default: {
        const unknown: never = outcome.outcome;
        return unknown;
      }
    }
  };

  const applyDocument = (key: string, doc: DocumentView) => {
    if (doc.status === 'done') {
      const item = find(key);
      update(key, { phase: 'done', status: 'done', pages: undefined });
      // Told once, when the import finishes: is it a near copy of something already here?
      if (item && item.phase !== 'done') void ctx.get().nearCopiesNotice(doc.id, item.name);
    }
    else if (doc.status === 'failed' || doc.status === 'unsupported') {
      update(key, {
        phase: 'failed',
        status: doc.status,
        reason: doc.error?.reason,
        code: doc.error?.code ?? doc.status,
        ...(doc.jobId !== null && { jobId: doc.jobId }),
      });
    } else update(key, { phase: 'processing', status: doc.status });
  };

  const check = async (key: string): Promise<void> => {
    const item = find(key);
    if (!item?.entryId || item.phase !== 'processing') return;
    if (!ctx.engine.has('getDocument')) return update(key, { phase: 'done' });
    try {
      const doc = await ctx.engine.call('getDocument', { id: item.entryId });
      if (find(key)?.phase === 'processing') applyDocument(key, doc);
    } catch (error) {
      update(key, { phase: 'failed', reason: errorMessage(error), code: errorCode(error) });
    }
  };

  return {
    importOpen: false,
    imports: [],

    openImport(open) {
      ctx.set({ importOpen: open });
    },

    importFiles(list) {
      const items = list.map((source): ImportItem => {
        const item = newItem(source.name, source.size, source.path);
        sources.set(item.key, source);
        queue.push(item.key);
        return item;
      });
      // The newest drop on top, each drop in its own order.
      ctx.set((state) => ({ imports: [...items, ...state.imports], importOpen: true }));
      pump();
    },

    retryImport(key) {
      const item = find(key);
      if (!item || item.phase !== 'failed') return;
      if (item.jobId !== undefined && item.entryId !== undefined && ctx.engine.has('retryJob')) {
        update(key, { phase: 'processing', status: 'queued', reason: undefined, code: undefined });
        ctx.engine.call('retryJob', { jobId: item.jobId }).then(
          () => check(key),
          (error: unknown) => update(key, { phase: 'failed', reason: errorMessage(error), code: errorCode(error) }),
        );
        return;
      }
      if (!sources.has(key)) return;
      update(key, { phase: 'waiting', reason: undefined, code: undefined });
      queue.push(key);
      pump();
    },

    clearFinishedImports() {
      ctx.set((state) => ({ imports: state.imports.filter((i) => i.phase !== 'done' && i.phase !== 'duplicate') }));
    },

    importNotice(notice) {
      const items = ctx.get().imports;
      if (notice.type === 'changed') {
        for (const item of items) {
          if (item.phase === 'processing' && item.entryId !== undefined && notice.entryIds.includes(item.entryId)) void check(item.key);
        }
        return;
      }
      if (notice.task === 'document' && notice.entryId !== undefined) {
        const item = items.find((i) => i.entryId === notice.entryId && i.phase === 'processing');
        if (item) update(item.key, { pages: { done: notice.done, total: notice.total }, ...(notice.status === 'ocr' && { status: 'ocr' }) });
      }
    },
  };
}
