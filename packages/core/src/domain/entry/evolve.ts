import { evolveDocument } from '../document/evolve.js';
import type { EntryEvent, EntryFieldChanges, EntryLinks } from './events.js';
import { keepLinksIn } from './links.js';
import type { EntryState } from './state.js';

/** Folds one event into the state. Each event advances the version by one. */
export function evolveEntry(state: EntryState, event: EntryEvent): EntryState {
  const version = state.version + 1;
  switch (event.type) {
    case 'EntryCreated': {
      const { kind, title, body, tags, attributes } = event.data;
      return { ...state, version, exists: true, kind, title, body, tags, attributes, deleted: false, links: keepLinksIn(body, event.data.links ?? {}) };
    }
    case 'EntryUpdated':
      return { ...applyChanges(state, event.data.changes, event.data.links), version };
    case 'EntryDeleted':
      return { ...state, version, deleted: true };
    case 'EntryRestored':
      return { ...state, version, deleted: false };
    case 'EntryReverted': {
      const { deleted, ...fields } = event.data.changes;
      return { ...applyChanges(state, fields), version, deleted: deleted ?? state.deleted };
    }
    case 'DocumentImported':
    case 'DocumentStatusChanged':
    case 'DocumentProcessed':
    case 'DocumentProcessingFailed':
      return evolveDocument(state, event);
    default:
      return assertNever(event);
  }
}

/** A new body keeps the links still in it, with the ids the edit resolved (`links`) added. */
function applyChanges(state: EntryState, changes: EntryFieldChanges, links?: EntryLinks): EntryState {
  return {
    ...state,
    links: changes.body === undefined ? state.links : keepLinksIn(changes.body, { ...state.links, ...links }),
    title: changes.title ?? state.title,
    body: changes.body ?? state.body,
    tags: changes.tags ?? state.tags,
    attributes: changes.attributes ?? state.attributes,
  };
}

function assertNever(value: never): never {
  throw new Error(`unhandled entry event ${JSON.stringify(value)}`);
}
