import type { EntrySummary, ListEntriesQuery } from '@cairn/core';
import { errorMessage } from '../engine/engineError.js';
import type { SliceContext } from './sliceContext.js';
import type { AppActions, AppState, LibraryFilter, View } from './state.js';

export const PAGE_SIZE = 100;

type LibraryKeys = 'filter' | 'sort' | 'order' | 'total' | 'pages' | 'libraryGeneration' | 'libraryLoading' | 'libraryError';

export function filterForView(view: View, tag: string | undefined): LibraryFilter {
  const base = tag === undefined ? {} : { tag };
  switch (view) {
    case 'notes':
      return { ...base, kind: 'note', deleted: false };
    case 'documents':
      return { ...base, kind: 'document', deleted: false };
    case 'trash':
      return { ...base, deleted: true };
    case 'all':
    case 'activity':
      return { ...base, deleted: false };
    default: {
      const unknown: never = view;
      return unknown;
    }
  }
}

/** The row at `index`, if its page is loaded. */
export function rowAt(pages: AppState['pages'], index: number): EntrySummary | undefined {
  return pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
}

/** Page requests in flight at once: a fast fling asks only for where it ends up, not every page it passed. */
export const MAX_PAGE_REQUESTS = 2;

/**
 * The library is a window onto a list that may hold 100,000 entries: pages of {@link PAGE_SIZE} rows are
 * fetched as they scroll into view, at most {@link MAX_PAGE_REQUESTS} at a time and always for the rows
 * on screen now. A refresh (after a change) refetches the visible pages under a new generation and swaps
 * them in as they arrive, so the list never flashes empty.
 */
export function librarySlice(ctx: SliceContext): Pick<AppState, LibraryKeys> & Pick<AppActions, 'ensureRows' | 'refreshLibrary' | 'setSort' | 'resetLibrary'> {
  const inflight = new Set<number>();
  /** The generation each shown page was fetched under. */
  const loadedUnder = new Map<number, number>();
  let visible: [number, number] = [0, 40];
  let waiters: (() => void)[] = [];

  const query = (page: number): ListEntriesQuery => {
    const { filter, sort, order } = ctx.get();
    return { ...filter, sort, order, limit: PAGE_SIZE, offset: page * PAGE_SIZE };
  };

  const pagesOf = ([start, end]: [number, number]) => {
    const { total } = ctx.get();
    const last = Math.max(start, total > 0 ? Math.min(end, total - 1) : end);
    const first = Math.max(0, Math.floor(start / PAGE_SIZE));
    return Array.from({ length: Math.floor(last / PAGE_SIZE) - first + 1 }, (_, i) => first + i);
  };

  const missing = () => {
    const generation = ctx.get().libraryGeneration;
    return pagesOf(visible).filter((page) => loadedUnder.get(page) !== generation && !inflight.has(page));
  };

  const pump = () => {
    for (const page of missing()) {
      if (inflight.size >= MAX_PAGE_REQUESTS) return;
      void fetchPage(page);
    }
    if (inflight.size === 0) {
      const done = waiters;
      waiters = [];
      done.forEach((resolve) => resolve());
    }
  };

  const fetchPage = async (page: number): Promise<void> => {
    const generation = ctx.get().libraryGeneration;
    inflight.add(page);
    try {
      const list = await ctx.engine.call('listEntries', query(page));
      if (ctx.get().libraryGeneration !== generation) return;
      // Pages of an older generation stay on screen until their refetch replaces them (no flash).
      loadedUnder.set(page, generation);
      ctx.set((state) => {
        const pages = new Map(state.pages);
        pages.set(page, list.entries);
        return { pages, total: list.total, libraryLoading: false, libraryError: undefined };
      });
    } catch (error) {
      // Not asked again under this generation (the next refresh or change tries again): a failing engine is not
      // hammered with the same request in a loop.
      loadedUnder.set(page, generation);
      if (ctx.get().libraryGeneration === generation) ctx.set({ libraryLoading: false, libraryError: errorMessage(error) });
    } finally {
      inflight.delete(page);
      pump();
    }
  };

  /** A new filter or sort: the old rows mean nothing now. */
  const resetLibrary = () => {
    loadedUnder.clear();
    visible = [0, 40];
    ctx.set((state) => ({ libraryGeneration: state.libraryGeneration + 1, pages: new Map(), total: 0, libraryLoading: true }));
    pump();
  };

  return {
    filter: { deleted: false },
    sort: 'updated',
    order: 'desc',
    total: 0,
    pages: new Map(),
    libraryGeneration: 1,
    libraryLoading: true,
    libraryError: undefined,

    ensureRows(start, end) {
      visible = [start, end];
      pump();
    },

    refreshLibrary() {
      ctx.set((state) => ({ libraryGeneration: state.libraryGeneration + 1 }));
      const settled = new Promise<void>((resolve) => waiters.push(resolve));
      pump();
      return settled;
    },

    setSort(sort, order) {
      ctx.set({ sort, order: order ?? (sort === 'title' ? 'asc' : 'desc') });
      resetLibrary();
    },

    resetLibrary,
  };
}
