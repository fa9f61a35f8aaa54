import type { ActivityItem, EngineStatus, EntryKind, EntrySort, EntrySummary, EntryView, HistoryItem, TagCount } from '@cairn/core';
import type { ConnectionState } from '../engine/transport.js';
import type { SearchHit, SearchMode } from '../engine/plannedApi.js';
import type { Prefs } from './prefs.js';

/** What the sidebar selects: the library by kind, the trash, or recent activity. */
export const views = ['all', 'notes', 'documents', 'trash', 'activity'] as const;
export type View = (typeof views)[number];

/** A message for a person: an i18n key and its values, plus the engine's own words when it failed. */
export interface Toast {
  readonly id: number;
  readonly kind: 'info' | 'success' | 'error';
  readonly key: string;
  readonly values?: Record<string, string | number>;
  readonly detail?: string;
}

export interface LibraryFilter {
  readonly kind?: EntryKind;
  readonly tag?: string;
  /** true: the trash. */
  readonly deleted: boolean;
}

export interface Draft {
  readonly title: string;
  readonly body: string;
  /** Tags as typed: comma- or space-separated. */
  readonly tags: string;
}

export type ImportState = 'queued' | 'sending' | 'processing' | 'done' | 'failed';

export interface ImportItem {
  readonly key: string;
  readonly name: string;
  readonly size: number;
  readonly path?: string;
  readonly state: ImportState;
  readonly reason?: string;
  readonly entryId?: string;
  readonly jobId?: number;
}

/** A file to import: a path the engine can read (desktop), or bytes the UI reads (browser). */
export interface ImportSource {
  readonly name: string;
  readonly size: number;
  readonly path?: string;
  readonly read?: () => Promise<ArrayBuffer>;
}

export interface AppState {
  // connection and capabilities
  readonly connection: ConnectionState;
  /** The engine said hello at least once (a failure before that is a refusal, not a drop). */
  readonly connectedOnce: boolean;
  readonly methods: readonly string[];
  readonly prefs: Prefs;
  readonly view: View;
  readonly settingsOpen: boolean;
  readonly toasts: readonly Toast[];
  readonly tags: readonly TagCount[];
  readonly status: EngineStatus | undefined;
  /** Long tasks the engine reports (`rebuild`, `import`, …). */
  readonly progress: Readonly<Record<string, { done: number; total: number }>>;

  // library
  readonly filter: LibraryFilter;
  readonly sort: EntrySort;
  readonly order: 'asc' | 'desc';
  readonly total: number;
  readonly pages: ReadonlyMap<number, readonly EntrySummary[]>;
  readonly libraryGeneration: number;
  readonly libraryLoading: boolean;
  readonly libraryError: string | undefined;

  // the open entry
  readonly selectedId: string | undefined;
  readonly entry: EntryView | undefined;
  readonly entryError: string | undefined;
  readonly draft: Draft | undefined;
  /** Bumped whenever the draft is replaced from the engine (not by typing), so editors reset. */
  readonly draftRevision: number;
  readonly dirty: boolean;
  readonly saving: boolean;
  /** The entry moved on elsewhere while this draft had unsaved edits. */
  readonly conflict: boolean;

  // history
  readonly historyOpen: boolean;
  readonly historyItems: readonly HistoryItem[];
  readonly historyLoading: boolean;
  readonly viewing: { readonly version: number; readonly entry: EntryView; readonly base: EntryView | undefined } | undefined;
  readonly compareWith: 'current' | 'previous';

  // activity
  readonly activity: readonly ActivityItem[];
  readonly activityLoading: boolean;

  // search (shown when the engine offers `search`)
  readonly searchOpen: boolean;
  readonly searchQuery: string;
  readonly searchMode: SearchMode;
  readonly searchResults: readonly SearchHit[];
  readonly searchLoading: boolean;
  readonly searchError: string | undefined;
  readonly searchTookMs: number | undefined;
  readonly searchSelected: number;

  // import (shown when the engine offers `importBytes` or `importPaths`)
  readonly importOpen: boolean;
  readonly imports: readonly ImportItem[];
}

export interface AppActions {
  readonly start: () => Promise<void>;
  readonly stop: () => void;
  readonly has: (method: string) => boolean;
  readonly setPrefs: (patch: Partial<Prefs>) => void;
  readonly setView: (view: View) => void;
  readonly setTagFilter: (tag: string | undefined) => void;
  readonly setSort: (sort: EntrySort, order?: 'asc' | 'desc') => void;
  readonly openSettings: (open: boolean) => void;
  readonly toast: (toast: Omit<Toast, 'id'>) => void;
  readonly dismissToast: (id: number) => void;
  readonly loadStatus: () => Promise<void>;
  readonly loadTags: () => Promise<void>;

  readonly ensureRows: (start: number, end: number) => void;
  readonly refreshLibrary: () => Promise<void>;
  /** A new filter or sort: drops the rows and loads from the top. */
  readonly resetLibrary: () => void;

  readonly openEntry: (id: string | undefined) => Promise<void>;
  readonly editDraft: (patch: Partial<Draft>) => void;
  readonly saveDraft: (options?: { overwrite?: boolean }) => Promise<void>;
  readonly discardDraft: () => Promise<void>;
  readonly createNote: (title: string) => Promise<string | undefined>;
  readonly deleteEntry: () => Promise<void>;
  readonly restoreEntry: () => Promise<void>;
  /** After a change elsewhere: shows it, or flags a conflict when there are unsaved edits. */
  readonly reloadEntry: () => Promise<void>;
  readonly reloadHistory: () => Promise<void>;

  readonly openHistory: (open: boolean) => Promise<void>;
  readonly viewVersion: (version: number | undefined) => Promise<void>;
  readonly setCompareWith: (compare: 'current' | 'previous') => Promise<void>;
  readonly restoreVersion: (version: number) => Promise<void>;

  readonly loadActivity: () => Promise<void>;

  readonly openSearch: (open: boolean) => void;
  readonly setSearchQuery: (query: string) => void;
  readonly setSearchMode: (mode: SearchMode) => void;
  readonly moveSearchSelection: (delta: number) => void;

  readonly openImport: (open: boolean) => void;
  readonly importFiles: (sources: readonly ImportSource[]) => void;
  readonly retryImport: (key: string) => void;
  readonly clearFinishedImports: () => void;
}

export type AppStore = AppState & AppActions;
