import type { EntryState } from '../entry/state.js';
import { failureStatus, type DocumentEvent } from './events.js';

/** Folds a document event into the entry state. Each event advances the version by one. */
export function evolveDocument(state: EntryState, event: DocumentEvent): EntryState {
  const version = state.version + 1;
  switch (event.type) {
    case 'DocumentImported': {
      const { title, tags, attributes, file } = event.data;
      return {
        ...state,
        version,
        exists: true,
        kind: 'document',
        title,
        body: '',
        tags,
        attributes,
        deleted: false,
        document: { file, status: 'queued', note: null, processed: null, failure: null },
      };
    }
    case 'DocumentStatusChanged':
      return state.document ? { ...state, version, document: { ...state.document, status: event.data.status, note: event.data.note } } : { ...state, version };
    case 'DocumentProcessed':
      return state.document ? { ...state, version, document: { ...state.document, status: 'done', note: null, processed: event.data, failure: null } } : { ...state, version };
    case 'DocumentProcessingFailed':
      return state.document
        ? { ...state, version, document: { ...state.document, status: failureStatus(event.data.code), note: null, failure: event.data } }
        : { ...state, version };
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled document event ${JSON.stringify(value)}`);
}
