import type { SavedSearchAlert } from '../agents/savedSearches.js';
import type { EngineAskNotice } from '../agents/askService.js';
import type { SyncOverview } from '../sync/syncService.js';
import type { EntryKind } from '../domain/entry/events.js';
import type { DocumentStatus } from '../domain/document/events.js';
import type { JsonObject } from '../domain/shared/json.js';

/** An entry as the front ends show it. JSON-serializable (it crosses IPC and HTTP). */
export interface EntryView {
  readonly id: string;
  readonly kind: EntryKind;
  readonly title: string;
  readonly body: string;
  readonly tags: string[];
  readonly attributes: JsonObject;
  readonly deleted: boolean;
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** A document's type and where its processing is, as a list row shows them. */
export interface DocumentBrief {
  /** The detected type if processing found one, else the type given at import. */
  readonly mimeType: string;
  readonly status: DocumentStatus;
  /** Why it failed or is unsupported; null otherwise. */
  readonly reason: string | null;
}

/** An entry as a list shows it. `document` is set on rows from `listEntries` for documents. */
export type EntrySummary = Omit<EntryView, 'body' | 'attributes'> & { readonly document?: DocumentBrief };

export const entrySorts = ['updated', 'created', 'title'] as const;
export type EntrySort = (typeof entrySorts)[number];

/** Documents by where their processing is: `processing` is any of queued, extracting, ocr, indexing. */
export const processingFilters = ['processing', 'done', 'failed', 'unsupported'] as const;
export type ProcessingFilter = (typeof processingFilters)[number];

export interface ListEntriesQuery {
  readonly tag?: string;
  readonly kind?: EntryKind;
  /** Only documents whose processing is here. */
  readonly status?: ProcessingFilter;
  /** true: only deleted entries (the trash); false or absent: only live ones. */
  readonly deleted?: boolean;
  readonly sort?: EntrySort;
  readonly order?: 'asc' | 'desc';
  readonly limit?: number;
  readonly offset?: number;
}

export interface EntryList {
  readonly entries: EntrySummary[];
  /** How many entries match the filters in all. */
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export interface HistoryItem {
  readonly version: number;
  readonly eventType: string;
  readonly eventId: string;
  readonly position: number;
  readonly at: string;
  /** Who made it: the account and device the sync server recorded, or (never synced) the local actor and device. */
  readonly actorId: string;
  readonly deviceId: string;
  /** Their names as the sync server lists them (null: never synced, or not listed yet). */
  readonly actorName: string | null;
  readonly deviceName: string | null;
  /** Its place in the sync server's log (null: not acknowledged yet, or never synced). */
  readonly seq: number | null;
  /** The fields this change set. */
  readonly fields: string[];
  /** For a revert: the version it went back to. */
  readonly revertedTo?: number;
}

export interface ActivityItem {
  readonly position: number;
  readonly entryId: string;
  readonly eventType: string;
  readonly title: string;
  readonly fields: string[];
  /** As in {@link HistoryItem}: as the sync server recorded it when it did. */
  readonly actorId: string;
  readonly deviceId: string;
  readonly actorName: string | null;
  readonly deviceName: string | null;
  readonly at: string;
}

export interface TagCount {
  readonly tag: string;
  readonly count: number;
}

export interface CommandResult {
  readonly entryId: string;
  /** The entry's version after the command. */
  readonly version: number;
  /** False when the command changed nothing (e.g. every value was already so). */
  readonly changed: boolean;
  /** Positions of the events appended. */
  readonly positions: number[];
}

export interface EngineStatus {
  readonly dataDir: string;
  readonly schemaVersion: number;
  readonly workspaceId: string;
  readonly deviceId: string;
  readonly actorId: string;
  readonly events: number;
  readonly entries: number;
  readonly subscriberLag: Record<string, number>;
}

/** Pushed to subscribers after events are committed (by this process or another one). */
export interface EngineChange {
  readonly type: 'changed';
  readonly head: number;
  readonly entryIds: string[];
  readonly eventTypes: string[];
}

/**
 * Progress of a long task, for progress bars: `rebuild`; `import` (files stored, then `process`:
 * documents processed, overall); `document` (one document: pages read so far, with its entry id,
 * file name and status).
 */
export interface EngineProgress {
  readonly type: 'progress';
  readonly task: string;
  readonly done: number;
  readonly total: number;
  readonly entryId?: string;
  readonly name?: string;
  readonly status?: string;
}

/** Sync's state changed (online, offline, pending count, an error): the sync panel and the indicator redraw. */
export interface EngineSyncNotice {
  readonly type: 'sync';
  readonly status: SyncOverview;
}

/** What a teammate's change did to an entry here. */
export type TeamChangeKind = 'created' | 'changed' | 'deleted' | 'processed' | 'conflict';

export interface TeamChange {
  readonly entryId: string;
  readonly title: string;
  readonly kind: TeamChangeKind;
  /** Who, as the server recorded it, with the names it lists (null until it was asked, or when it does not say). */
  readonly by: { readonly userId: string; readonly deviceId: string; readonly username: string | null; readonly deviceName: string | null };
}

/**
 * Other devices' changes arrived with a sync: teammates' edits, documents processed elsewhere (searchable here without
 * processing), and conflicts the merge kept both sides of. A device's first sync says only how many entries came.
 */
export interface EngineTeamNotice {
  readonly type: 'team';
  readonly initial: boolean;
  /** Entries changed by this pull. */
  readonly entries: number;
  /** Conflicts first, then processed documents, then the rest; at most a few dozen. */
  readonly changes: readonly TeamChange[];
}

/** Saved searches that asked for alerts found entries they had not found before (each entry once per search). */
export interface EngineAlertNotice {
  readonly type: 'alert';
  readonly alerts: readonly SavedSearchAlert[];
}

/** What the agents found for a document this host finished processing: its suggested tags and related entries. */
export interface EngineAgentNotice {
  readonly type: 'agents';
  readonly entryId: string;
  readonly title: string;
  readonly suggestedTags: readonly string[];
  /** How many related entries it has. */
  readonly related: number;
}

export type EngineNotice = EngineChange | EngineProgress | EngineSyncNotice | EngineTeamNotice | EngineAlertNotice | EngineAskNotice | EngineAgentNotice;
