import { z } from 'zod';
import { entryKinds } from '../domain/entry/events.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import { jsonObjectSchema, jsonValueSchema } from '../domain/shared/json.js';
import { entrySorts, processingFilters, type ActivityItem, type CommandResult, type EngineNotice, type EngineStatus, type EntryList, type EntryView, type HistoryItem, type TagCount } from '../engine/views.js';
import { ingestionApiSchemas, type IngestionApiResults } from '../ingest/ingestionApi.js';
import { syncApiSchemas, type SyncApiResults } from '../sync/syncApi.js';
import { dataDirApiSchemas, type DataDirApiResults } from './dataDirApi.js';
import type { RebuildResult } from '../projections/readModels.js';
import { suggestionAgents } from '../agents/dismissals.js';
import { savedSearchLimits, type SavedSearch } from '../agents/savedSearches.js';
import type { SummaryView } from '../agents/summaryProjection.js';
import { maxAskLimit, type AskResult, type AskSettings } from '../agents/askService.js';
import type { EntryLinksView } from '../agents/linkQueries.js';
import type { NearCopy, NearDuplicatePair } from '../agents/nearDuplicateProjection.js';
import { maxRelatedLimit, type RelatedView } from '../agents/related.js';
import type { TagSuggestionsView } from '../agents/tagSuggestions.js';
import { searchModes, type EmbedResult, type ModelStatus, type SearchResponse, type SearchStatus } from '../search/searchViews.js';

/**
 * The engine API: the one typed facade every front end (CLI, web mode, desktop) uses. Each method
 * takes one JSON-serializable params object, validated by {@link engineApiSchemas} at the boundary, and
 * resolves to JSON-serializable data or rejects with a CairnError (which crosses transports as
 * `{ code, message, details }`).
 */
const id = z.string().min(1).max(200);
const version = z.number().int().positive();

export const engineApiSchemas = {
  createEntry: z
    .object({
      id: id.optional(),
      kind: z.enum(entryKinds).optional(),
      title: z.string(),
      body: z.string().optional(),
      tags: z.array(z.string()).optional(),
      attributes: jsonObjectSchema.optional(),
    })
    .strict(),
  updateEntry: z
    .object({
      id,
      title: z.string().optional(),
      body: z.string().optional(),
      tags: z.array(z.string()).optional(),
      addTags: z.array(z.string()).optional(),
      removeTags: z.array(z.string()).optional(),
      setAttributes: z.record(z.string(), jsonValueSchema).optional(),
      /** `[[Title]]` links whose target the author picked: title → entry id. */
      linkTo: z.record(z.string().max(1_000), id).optional(),
      expectedVersion: z.number().int().nonnegative().optional(),
    })
    .strict(),
  deleteEntry: z.object({ id, expectedVersion: z.number().int().nonnegative().optional() }).strict(),
  restoreEntry: z.object({ id, expectedVersion: z.number().int().nonnegative().optional() }).strict(),
  revertEntry: z.object({ id, toVersion: version, expectedVersion: z.number().int().nonnegative().optional() }).strict(),
  getEntry: z.object({ id, version: version.optional() }).strict(),
  listEntries: z
    .object({
      tag: z.string().optional(),
      kind: z.enum(entryKinds).optional(),
      status: z.enum(processingFilters).optional(),
      deleted: z.boolean().optional(),
      sort: z.enum(entrySorts).optional(),
      order: z.enum(['asc', 'desc']).optional(),
      limit: z.number().int().positive().max(10_000).optional(),
      offset: z.number().int().nonnegative().optional(),
    })
    .strict(),
  history: z.object({ id }).strict(),
  summary: z.object({ id }).strict(),
  savedSearches: z.object({}).strict(),
  saveSearch: z
    .object({
      id: id.optional(),
      name: z.string().min(1).max(savedSearchLimits.nameMaxChars),
      query: z.string().max(savedSearchLimits.queryMaxChars),
      mode: z.enum(searchModes).nullable().optional(),
      tag: z.string().min(1).nullable().optional(),
      kind: z.enum(entryKinds).nullable().optional(),
      type: z.string().min(1).nullable().optional(),
      alerts: z.boolean().optional(),
    })
    .strict(),
  deleteSavedSearch: z.object({ id }).strict(),
  links: z.object({ id }).strict(),
  linkMention: z.object({ id, from: id }).strict(),
  nearDuplicates: z.object({ id, limit: z.number().int().positive().max(1_000).optional() }).strict(),
  duplicates: z.object({ limit: z.number().int().positive().max(10_000).optional() }).strict(),
  dismissSuggestion: z.object({ id, agent: z.enum(suggestionAgents), key: z.string().min(1).max(2_000), undo: z.boolean().optional() }).strict(),
  ask: z.object({ question: z.string().min(1).max(10_000), limit: z.number().int().positive().max(maxAskLimit).optional(), askId: id.optional() }).strict(),
  cancelAsk: z.object({ askId: id }).strict(),
  askSettings: z.object({}).strict(),
  setAskSettings: z
    .object({
      baseUrl: z.string().max(2_000).nullable().optional(),
      model: z.string().max(500).nullable().optional(),
      apiKey: z.string().max(4_000).nullable().optional(),
      timeoutMs: z.number().int().optional(),
    })
    .strict(),
  related: z.object({ id, limit: z.number().int().positive().max(maxRelatedLimit).optional() }).strict(),
  suggestTags: z.object({ id }).strict(),
  log: z.object({ after: z.number().int().nonnegative().optional(), limit: z.number().int().positive().max(100_000).optional() }).strict(),
  tags: z.object({}).strict(),
  activity: z.object({ before: z.number().int().positive().optional(), limit: z.number().int().positive().max(1_000).optional() }).strict(),
  status: z.object({}).strict(),
  rebuild: z.object({}).strict(),
  digest: z.object({}).strict(),
  // Ingestion: importPaths, importBytes, getDocument, documentText, exportOriginal, viewOriginal, jobs, retryJob.
  ...ingestionApiSchemas,
  search: z
    .object({
      query: z.string().max(100_000),
      mode: z.enum(searchModes).optional(),
      limit: z.number().int().positive().max(1_000).optional(),
      tag: z.union([z.string(), z.array(z.string()).max(50)]).optional(),
      kind: z.enum(entryKinds).optional(),
      type: z.string().max(200).optional(),
    })
    .strict(),
  searchStatus: z.object({}).strict(),
  modelStatus: z.object({}).strict(),
  downloadModel: z.object({ url: z.string().url().optional(), force: z.boolean().optional() }).strict(),
  useModel: z.object({ dir: z.string().min(1).max(4_096) }).strict(),
  embedPending: z.object({ max: z.number().int().positive().optional() }).strict(),
  // Sync: syncStatus, syncLogin, syncWorkspaces, syncLink, syncNow, syncLogout, syncUnlink.
  ...syncApiSchemas,
  // Data directories: dataDirs, openDataDir, createDataDir, forgetDataDir.
  ...dataDirApiSchemas,
} as const;

