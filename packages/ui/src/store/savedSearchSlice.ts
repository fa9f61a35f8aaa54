import type { EngineAlertNotice } from '@cairn/core';
import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type SavedSearchActionKeys = 'loadSavedSearches' | 'saveSearch' | 'deleteSavedSearch' | 'runSavedSearch';

/** Alerts shown one by one; more than this at once (an import of a folder) become one line. */
const ALERT_TOASTS = 3;

/**
 * Saved searches (the engine's, this device's): listed in the sidebar, saved from the palette with the query, mode and
 * tag filter it has, run again by opening the palette on them. Their alerts arrive as `alert` notices and become toasts.
 */
export function savedSearchSlice(ctx: SliceContext): Pick<AppState, 'savedSearches'> & Pick<AppActions, SavedSearchActionKeys> & { alertNotice(notice: EngineAlertNotice): void } {
  return {
    savedSearches: [],

    async loadSavedSearches() {
      if (!ctx.engine.has('savedSearches')) return;
      try {
        ctx.set({ savedSearches: await ctx.engine.call('savedSearches', {}) });
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'saved.loadFailed', detail: errorMessage(error) });
      }
    },

    async saveSearch({ name, alerts }) {
      const { searchQuery, searchMode, filter } = ctx.get();
      try {
        await ctx.engine.call('saveSearch', { name, query: searchQuery, mode: searchMode, tag: filter.tag ?? null, alerts });
        ctx.get().toast({ kind: 'success', key: 'saved.saved', values: { name } });
        await ctx.get().loadSavedSearches();
        return true;
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'saved.saveFailed', detail: errorMessage(error) });
        return false;
      }
    },

    async deleteSavedSearch(id) {
      try {
        await ctx.engine.call('deleteSavedSearch', { id });
      } catch (error) {
        ctx.get().toast({ kind: 'error', key: 'saved.deleteFailed', detail: errorMessage(error) });
      }
      await ctx.get().loadSavedSearches();
    },

    runSavedSearch(id) {
      const search = ctx.get().savedSearches.find((s) => s.id === id);
      if (!search) return;
      const state = ctx.get();
      if (search.tag !== (state.filter.tag ?? null)) state.setTagFilter(search.tag ?? undefined);
      if (search.mode !== null) state.setSearchMode(search.mode);
      state.setSearchQuery(search.query);
      state.openSearch(true);
    },

    alertNotice(notice) {
      const toast = ctx.get().toast;
      if (notice.alerts.length > ALERT_TOASTS) {
        const names = [...new Set(notice.alerts.map((a) => a.name))];
        return toast({ kind: 'info', key: 'saved.alertMany', values: { count: notice.alerts.length, names: names.join(', ') } });
      }
      for (const alert of notice.alerts) toast({ kind: 'info', key: 'saved.alert', values: { name: alert.name, title: alert.title || '—' } });
    },
  };
}
