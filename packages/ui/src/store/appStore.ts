import type { EngineNotice } from '@cairn/core';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EngineClient } from '../engine/engineClient.js';
import { errorMessage } from '../engine/engineError.js';
import { askSlice } from './askSlice.js';
import { dataDirsSlice } from './dataDirsSlice.js';
import { documentSlice } from './documentSlice.js';
import { suggestionsSlice } from './suggestionsSlice.js';
import { originalSlice } from './originalSlice.js';
import { linksSlice } from './linksSlice.js';
import { entrySlice } from './entrySlice.js';
import { historySlice } from './historySlice.js';
import { importSlice } from './importSlice.js';
import { filterForView, librarySlice } from './librarySlice.js';
import { modelSlice } from './modelSlice.js';
import { nearCopiesSlice } from './nearCopiesSlice.js';
import { loadPrefs, savePrefs, type KeyValueStorage } from './prefs.js';
import { savedSearchSlice } from './savedSearchSlice.js';
import { searchSlice } from './searchSlice.js';
import { syncSlice } from './syncSlice.js';
import type { SliceContext } from './sliceContext.js';
import type { AppStore } from './state.js';

export interface AppStoreOptions {
  readonly storage?: KeyValueStorage;
  readonly navigatorLanguage?: string;
  /** Coalesces bursts of change notices (an import of a folder) into one refresh. */
  readonly refreshDelayMs?: number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** Reloads the page (after a switch of data directory); default `location.reload()`. */
  readonly reload?: () => void;
}

export const TOAST_MS = 5000;

/**
 * The UI's one store. It holds read models the engine pushes or answers with; its actions send commands.
 * Business rules stay in the engine's deciders: the store only asks and shows.
 */
