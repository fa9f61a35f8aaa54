import type {
  ActivityItem,
  AskCitation,
  AskPassage,
  AskResult,
  AskSettings,
  AskSettingsChange,
  EngineAskNotice,
  DataDirList,
  DocumentStatus,
  DocumentView,
  EngineStatus,
  EntryKind,
  EntryLinksView,
  EntrySort,
  EntrySummary,
  EntryView,
  HistoryItem,
  ModelStatus,
  OriginalView,
  RelatedEntry,
  ProcessingFilter,
  SearchMode,
  SearchResult,
  SavedSearch,
  SummaryView,
  SyncOverview,
  TagCount,
  TagSuggestion,
} from '@cairn/core';
import type { Workspace } from '@cairn/core/protocol';
import type { ConnectionState } from '../engine/transport.js';
import type { Prefs } from './prefs.js';
import type { NearCopiesActions, NearCopiesState } from './nearCopiesSlice.js';

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
  /** Documents by processing status (the Documents view). */
  readonly status?: ProcessingFilter;
  /** true: the trash. */
  readonly deleted: boolean;
}

export interface Draft {
  readonly title: string;
  readonly body: string;
  /** Tags as typed: comma- or space-separated. */
  readonly tags: string;
}

/**
 * Where one file of an import stands: waiting in the UI's queue, being sent, then processed by the engine
 * (`status` says how far), and finally done, failed (the engine's reason) or a duplicate of an entry.
 */
export type ImportPhase = 'waiting' | 'sending' | 'processing' | 'done' | 'failed' | 'duplicate';

export interface ImportItem {
  readonly key: string;
  readonly name: string;
  readonly size: number;
  readonly path?: string;
  readonly phase: ImportPhase;
  /** The document's processing status, as the engine reports it (queued, extracting, ocr, …). */
  readonly status?: DocumentStatus;
  /** Pages read so far while a document is OCR'd (the engine's `document` progress). */
  readonly pages?: { readonly done: number; readonly total: number };
  /** Bytes sent so far, for uploads over HTTP. */
  readonly sent?: number;
  /** Why it failed, in the engine's words. */
  readonly reason?: string;
  /** The failure's code: a document's (`empty`, `unsupported`, …) or an error's. */
  readonly code?: string;
  readonly entryId?: string;
  readonly jobId?: number;
  /** For a duplicate: the entry that already holds the same content. */
  readonly duplicateOf?: { readonly id: string; readonly title: string };
}

/** A file to import: a path the engine can read (desktop), or bytes the UI reads (browser). */
export interface ImportSource {
  readonly name: string;
  readonly size: number;
  readonly path?: string;
  readonly read?: () => Promise<ArrayBuffer>;
  /** The file itself, for a streamed upload when it is large (web mode). */
  readonly file?: Blob;
}

/** The question being (or last) answered in the palette: the answer grows as the engine streams it. */
export interface AskView {
  readonly askId: string;
  readonly question: string;
  readonly passages: readonly AskPassage[];
  readonly answer: string;
  /** The call's result, once the answer is complete (citations, a model's failure, notices). */
  readonly result: AskResult | undefined;
  readonly running: boolean;
  /** The call itself failed (the engine refused the question). */
  readonly error: string | undefined;
}

export interface AppState extends NearCopiesState {
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
  /** Searches saved on this device (sidebar), oldest first. */
  readonly savedSearches: readonly SavedSearch[];
  readonly status: EngineStatus | undefined;
  /** Long tasks the engine reports (`rebuild`, `import`, `process`, `embed`, `model-download`). */
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
  /** The words a search matched, when the open entry was opened from a search hit (a PDF opens on their page). */
  readonly openedFromSearch: readonly string[] | undefined;

  // history
  readonly historyOpen: boolean;
  readonly historyItems: readonly HistoryItem[];
  readonly historyLoading: boolean;
  readonly viewing: { readonly version: number; readonly entry: EntryView; readonly base: EntryView | undefined } | undefined;
  readonly compareWith: 'current' | 'previous';

