import type { EngineTeamNotice, SyncOverview, TeamChange } from '@cairn/core';
import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type SyncKeys = 'sync' | 'syncBusy' | 'syncError' | 'syncWorkspaces' | 'syncOpen';
type SyncActionKeys = 'loadSync' | 'openSync' | 'syncLogin' | 'syncLink' | 'syncNow' | 'syncLogout' | 'syncUnlink';

/**
 * Sync with the team's server, for the indicator and the sync panel: the state the engine pushes (`sync` notices) or
 * answers with, and the actions of the panel (sign in and out, link, sync now, unlink). The engine does the work.
 */
export function syncSlice(ctx: SliceContext): Pick<AppState, SyncKeys> & Pick<AppActions, SyncActionKeys> & { syncNotice(status: SyncOverview): void; teamNotice(notice: EngineTeamNotice): void } {
  const run = async (work: () => Promise<void>): Promise<boolean> => {
    ctx.set({ syncBusy: true, syncError: undefined });
    try {
      await work();
      return true;
    } catch (error) {
      ctx.set({ syncError: errorMessage(error) });
      return false;
    } finally {
      ctx.set({ syncBusy: false });
      await ctx.get().loadSync();
    }
  };
  return {
    sync: undefined,
    syncBusy: false,
    syncError: undefined,
    syncWorkspaces: [],
    syncOpen: false,

    syncNotice(status) {
      ctx.set({ sync: status });
    },

    teamNotice(notice) {
      // A few toasts at most: conflicts each (they need a person), then one line for the rest.
      const toast = ctx.get().toast;
      if (notice.initial) return toast({ kind: 'success', key: 'team.initial', values: { count: notice.entries } });
      const who = (c: TeamChange) => (c.by.username ? (c.by.deviceName ? `${c.by.username} (${c.by.deviceName})` : c.by.username) : '');
      const conflicts = notice.changes.filter((c) => c.kind === 'conflict');
      for (const c of conflicts.slice(0, 3)) toast({ kind: 'error', key: 'team.conflict', values: { title: c.title || '—', who: who(c) } });
      const rest = notice.changes.filter((c) => c.kind !== 'conflict');
      const others = notice.entries - conflicts.length;
      if (others <= 0 || rest.length === 0) return;
      if (others === 1) {
        const c = rest[0]!;
        return toast({ kind: 'info', key: c.by.username ? `team.${c.kind}` : `team.${c.kind}Anonymous`, values: { title: c.title || '—', who: who(c) } });
      }
      const people = [...new Set(rest.map((c) => c.by.username).filter((u): u is string => u !== null))];
      toast({ kind: 'info', key: people.length > 0 ? 'team.many' : 'team.manyAnonymous', values: { count: others, who: people.join(', ') } });
    },

    async loadSync() {
      if (!ctx.engine.has('syncStatus')) return;
      try {
        ctx.set({ sync: await ctx.engine.call('syncStatus', {}) });
      } catch {
        // the indicator keeps what it showed; the next notice or opening the panel asks again
      }
    },

    openSync(open) {
      ctx.set({ syncOpen: open, syncError: undefined });
      if (!open) return;
      void ctx.get().loadSync();
      // The workspaces are for linking; a linked device's panel does not need them (nor fail when the server is down).
      const sync = ctx.get().sync;
      if (sync?.account && !sync.linked) {
        void ctx.engine
          .call('syncWorkspaces', {})
          .then(({ workspaces }) => ctx.set({ syncWorkspaces: workspaces }))
          .catch((error: unknown) => ctx.set({ syncError: errorMessage(error) }));
      }
    },

    syncLogin: (params) =>
      run(async () => {
        const { workspaces } = await ctx.engine.call('syncLogin', params);
        ctx.set({ syncWorkspaces: workspaces });
      }),
    syncLink: (workspace, create) =>
      run(async () => {
        await ctx.engine.call('syncLink', { workspace, ...(create !== undefined && { create }) });
      }),
    syncNow: () =>
      run(async () => {
        await ctx.engine.call('syncNow', {});
      }),
    syncLogout: () =>
      run(async () => {
        await ctx.engine.call('syncLogout', {});
        ctx.set({ syncWorkspaces: [] });
      }),
    syncUnlink: () =>
      run(async () => {
        await ctx.engine.call('syncUnlink', {});
      }),
  };
}