export type EngineApiMethod = keyof typeof engineApiSchemas;
export type EngineApiParams<M extends EngineApiMethod> = z.input<(typeof engineApiSchemas)[M]>;

export interface EngineApiResults extends IngestionApiResults, SyncApiResults, DataDirApiResults {
  createEntry: CommandResult;
  updateEntry: CommandResult;
  deleteEntry: CommandResult;
  restoreEntry: CommandResult;
  revertEntry: CommandResult;
  getEntry: EntryView;
  listEntries: EntryList;
  history: HistoryItem[];
  summary: SummaryView | null;
  /** The entry's links, backlinks and unlinked mentions. */
  links: EntryLinksView;
  /** Turns `from`'s first plain mention of the entry's title into a link to it (an ordinary edit of `from`). */
  linkMention: CommandResult;
  nearDuplicates: NearCopy[];
  duplicates: NearDuplicatePair[];
  dismissSuggestion: { dismissed: boolean };
  savedSearches: SavedSearch[];
  saveSearch: SavedSearch;
  deleteSavedSearch: { deleted: true };
  ask: AskResult;
  cancelAsk: { cancelled: boolean };
  askSettings: AskSettings;
  setAskSettings: AskSettings;
  related: RelatedView;
  suggestTags: TagSuggestionsView;
  log: RecordedEvent[];
  tags: TagCount[];
  activity: ActivityItem[];
  status: EngineStatus;
  rebuild: RebuildResult;
  digest: { digest: string };
  search: SearchResponse;
  searchStatus: SearchStatus;
  modelStatus: ModelStatus;
  downloadModel: ModelStatus;
  useModel: ModelStatus;
  embedPending: EmbedResult;
}

export type EngineApi = {
  [M in EngineApiMethod]: (params: EngineApiParams<M>) => Promise<EngineApiResults[M]>;
} & {
  /** Change and progress notifications; returns the unsubscribe function. */
  subscribe(listener: (notice: EngineNotice) => void): () => void;
};

export const engineApiMethods = Object.keys(engineApiSchemas) as EngineApiMethod[];
