// The pure domain: no I/O, no clock, no random ids. Safe to import anywhere (sync server, UI types).
export type { CreateEntry, DeleteEntry, EntryCommand, EntryCommandType, EntryDecisionInput, RestoreEntry, RevertEntry, UpdateEntry } from './entry/commands.js';
export { decideEntry } from './entry/decide.js';
export { evolveEntry } from './entry/evolve.js';
export {
  entryAggregateType,
  entryKinds,
  entryLimits,
  type EntryCreated,
  type EntryCreatedData,
  type EntryDeleted,
  type EntryEvent,
  type EntryEventType,
  type EntryFieldChanges,
  type EntryKind,
  type EntryRestored,
  type EntryReverted,
  type EntryRevertedData,
  type EntryUpdated,
  type EntryUpdatedData,
} from './entry/events.js';
export { changedFields } from './entry/changedFields.js';
export { normalizeTag, normalizeTags } from './entry/normalize.js';
export { initialEntryState, type EntryState } from './entry/state.js';
export type { ChangeDocumentStatus, CompleteDocumentProcessing, DocumentCommand, DocumentCommandType, FailDocumentProcessing, ImportDocument } from './document/commands.js';
export { isDocumentCommand } from './document/commands.js';
export { decideDocument } from './document/decide.js';
export { evolveDocument } from './document/evolve.js';
export {
  documentFailureCodes,
  documentStages,
  documentStatuses,
  failureStatus,
  isDocumentEvent,
  type DocumentEvent,
  type DocumentEventType,
  type DocumentFailureCode,
  type DocumentFile,
  type DocumentImported,
  type DocumentImportedData,
  type DocumentProcessed,
  type DocumentProcessedData,
  type DocumentProcessingFailed,
  type DocumentProcessingFailedData,
  type DocumentStage,
  type DocumentStatus,
  type DocumentStatusChanged,
  type DocumentStatusChangedData,
} from './document/events.js';
export type { DocumentState } from './document/state.js';
export { eventCatalog } from './catalog.js';
export { EventCatalog, type EventTypeDefinition } from './shared/eventCatalog.js';
export type { CommandContext, DomainEvent, EventMetadata, NewEvent, RecordedEvent } from './shared/envelope.js';
export { compareHlc, decodeHlc, encodeHlc, receiveHlc, tickHlc, type Hlc } from './shared/hlc.js';
export { canonicalJson, jsonEqual, jsonObjectSchema, jsonValueSchema, type JsonObject, type JsonValue } from './shared/json.js';
export { tagChangesSchema, type TagChanges } from './entry/events.js';
export {
  applyMerge,
  initialMergeState,
  mergeEntryStream,
  needsAuthorView,
  toMergeEvents,
  type MergeEvent,
  type MergeState,
  type MergeStep,
  type Stamp,
  type StreamEventInput,
  type StreamMerge,
} from './merge/mergeEntry.js';
export { conflictMarkers, mergeText, textMergeLimits, type MergeLabels, type TextMerge } from './merge/mergeText.js';
export { CairnError, errorCodes, isCairnError, toErrorData, type ErrorCode, type ErrorData } from '../errors/cairnError.js';
