import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type HistoryKeys = 'historyOpen' | 'historyItems' | 'historyLoading' | 'viewing' | 'compareWith';
type HistoryActionKeys = 'openHistory' | 'viewVersion' | 'setCompareWith' | 'restoreVersion';

/**
 * The open entry's history: every version, any version as it was, a diff against now or against the
 * version before, and restore — which appends a revert (nothing is erased; the restore is itself a version).
 */
export function historySlice(ctx: SliceContext): Pick<AppState, HistoryKeys> & Pick<AppActions, HistoryActionKeys> & { reloadHistory(): Promise<void> } {
  const loadBase = async (version: number) => {
    const { compareWith, entry, selectedId } = ctx.get();
    if (compareWith === 'current' || selectedId === undefined) return entry;
    return version > 1 ? ctx.engine.call('getEntry', { id: selectedId, version: version - 1 }) : undefined;
  };

  const reloadHistory = async () => {
    const id = ctx.get().selectedId;
    if (id === undefined || !ctx.get().historyOpen) return;
    ctx.set({ historyLoading: true });
    try {
      const items = await ctx.engine.call('history', { id });
      if (ctx.get().selectedId === id) ctx.set({ historyItems: [...items].reverse() });
    } catch (error) {
      ctx.get().toast({ kind: 'error', key: 'history.loadFailed', detail: errorMessage(error) });
    } finally {
      ctx.set({ historyLoading: false });
    }
  };

  const viewVersion = async (version: number | undefined) => {
    const id = ctx.get().selectedId;
    if (version === undefined || id === undefined) return ctx.set({ viewing: undefined });
    try {
      const [entry, base] = await Promise.all([ctx.engine.call('getEntry', { id, version }), loadBase(version)]);
      if (ctx.get().selectedId === id) ctx.set({ viewing: { version, entry, base } });
    } catch (error) {
      ctx.get().toast({ kind: 'error', key: 'history.loadFailed', detail: errorMessage(error) });
    }
  };

  return {
    historyOpen: false,
    historyItems: [],
    historyLoading: false,
    viewing: undefined,
    compareWith: 'current',

    async openHistory(open) {
      ctx.set({ historyOpen: open, ...(open ? {} : { viewing: undefined }) });
      if (open) await reloadHistory();
    },

    viewVersion,

    async setCompareWith(compareWith) {
      ctx.set({ compareWith });
      const viewing = ctx.get().viewing;
      if (viewing) await viewVersion(viewing.version);
    },

    async restoreVersion(version) {
      const { entry, dirty } = ctx.get();
      if (!entry) return;
      if (dirty) await ctx.get().saveDraft();
      const current = ctx.get().entry ?? entry;
      try {
        const result = await ctx.engine.call('revertEntry', { id: current.id, toVersion: version, expectedVersion: current.version });
        await ctx.get().discardDraft();
        ctx.set({ viewing: undefined });
        await reloadHistory();
        ctx.get().toast(
          result.changed ? { kind: 'success', key: 'history.restored', values: { version } } : { kind: 'info', key: 'history.alreadyThere', values: { version } },
        );
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'history.restoreFailed', detail: errorMessage(error) });
      }
    },

    reloadHistory,
  };
}
