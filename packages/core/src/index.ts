// @cairn/core — public surface. Every export is named; internals stay internal.
export { createLocalEngineApi, parseParams } from './api/localEngineApi.js';
export { engineApiMethods, engineApiSchemas, type EngineApi, type EngineApiMethod, type EngineApiParams, type EngineApiResults } from './api/engineApi.js';
export { createRpcClient, handleRpc, isEngineApiMethod, type RpcRequest, type RpcResponse } from './api/rpc.js';
export { Engine, type EngineListener, type EngineOptions, type ExecuteOptions } from './engine/engine.js';
export {
  entrySorts,
  type ActivityItem,
  type CommandResult,
  type EngineChange,
  type EngineNotice,
  type EngineProgress,
  type EngineStatus,
  type EntryList,
  type EntrySort,
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
export { uuidv7 } from './ids/uuidv7.js';
export { JobQueue, jobPriority, jobStatuses, ownerProcessAlive, processOwner, type Job, type JobQueueOptions, type JobSpec, type JobStatus } from './jobs/jobQueue.js';
export type { RebuildResult } from './projections/readModels.js';
export { DATABASE_FILE, SCHEMA_VERSION } from './store/database.js';
export { defaultDataDir, resolveDataDir } from './store/dataDir.js';
export type { EventStore } from './store/eventStore.js';
export { runBeirEval, type BeirEvalOptions, type BeirEvalResult } from './search/beirEval.js';
export { runSearchBench, type SearchBenchOptions, type SearchBenchResult } from './search/searchBench.js';
export { documentTypeNames } from './search/mimeTypes.js';
export { snippetMarkup } from './search/snippet.js';
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