export function createAppStore(engine: EngineClient, options: AppStoreOptions = {}): StoreApi<AppStore> {
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const refreshDelay = options.refreshDelayMs ?? 80;
  let unsubscribers: (() => void)[] = [];
  let nextToast = 1;

  return createStore<AppStore>()((set, get) => {
    const ctx: SliceContext = { engine, set, get, storage: options.storage, setTimer, clearTimer };
    const library = librarySlice(ctx);
    const entry = entrySlice(ctx);
    const history = historySlice(ctx);
    const search = searchSlice(ctx);
    const saved = savedSearchSlice(ctx);
    const ask = askSlice(ctx);
    const imports = importSlice(ctx);
    const documents = documentSlice(ctx);
    const suggestions = suggestionsSlice(ctx);
    const original = originalSlice(ctx);
    const links = linksSlice(ctx);
    const model = modelSlice(ctx);
    const sync = syncSlice(ctx);
    const nearCopies = nearCopiesSlice(ctx);
    const dataDirs = dataDirsSlice(ctx, options.reload ?? (() => globalThis.location?.reload()));

    let pendingIds = new Set<string>();
    let refreshTimer: unknown;
    const flushChanges = () => {
      refreshTimer = undefined;
      const ids = pendingIds;
      pendingIds = new Set();
      const state = get();
      void state.refreshLibrary();
      void state.loadTags();
      if (state.view === 'activity') void state.loadActivity();
      state.refreshSearch();
      if (state.selectedId !== undefined && ids.has(state.selectedId)) {
        void state.reloadEntry();
        void state.reloadHistory();
      }
      // Any entry's change may add or drop a backlink or mention of the open one.
      if (state.selectedId !== undefined) void state.loadLinks();
      // A new or changed entry elsewhere may be a near copy of the open one.
      nearCopies.refreshNearCopies();
    };

    const onNotice = (notice: EngineNotice) => {
      switch (notice.type) {
        case 'changed':
          for (const id of notice.entryIds) pendingIds.add(id);
          if (refreshTimer === undefined) refreshTimer = setTimer(flushChanges, refreshDelay);
          imports.importNotice(notice);
          return;
        case 'progress':
          // One document's pages belong to its import item; the rest are overall tasks.
          if (notice.task === 'document') return imports.importNotice(notice);
          set((state) => ({ progress: { ...state.progress, [notice.task]: { done: notice.done, total: notice.total } } }));
          if (notice.task === 'model-download' && notice.done >= notice.total) void get().loadModelStatus();
          return;
        case 'sync':
          return sync.syncNotice(notice.status);
        case 'team':
          return sync.teamNotice(notice);
        case 'alert':
          return saved.alertNotice(notice);
        case 'ask':
          return get().askNotice(notice);
        case 'agents':
          return get().toast({
            kind: 'info',
            key: notice.suggestedTags.length > 0 ? 'related.foundWithTags' : 'related.found',
            values: { title: notice.title || '…', tags: notice.suggestedTags.join(', '), count: notice.related },
          });
        default: {
          const unknown: never = notice;
          return unknown;
        }
      }
    };

    const reloadAll = () => {
      const state = get();
      void state.refreshLibrary();
      void state.loadTags();
      if (state.view === 'activity') void state.loadActivity();
      if (state.selectedId !== undefined) void state.reloadEntry();
    };

    return {
      connection: 'connecting',
      connectedOnce: false,
      methods: [],
      prefs: loadPrefs(options.storage, options.navigatorLanguage),
      view: 'all',
      settingsOpen: false,
      toasts: [],
      tags: [],
      status: undefined,
      progress: {},
      activity: [],
      activityLoading: false,
      ...library,
      ...entry,
      ...history,
      ...search,
      ...saved,
      ...ask,
      ...imports,
      ...documents,
      ...suggestions,
      ...original,
      ...links,
      ...model,
      ...sync,
      ...nearCopies,
      ...dataDirs,

      start() {
        unsubscribers.push(engine.subscribe(onNotice));
        unsubscribers.push(
          engine.onState((connection) => {
            const wasClosed = get().connection === 'closed';
            set({ connection });
            if (connection === 'open' && wasClosed) reloadAll();
            // The host may have switched to another data directory meanwhile (then the page reloads).
            if (connection === 'open') void get().loadDataDirs();
          }),
        );
        get().resetLibrary();
        void get().loadTags();
        void get().loadSavedSearches();
        void get().loadSync();
        void get().loadDataDirs();
        return Promise.resolve();
      },

      stop() {
        for (const unsubscribe of unsubscribers) unsubscribe();
        unsubscribers = [];
      },

      engineReady(methods) {
        engine.setMethods(methods);
        set({ methods, connectedOnce: true });
        // Asked for at start too, but then the methods were not known yet (calls wait for the hello; `has` does not).
        void get().loadSync();
        void get().loadSavedSearches();
      },

      has: (method) => engine.has(method),

      setPrefs(patch) {
        const prefs = { ...get().prefs, ...patch };
        set({ prefs });
        savePrefs(options.storage, prefs);
      },

      setView(view) {
        if (view === get().view) return;
        set({ view, filter: filterForView(view, get().filter.tag) });
        if (view === 'activity') void get().loadActivity();
        else get().resetLibrary();
      },

      setTagFilter(tag) {
        const view = get().view === 'activity' ? 'all' : get().view;
        set({ view, filter: filterForView(view, tag) });
        get().resetLibrary();
      },

      setStatusFilter(status) {
        const { tag } = get().filter;
        set({ view: 'documents', filter: { ...filterForView('documents', tag), ...(status !== undefined && { status }) } });
        get().resetLibrary();
      },

      openSettings(open) {
        set({ settingsOpen: open });
        if (open) {
          void get().loadStatus();
          void get().loadModelStatus();
        }
      },

      toast(toast) {
        const id = nextToast++;
        set((state) => ({ toasts: [...state.toasts.slice(-3), { ...toast, id }] }));
        setTimer(() => get().dismissToast(id), toast.kind === 'error' ? TOAST_MS * 2 : TOAST_MS);
      },

      dismissToast(id) {
        set((state) => ({ toasts: state.toasts.filter((t) => t.id !== id) }));
      },

      async loadStatus() {
        try {
          set({ status: await engine.call('status', {}) });
        } catch (error) {
          get().toast({ kind: 'error', key: 'settings.statusFailed', detail: errorMessage(error) });
        }
      },

      async loadTags() {
        try {
          set({ tags: await engine.call('tags', {}) });
        } catch {
          // the sidebar keeps the tags it had; the next change tries again
        }
      },

      async loadActivity() {
        set({ activityLoading: true });
        try {
          set({ activity: await engine.call('activity', { limit: 200 }), activityLoading: false });
        } catch (error) {
          set({ activityLoading: false });
          get().toast({ kind: 'error', key: 'activity.loadFailed', detail: errorMessage(error) });
        }
      },
    };
  });
}
