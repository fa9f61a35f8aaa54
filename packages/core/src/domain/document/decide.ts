import { ConflictError, NotFoundError, ValidationError } from '../../errors/cairnError.js';
import { jsonEqual } from '../shared/json.js';
import type { EntryState } from '../entry/state.js';
import { normalizeAttributes, normalizeTags, normalizeTitle } from '../entry/normalize.js';
import type { DocumentCommand } from './commands.js';
import { documentFileSchema, documentLimits, documentProcessedSchema, failureStatus, type DocumentEvent, type DocumentProcessingFailedData } from './events.js';
import type { DocumentState } from './state.js';

/**
 * Pure decisions for the document facet of an entry. Recording the same outcome twice changes nothing,
 * so a job that runs again after a crash cannot record a document's processing twice.
 */
export function decideDocument(command: DocumentCommand, state: EntryState): DocumentEvent[] {
  switch (command.type) {
    case 'ImportDocument': {
      if (state.exists) throw new ConflictError(`entry ${command.entryId} already exists`, { entryId: command.entryId });
      const file = documentFileSchema.safeParse(command.file);
      if (!file.success) throw new ValidationError(`invalid file for document ${command.entryId}: ${file.error.issues[0]?.message ?? 'malformed'}`);
      return [
        {
          type: 'DocumentImported',
          data: {
            title: normalizeTitle(command.title ?? file.data.name),
            tags: normalizeTags(command.tags ?? []),
            attributes: normalizeAttributes(command.attributes ?? {}),
            file: file.data,
          },
        },
      ];
    }
    case 'ChangeDocumentStatus': {
      const document = requireDocument(state, command.entryId);
      const note = command.note === undefined || command.note === null ? null : clip(command.note, documentLimits.noteMaxChars);
      if (document.status === command.status && document.note === note) return [];
      return [{ type: 'DocumentStatusChanged', data: { status: command.status, note } }];
    }
    case 'CompleteDocumentProcessing': {
      const document = requireDocument(state, command.entryId);
      const parsed = documentProcessedSchema.safeParse(command.result);
      if (!parsed.success) throw new ValidationError(`invalid processing result for document ${command.entryId}: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
      const result = parsed.data.warnings?.length === 0 ? withoutWarnings(parsed.data) : parsed.data;
      if (document.status === 'done' && jsonEqual(document.processed, result)) return [];
      return [{ type: 'DocumentProcessed', data: result }];
    }
    case 'FailDocumentProcessing': {
      const document = requireDocument(state, command.entryId);
      const failure: DocumentProcessingFailedData = {
        reason: clip(command.failure.reason.trim() || 'processing failed', documentLimits.reasonMaxChars),
        code: command.failure.code,
        retryable: command.failure.retryable,
      };
      if (document.status === failureStatus(failure.code) && jsonEqual(document.failure, failure)) return [];
      return [{ type: 'DocumentProcessingFailed', data: failure }];
    }
    default:
      return assertNever(command);
  }
}

function requireDocument(state: EntryState, entryId: string): DocumentState {
  if (!state.exists) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
  if (state.kind !== 'document' || !state.document) throw new ValidationError(`entry ${entryId} is a ${state.kind}, not an imported document`, { entryId });
  return state.document;
}

function withoutWarnings<T extends { warnings?: unknown }>(data: T): Omit<T, 'warnings'> {
  const { warnings: _warnings, ...rest } = data;
  return rest;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function assertNever(value: never): never {
  throw new ValidationError(`unknown command ${JSON.stringify(value)}`);
}
