import type { EngineNotice, ImportOutcome } from '@cairn/core';
import { errorMessage } from '../engine/engineError.js';
import { toBase64 } from '../lib/base64.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState, ImportItem, ImportSource } from './state.js';

type ImportKeys = 'importOpen' | 'imports';
type ImportActionKeys = 'openImport' | 'importFiles' | 'retryImport' | 'clearFinishedImports';

/** Files sent to the engine at once. */
export const IMPORT_CONCURRENCY = 2;

export function canImport(has: (method: string) => boolean): boolean {
  return has('importBytes') || has('importPaths');
}

/**
 * The import panel's queue, for the engine's import methods (issue 4). Each dropped file is an item:
 * queued → sending → processing → done | failed (with the engine's reason, and a retry). A file with a
 * path goes by `importPaths` when the engine has it (desktop); otherwise its bytes go by `importBytes`.
 * Processing ends when the engine says so: a `changed` notice for the item's entry makes the slice
 * ask `getDocument` for its status.
 */
export function importSlice(ctx: SliceContext): Pick<AppState, ImportKeys> & Pick<AppActions, ImportActionKeys> & { importNotice(notice: EngineNotice): void } {
  const sources = new Map<string, ImportSource>();
  let nextKey = 1;
  let running = 0;

  const update = (key: string, patch: Partial<ImportItem>) =>
    ctx.set((state) => ({ imports: state.imports.map((item) => (item.key === key ? { ...item, ...patch } : item)) }));

  const pump = () => {
    while (running < IMPORT_CONCURRENCY) {
      const next = ctx.get().imports.find((item) => item.state === 'queued');
      if (!next) return;
      running++;
      update(next.key, { state: 'sending', reason: undefined });
      void send(next).finally(() => {
        running--;
        pump();
      });
    }
  };

  const send = async (item: ImportItem): Promise<void> => {
    const source = sources.get(item.key);
    try {
      let outcome: ImportOutcome | undefined;
      if (source?.path !== undefined && ctx.engine.has('importPaths')) {
        outcome = (await ctx.engine.call('importPaths', { paths: [source.path] })).files[0];
      } else if (source?.read && ctx.engine.has('importBytes')) {
        outcome = await ctx.engine.call('importBytes', { name: item.name, dataBase64: toBase64(await source.read()) });
      } else {
        return update(item.key, { state: 'failed', reason: 'unavailable' });
      }
      if (!outcome) return update(item.key, { state: 'failed', reason: 'unavailable' });
      const entryId = outcome.entryId ?? outcome.duplicateOf;
      if (outcome.outcome === 'rejected' || outcome.outcome === 'skipped' || entryId === null) {
        return update(item.key, { state: 'failed', reason: outcome.error?.message ?? outcome.outcome });
      }
      update(item.key, { state: 'processing', entryId });
      await check(item.key);
    } catch (error) {
      update(item.key, { state: 'failed', reason: errorMessage(error) });
    }
  };

  const check = async (key: string): Promise<void> => {
    const item = ctx.get().imports.find((i) => i.key === key);
    if (!item?.entryId || item.state !== 'processing') return;
    if (!ctx.engine.has('getDocument')) return update(key, { state: 'done' });
    try {
      const doc = await ctx.engine.call('getDocument', { id: item.entryId });
      if (doc.status === 'done') update(key, { state: 'done' });
      else if (doc.status === 'failed' || doc.status === 'unsupported') {
        update(key, { state: 'failed', reason: doc.error?.reason ?? doc.status, ...(doc.jobId !== null && { jobId: doc.jobId }) });
      }
    } catch (error) {
      update(key, { state: 'failed', reason: errorMessage(error) });
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
        const key = `import-${nextKey++}`;
        sources.set(key, source);
        return { key, name: source.name, size: source.size, state: 'queued', ...(source.path !== undefined && { path: source.path }) };
      });
      ctx.set((state) => ({ imports: [...items, ...state.imports], importOpen: true }));
      pump();
    },

    retryImport(key) {
      const item = ctx.get().imports.find((i) => i.key === key);
      if (!item || item.state !== 'failed') return;
      if (item.jobId !== undefined && ctx.engine.has('retryJob')) {
        update(key, { state: 'processing', reason: undefined });
        ctx.engine.call('retryJob', { jobId: item.jobId }).then(
          () => check(key),
          (error: unknown) => update(key, { state: 'failed', reason: errorMessage(error) }),
        );
        return;
      }
      update(key, { state: 'queued', reason: undefined });
      pump();
    },

    clearFinishedImports() {
      ctx.set((state) => ({ imports: state.imports.filter((i) => i.state !== 'done') }));
    },

    importNotice(notice) {
      if (notice.type !== 'changed') return;
      for (const item of ctx.get().imports) {
        if (item.state === 'processing' && item.entryId !== undefined && notice.entryIds.includes(item.entryId)) void check(item.key);
      }
    },
  };
}
