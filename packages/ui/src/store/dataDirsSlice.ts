import type { DataDirList } from '@cairn/core';
import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type DataDirKeys = 'dataDirs' | 'dataDirsOpen' | 'dataDirsBusy' | 'dataDirsError';
type DataDirActionKeys = 'loadDataDirs' | 'openDataDirs' | 'switchDataDir' | 'createDataDir' | 'forgetDataDir';

/**
 * The data directories this person has opened (one per workspace, like Obsidian's vaults): the list the host keeps,
 * and switching to another or to a new empty one. The host does the switch (web mode re-opens its engine, the desktop
 * app restarts its engine process); everything this store holds belongs to the old directory, so the page reloads —
 * after this tab's own switch, and in any tab that reconnects to find another directory open.
 */
export function dataDirsSlice(ctx: SliceContext, reload: () => void): Pick<AppState, DataDirKeys> & Pick<AppActions, DataDirActionKeys> {
  const run = async (work: () => Promise<void>): Promise<boolean> => {
    ctx.set({ dataDirsBusy: true, dataDirsError: undefined });
    try {
      await work();
      return true;
    } catch (error) {
      ctx.set({ dataDirsError: errorMessage(error) });
      return false;
    } finally {
      ctx.set({ dataDirsBusy: false });
    }
  };
  const show = (list: DataDirList) => {
    const before = ctx.get().dataDirs?.current;
    ctx.set({ dataDirs: list });
    if (before !== undefined && before !== list.current) reload();
  };
  return {
    dataDirs: undefined,
    dataDirsOpen: false,
    dataDirsBusy: false,
    dataDirsError: undefined,

    async loadDataDirs() {
      if (!ctx.engine.has('dataDirs')) return;
      try {
        show(await ctx.engine.call('dataDirs', {}));
      } catch (error) {
        ctx.set({ dataDirsError: errorMessage(error) });
      }
    },

    openDataDirs(open) {
      ctx.set({ dataDirsOpen: open, dataDirsError: undefined });
      if (open) void ctx.get().loadDataDirs();
    },

    switchDataDir: (path) =>
      run(async () => {
        await ctx.engine.call('openDataDir', { path });
        reload();
      }),
    createDataDir: (path, name) =>
      run(async () => {
        await ctx.engine.call('createDataDir', { path, ...(name !== undefined && name !== '' && { name }) });
        reload();
      }),
    forgetDataDir: (path) =>
      run(async () => {
        show(await ctx.engine.call('forgetDataDir', { path }));
      }),
  };
}
