import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState } from './state.js';

type SearchKeys =
  | 'searchOpen'
  | 'searchQuery'
  | 'searchMode'
  | 'searchResults'
  | 'searchNotices'
  | 'searchRanMode'
  | 'searchLoading'
  | 'searchError'
  | 'searchTookMs'
  | 'searchSelected';
type SearchActionKeys = 'openSearch' | 'setSearchQuery' | 'setSearchMode' | 'moveSearchSelection' | 'refreshSearch';

/** Keystrokes closer together than this share one query. */
export const SEARCH_DEBOUNCE_MS = 25;
export const SEARCH_LIMIT = 30;

/**
 * The search palette's state, for the engine's `search`. Results come as you type; an answer to an older
 * query never replaces a newer one. A change to the library (an import finishing, an edit in another tab)
 * runs the open query again, so the results stay true.
 */
export function searchSlice(ctx: SliceContext): Pick<AppState, SearchKeys> & Pick<AppActions, SearchActionKeys> {
  let timer: unknown;
  let seq = 0;

  const run = async () => {
    timer = undefined;
    const { searchQuery: query, searchMode: mode, filter } = ctx.get();
    const mine = ++seq;
    if (query.trim() === '' || !ctx.engine.has('search')) {
      ctx.set({ searchResults: [], searchNotices: [], searchRanMode: undefined, searchLoading: false, searchError: undefined, searchTookMs: undefined, searchSelected: 0 });
      return;
    }
    ctx.set({ searchLoading: true });
    try {
      const response = await ctx.engine.call('search', { query, mode, limit: SEARCH_LIMIT, ...(filter.tag !== undefined && { tag: filter.tag }) });
      if (mine !== seq) return;
      ctx.set({
        searchResults: response.results,
        searchNotices: response.notices,
        searchRanMode: response.mode,
        searchTookMs: response.tookMs,
        searchLoading: false,
        searchError: undefined,
        searchSelected: 0,
      });
    } catch (error) {
      if (mine === seq) ctx.set({ searchResults: [], searchNotices: [], searchLoading: false, searchError: errorMessage(error) });
    }
  };

  const schedule = () => {
    if (timer !== undefined) ctx.clearTimer(timer);
    timer = ctx.setTimer(() => void run(), SEARCH_DEBOUNCE_MS);
  };

  return {
    searchOpen: false,
    searchQuery: '',
    searchMode: 'hybrid',
    searchResults: [],
    searchNotices: [],
    searchRanMode: undefined,
    searchLoading: false,
    searchError: undefined,
    searchTookMs: undefined,
    searchSelected: 0,

    openSearch(open) {
      ctx.set({ searchOpen: open });
    },
    setSearchQuery(query) {
      ctx.set({ searchQuery: query });
      schedule();
    },
    setSearchMode(mode) {
      ctx.set({ searchMode: mode });
      schedule();
    },
    refreshSearch() {
      const { searchOpen, searchQuery } = ctx.get();
      if (searchOpen && searchQuery.trim() !== '') schedule();
    },
    moveSearchSelection(delta) {
      const { searchResults, searchSelected } = ctx.get();
      if (searchResults.length === 0) return;
      ctx.set({ searchSelected: (searchSelected + delta + searchResults.length) % searchResults.length });
    },
  };
}