  // the open document (an imported file): its processing and extracted text
  readonly document: DocumentView | undefined;
  readonly documentText: string | undefined;
  readonly documentError: string | undefined;
  /** The open document's extractive summary (the summaries agent), null when it has none. */
  readonly documentSummary: SummaryView | null | undefined;
  /** What the agents suggest for the open entry: related entries and tags to add. */
  readonly suggestions: { readonly entryId: string; readonly related: readonly RelatedEntry[]; readonly tags: readonly TagSuggestion[] } | undefined;
  /** The open document's original as text (Markdown, HTML, e-mail), for the document it belongs to. */
  readonly original: { readonly id: string; readonly view: OriginalView } | undefined;
  readonly originalError: { readonly id: string; readonly message: string } | undefined;

  // the open entry's links, backlinks and unlinked mentions
  readonly links: EntryLinksView | undefined;
  readonly linksError: string | undefined;

  // the embedding model (settings)
  readonly model: ModelStatus | undefined;
  readonly modelBusy: boolean;
  readonly modelError: string | undefined;

  // activity
  readonly activity: readonly ActivityItem[];
  readonly activityLoading: boolean;

  // search (shown when the engine offers `search`)
  readonly searchOpen: boolean;
  readonly searchQuery: string;
  readonly searchMode: SearchMode;
  readonly searchResults: readonly SearchResult[];
  /** Things the engine said about the query (no model, an unknown filter, …). */
  readonly searchNotices: readonly string[];
  /** The mode that ran (hybrid falls back to lexical without a model). */
  readonly searchRanMode: SearchMode | undefined;
  /** The query the results shown answer (the input may be ahead of it while a search runs). */
  readonly searchResultsFor: string | undefined;
  readonly searchLoading: boolean;
  readonly searchError: string | undefined;
  readonly searchTookMs: number | undefined;
  readonly searchSelected: number;

  // ask (a tab of the search palette, shown when the engine offers `ask`)
  readonly paletteTab: 'search' | 'ask';
  readonly ask: AskView | undefined;
  readonly askSettings: AskSettings | undefined;
  readonly askSettingsError: string | undefined;
  /** The passage a citation pointed at, highlighted in the open entry (its body, or its document's text). */
  readonly openedPassage: { readonly entryId: string; readonly source: 'body' | 'text'; readonly start: number; readonly end: number } | undefined;

  // import (shown when the engine offers `importBytes` or `importPaths`)
  readonly importOpen: boolean;
  readonly imports: readonly ImportItem[];

  // sync with the team's server (shown when the engine offers `syncStatus`)
  readonly sync: SyncOverview | undefined;
  readonly syncOpen: boolean;
  readonly syncBusy: boolean;
  readonly syncError: string | undefined;
  readonly syncWorkspaces: readonly Workspace[];

  // data directories, one per workspace (shown when the engine offers `dataDirs`)
  readonly dataDirs: DataDirList | undefined;
  readonly dataDirsOpen: boolean;
  readonly dataDirsBusy: boolean;
  readonly dataDirsError: string | undefined;
}

export interface AppActions extends NearCopiesActions {
  readonly start: () => Promise<void>;
  readonly stop: () => void;
  /**
   * The engine's hello arrived (first, or after a reconnect): what it offers is known now, so what depends on a
   * method (the sync indicator's state) is asked for.
   */
  readonly engineReady: (methods: readonly string[]) => void;
  readonly has: (method: string) => boolean;
  readonly setPrefs: (patch: Partial<Prefs>) => void;
  readonly setView: (view: View) => void;
  readonly setTagFilter: (tag: string | undefined) => void;
  /** Documents by processing status; undefined: all of them. */
  readonly setStatusFilter: (status: ProcessingFilter | undefined) => void;
  readonly setSort: (sort: EntrySort, order?: 'asc' | 'desc') => void;
  readonly openSettings: (open: boolean) => void;
  readonly toast: (toast: Omit<Toast, 'id'>) => void;
  readonly dismissToast: (id: number) => void;
  readonly loadStatus: () => Promise<void>;
  readonly loadTags: () => Promise<void>;
  readonly loadSavedSearches: () => Promise<void>;
  /** Saves the palette's query (with its mode and tag filter) under a name; false when the engine refused. */
  readonly saveSearch: (input: { readonly name: string; readonly alerts: boolean }) => Promise<boolean>;
  readonly deleteSavedSearch: (id: string) => Promise<void>;
  /** Opens the palette on a saved search. */
  readonly runSavedSearch: (id: string) => void;

  readonly ensureRows: (start: number, end: number) => void;
  readonly refreshLibrary: () => Promise<void>;
  /** A new filter or sort: drops the rows and loads from the top. */
  readonly resetLibrary: () => void;

