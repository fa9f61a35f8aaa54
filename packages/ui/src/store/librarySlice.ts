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

/**
 * The library is a window onto a list that may hold 100,000 entries: pages of {@link PAGE_SIZE} rows are
 * fetched as they scroll into view. A refresh (after a change) refetches the visible pages under a new
 * generation and swaps them in when they arrive, so the list never flashes empty.
 */
export function librarySlice(ctx: SliceContext): Pick<AppState, LibraryKeys> & Pick<AppActions, 'ensureRows' | 'refreshLibrary' | 'setSort' | 'resetLibrary'> {
  const inflight = new Set<string>();
  let visible: [number, number] = [0, 40];
  /** The generation whose pages are in the store. */
  let shownGeneration = 0;

  const query = (page: number): ListEntriesQuery => {
    const { filter, sort, order } = ctx.get();
    return { ...filter, sort, order, limit: PAGE_SIZE, offset: page * PAGE_SIZE };
  };

  const fetchPage = async (page: number, generation: number): Promise<void> => {
    const key = `${generation}:${page}`;
    if (inflight.has(key)) return;
    inflight.add(key);
    try {
      const list = await ctx.engine.call('listEntries', query(page));
      if (ctx.get().libraryGeneration !== generation) return;
      ctx.set((state) => {
        const pages = shownGeneration === generation ? new Map(state.pages) : new Map<number, readonly EntrySummary[]>();
        shownGeneration = generation;
        pages.set(page, list.entries);
        return { pages, total: list.total, libraryLoading: false, libraryError: undefined };
      });
    } catch (error) {
      if (ctx.get().libraryGeneration === generation) ctx.set({ libraryLoading: false, libraryError: errorMessage(error) });
    } finally {
      inflight.delete(key);
    }
  };

  const pagesOf = ([start, end]: [number, number]) => {
    const first = Math.max(0, Math.floor(start / PAGE_SIZE));
    const last = Math.max(first, Math.floor(Math.max(start, end) / PAGE_SIZE));
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  };

  /** A new filter or sort: the old rows mean nothing now. */
  const resetLibrary = () => {
    const generation = ctx.get().libraryGeneration + 1;
    shownGeneration = generation;
    visible = [0, 40];
    ctx.set({ libraryGeneration: generation, pages: new Map(), total: 0, libraryLoading: true });
    void fetchPage(0, generation);
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
      const { pages, libraryGeneration, total } = ctx.get();
      const cappedEnd = total > 0 ? Math.min(end, total - 1) : end;
      for (const page of pagesOf([start, cappedEnd])) {
        if (shownGeneration !== libraryGeneration || !pages.has(page)) void fetchPage(page, libraryGeneration);
      }
    },

    async refreshLibrary() {
      const generation = ctx.get().libraryGeneration + 1;
      ctx.set({ libraryGeneration: generation });
      await Promise.all(pagesOf(visible).map((page) => fetchPage(page, generation)));
    },

    setSort(sort, order) {
      ctx.set({ sort, order: order ?? (sort === 'title' ? 'asc' : 'desc') });
      resetLibrary();
    },

    resetLibrary,
  };
}
