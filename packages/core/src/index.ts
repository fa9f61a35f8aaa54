// @cairn/core — public surface. Every export is named; internals stay internal.
export { createLocalEngineApi, parseParams, type LocalEngineApiOptions } from './api/localEngineApi.js';
export { engineApiMethods, engineApiSchemas, type EngineApi, type EngineApiMethod, type EngineApiParams, type EngineApiResults } from './api/engineApi.js';
export { createRpcClient, handleRpc, isEngineApiMethod, type RpcRequest, type RpcResponse } from './api/rpc.js';
export {
  createRpcSession,
  SESSION_PROTOCOL_VERSION,
  type ClientFrame,
  type HostFrame,
  type RpcSession,
  type RpcSessionOptions,
  type SessionCall,
  type SessionFault,
  type SessionHello,
  type SessionNotice,
  type SessionResult,
} from './api/rpcSession.js';
export { Engine, type EngineCommand, type EngineListener, type EngineOptions, type ExecuteOptions } from './engine/engine.js';
export {
  entrySorts,
  processingFilters,
  type ProcessingFilter,
  type ActivityItem,
  type CommandResult,
  type EngineChange,
  type EngineNotice,
  type EngineProgress,
  type EngineStatus,
  type EngineTeamNotice,
  type EngineAlertNotice,
  type EngineAgentNotice,
  type TeamChange,
  type TeamChangeKind,
  type EntryList,
  type EntrySort,
  type DocumentBrief,
  type EntrySummary,
  type EntryView,
  type HistoryItem,
  type ListEntriesQuery,
  type TagCount,
} from './engine/views.js';
export {
  assert,
  CairnError,
  ConcurrencyError,
  ConflictError,
  errorCodes,
  errorFromData,
  isCairnError,
  NotFoundError,
  StorageError,
  toErrorData,
  UnsupportedError,
  ValidationError,
  type ErrorCode,
  type ErrorData,
} from './errors/cairnError.js';
export { BlobStore, isSha256, type StoredBlob } from './blobs/blobStore.js';
export { isUuid, systemEnvironment, type Environment } from './ids/ids.js';
export { DocumentQueries, processDocumentJob, processJobKey } from './ingest/documentQueries.js';
export { defaultMaxFileBytes, formatBytes, importBytes, importPaths, importStream, type ImportOptions } from './ingest/importer.js';
export { ingestionApiSchemas, type DocumentText, type IngestionApiResults, type IngestionSettings } from './ingest/ingestionApi.js';
export { IngestRuntime, type IngestRuntimeOptions, type ProcessJobPayload } from './ingest/ingestRuntime.js';
export { defaultOcrLanguages, OcrPool, ocrLanguages, parseOcrLanguages, prepareLanguageData, type OcrLanguage, type OcrPoolOptions, type OcrResult } from './ingest/ocrPool.js';
export type { DocumentView, ImportOutcome, ImportReport, JobView } from './ingest/views.js';
export { safeHtml, type SafeHtml } from './ingest/originals/safeHtml.js';
export { emailViewMaxBytes, originalViewLimit, viewableOriginalTypes, type EmailHeaders, type OriginalView } from './ingest/originals/originalView.js';
export { uuidv7 } from './ids/uuidv7.js';
export { JobQueue, jobPriority, jobStatuses, ownerProcessAlive, processOwner, type Job, type JobQueueOptions, type JobSpec, type JobStatus } from './jobs/jobQueue.js';
export type { RebuildResult } from './projections/readModels.js';
export { DATABASE_FILE, SCHEMA_VERSION } from './store/database.js';
export { defaultDataDir, resolveDataDir } from './store/dataDir.js';
export { checkDataDirChoice, DataDirRegistry, dataDirRegistryFile, isCairnDataDir, type DataDirListing, type DataDirRegistryOptions, type KnownDataDir, type KnownDataDirView } from './store/dataDirRegistry.js';
export { dataDirApiSchemas, dataDirHandlers, type DataDirApiResults, type DataDirList, type DataDirSwitcher } from './api/dataDirApi.js';
export type { EventStore } from './store/eventStore.js';
export { runBeirEval, type BeirEvalOptions, type BeirEvalResult } from './search/beirEval.js';
export { runSearchBench, type SearchBenchOptions, type SearchBenchResult } from './search/searchBench.js';
export { documentTypeNames } from './search/mimeTypes.js';
export { snippetMarkup } from './search/snippet.js';
export { longEnough, splitSentences, summarize, type Span, type Summary } from './agents/summary.js';
export type { SummaryView, SummarySource } from './agents/summaryProjection.js';
export { buildAskMessages, parseCitations, type AskCitation, type AskPassage, type ChatMessage, type ParsedCitations } from './agents/ask.js';
export { AskModelError, streamAnswer, type AskEndpoint } from './agents/askModel.js';
export { defaultAskLimit, maxAskLimit, noModelNotice, type AskParams, type AskResult, type AskSettings, type AskSettingsChange, type EngineAskNotice } from './agents/askService.js';
export type { BacklinkView, EntryLinksView, LinkView, MentionView, TextContext } from './agents/linkQueries.js';
export { linkKey, parseLinks, type WrittenLink } from './domain/entry/links.js';
export type { NearCopy, NearDuplicatePair } from './agents/nearDuplicateProjection.js';
export { suggestionAgents, type Dismissal, type SuggestionAgent } from './agents/dismissals.js';
export { savedSearchLimits, type SavedSearch, type SavedSearchAlert, type SavedSearchInput } from './agents/savedSearches.js';
export { defaultRelatedLimit, maxRelatedLimit, type DistinctiveTerm, type RelatedEntry, type RelatedView } from './agents/related.js';
export { tagKey, type TagSuggestion, type TagSuggestionsView } from './agents/tagSuggestions.js';
export {
  modelStates,
  searchModes,
  type EmbedResult,
  type ModelState,
  type ModelStatus,
  type SearchMode,
  type SearchParams,
  type SearchResponse,
  type SearchResult,
  type SearchStatus,
} from './search/searchViews.js';
export { defaultModelName, defaultModelUrl } from './embeddings/modelDownload.js';
export { resolveModelDir } from './embeddings/modelFolder.js';
export { vectorFormats, type VectorFormat } from './embeddings/vectorStore.js';
export { MemoryEventStore } from './store/memoryEventStore.js';
export type { EntryKind, EventMetadata, JsonObject, JsonValue, RecordedEvent } from './domain/index.js';
export {
  documentFailureCodes,
  documentStatuses,
  type DocumentCommand,
  type DocumentEvent,
  type DocumentFile,
  type DocumentImportedData,
  type DocumentProcessedData,
  type DocumentProcessingFailedData,
  type DocumentStatus,
  type DocumentStatusChangedData,
} from './domain/index.js';
export { EpochChanged, LocalSyncLog, ServerMisbehaved, toWire, type PullOutcome, type SyncLink } from './sync/localSyncLog.js';
export { actionFor, SyncClient, type SyncClientOptions, type SyncReport, type SyncStatus } from './sync/syncClient.js';
export { HttpTransport, type HttpTransportOptions } from './sync/httpTransport.js';
export { SyncTransportError, type LiveConnection, type LiveHandlers, type SyncTransport } from './sync/transport.js';
export { FileSecretStore, normalizeServer, SyncService, type SecretStore, type SyncOverview, type SyncServiceOptions } from './sync/syncService.js';
export { syncApiSchemas, type SyncApiResults } from './sync/syncApi.js';