  /** `searchTerms`: it was opened from a search hit that matched these words. */
  readonly openEntry: (id: string | undefined, options?: { readonly searchTerms?: readonly string[] }) => Promise<void>;
  /** `replace`: the change came from outside the editor (it reloads its text). */
  readonly editDraft: (patch: Partial<Draft>, options?: { replace?: boolean }) => void;
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

  /** Loads the related entries and tag suggestions of an entry (the open one). */
  readonly loadSuggestions: (id: string) => Promise<void>;
  /** Adds a suggested tag to the open entry (an ordinary edit). */
  readonly acceptTag: (tag: string) => Promise<void>;
  /** Stops suggesting a tag for the open entry (remembered by the engine). */
  readonly dismissTag: (tag: string) => Promise<void>;
  /** Stops showing an entry as related to the open one. */
  readonly dismissRelated: (otherId: string) => Promise<void>;
  /** Loads the open document's processing state (and its text once there is some). */
  readonly loadDocument: (id: string) => Promise<void>;
  /** Processes a failed document again (its dead job revived). */
  readonly retryDocument: (jobId: number) => Promise<void>;
  /** Downloads a document's original imported on another device, then reloads the document. */
  readonly fetchOriginal: (id: string) => Promise<void>;
  /** Fetches a text-like original's safe view (`original`), once per document. */
  readonly loadOriginal: (id: string) => Promise<void>;

  /** Loads the open entry's links, backlinks and unlinked mentions. */
  readonly loadLinks: () => Promise<void>;
  /** Turns `from`'s first plain mention of the open entry's title into a link to it. */
  readonly linkMention: (from: string) => Promise<void>;
  /** Follows a `[[Title]]` of the open entry: opens the entry it leads to, or creates one with that title. */
  readonly followLink: (title: string) => Promise<void>;
  /** Titles to offer after `[[`, best first, for what has been typed since. */
  readonly linkTitles: (typed: string) => Promise<string[]>;

  readonly loadModelStatus: () => Promise<void>;
  readonly downloadModel: () => Promise<void>;
  readonly useModel: (dir: string) => Promise<void>;

  readonly loadSync: () => Promise<void>;
  readonly openSync: (open: boolean) => void;
  /** Each resolves true when it worked (else `syncError` says why). */
  readonly syncLogin: (params: { server: string; username: string; password: string; invitation?: string }) => Promise<boolean>;
  readonly syncLink: (workspace: string, create?: string) => Promise<boolean>;
  readonly syncNow: () => Promise<boolean>;
  readonly syncLogout: () => Promise<boolean>;
  readonly syncUnlink: () => Promise<boolean>;
  readonly loadDataDirs: () => Promise<void>;
  readonly openDataDirs: (open: boolean) => void;
  /** Each resolves true when it worked (then the page reloads on the other directory), else `dataDirsError` says why. */
  readonly switchDataDir: (path: string) => Promise<boolean>;
  readonly createDataDir: (path: string, name?: string) => Promise<boolean>;
  readonly forgetDataDir: (path: string) => Promise<boolean>;

  readonly openSearch: (open: boolean) => void;
  readonly setSearchQuery: (query: string) => void;
  readonly setSearchMode: (mode: SearchMode) => void;
  readonly moveSearchSelection: (delta: number) => void;
  /** Runs the open query again (after the library changed). */
  readonly refreshSearch: () => void;

  readonly setPaletteTab: (tab: 'search' | 'ask') => void;
  readonly askQuestion: (question: string) => Promise<void>;
  readonly askNotice: (notice: EngineAskNotice) => void;
  readonly cancelAsk: () => Promise<void>;
  readonly loadAskSettings: () => Promise<void>;
  /** Resolves true when saved (else `askSettingsError` says why). */
  readonly saveAskSettings: (change: AskSettingsChange) => Promise<boolean>;
  /** Opens the cited entry with the cited words highlighted. */
  readonly openCitation: (citation: Pick<AskCitation, 'entryId' | 'source' | 'highlight'>) => Promise<void>;

  readonly openImport: (open: boolean) => void;
  readonly importFiles: (sources: readonly ImportSource[]) => void;
  readonly retryImport: (key: string) => void;
  readonly clearFinishedImports: () => void;
}

export type AppStore = AppState & AppActions;
