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
  | 'searchResultsFor'
  | 'searchLoading'
  | 'searchError'
  | 'searchTookMs'
  | 'searchSelected';
type SearchActionKeys = 'openSearch' | 'setSearchQuery' | 'setSearchMode' | 'moveSearchSelection' | 'refreshSearch';

/**
 * Changes within this long share one query. None: a query goes at once when the engine is free, and while
 * it is busy only the newest query waits (see `busy`), which is what keeps results close to the last key.
 */
export const SEARCH_DEBOUNCE_MS = 0;
export const SEARCH_LIMIT = 30;

/**
 * The search palette's state, for the engine's `search`. Results come as you type; an answer to an older
 * query never replaces a newer one. A change to the library (an import finishing, an edit in another tab)
 * runs the open query again, so the results stay true.
 */
export function searchSlice(ctx: SliceContext): Pick<AppState, SearchKeys> & Pick<AppActions, SearchActionKeys> {
  let timer: unknown;
  /** A search is with the engine; at most one is, so a fast typist never queues stale queries behind it. */
  let busy = false;
  /** The query changed (or must run again) while one was with the engine. */
  let again = false;
  /** What the results on screen answer (query, mode, tag). */
  let shown: string | undefined;
  const asked = () => {
    const { searchQuery, searchMode, filter } = ctx.get();
    return JSON.stringify([searchQuery, searchMode, filter.tag ?? null]);
  };

  const run = async () => {
    timer = undefined;
    if (busy) {
      again = true;
      return;
    }
    const { searchQuery: query, searchMode: mode, filter } = ctx.get();
    if (query.trim() === '' || !ctx.engine.has('search')) {
      shown = undefined;
      ctx.set({ searchResults: [], searchResultsFor: query, searchNotices: [], searchRanMode: undefined, searchLoading: false, searchError: undefined, searchTookMs: undefined, searchSelected: 0 });
      return;
    }
    const key = asked();
    busy = true;
    again = false;
    // Running the shown query again (the library changed) keeps its results on screen, not busy: during an import
    // that happens after every change, and the palette would never settle.
    if (key !== shown) ctx.set({ searchLoading: true });
    try {
      const response = await ctx.engine.call('search', { query, mode, limit: SEARCH_LIMIT, ...(filter.tag !== undefined && { tag: filter.tag }) });
      // An answer to a query the person has since changed is never shown.
      if (asked() === key) {
        shown = key;
        ctx.set({
          searchResults: response.results,
          searchResultsFor: query,
          searchNotices: response.notices,
          searchRanMode: response.mode,
          searchTookMs: response.tookMs,
          // What may still be pending runs this same query again: these results answer what is typed.
          searchLoading: false,
          searchError: undefined,
          searchSelected: 0,
        });
      }
    } catch (error) {
      if (asked() === key) {
        shown = undefined;
        ctx.set({ searchResults: [], searchResultsFor: query, searchNotices: [], searchLoading: again, searchError: errorMessage(error) });
      }
    } finally {
      busy = false;
    }
    // The newest query goes as soon as the engine is free.
    if (again || asked() !== key) void run();
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
    searchResultsFor: undefined,
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
