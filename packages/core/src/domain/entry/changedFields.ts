import type { EntryEvent } from './events.js';

/** The names of the fields an entry event sets. */
export function changedFields(event: EntryEvent): string[] {
  switch (event.type) {
    case 'EntryCreated':
      return ['title', 'body', 'tags', 'attributes', 'kind'].filter((field) => {
        const value = event.data[field as keyof typeof event.data];
        return field === 'title' || field === 'kind' || (Array.isArray(value) ? value.length > 0 : typeof value === 'object' ? Object.keys(value).length > 0 : value !== '');
      });
    case 'EntryUpdated':
      return Object.keys(event.data.changes).sort();
    case 'EntryReverted':
      return Object.keys(event.data.changes).sort();
    case 'EntryDeleted':
    case 'EntryRestored':
      return ['deleted'];
    case 'DocumentImported':
      return ['title', 'kind', 'file', ...(event.data.tags.length > 0 ? ['tags'] : []), ...(Object.keys(event.data.attributes).length > 0 ? ['attributes'] : [])];
    case 'DocumentStatusChanged':
    case 'DocumentProcessingFailed':
      return ['status'];
    case 'DocumentProcessed':
      return ['status', 'text'];
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled entry event ${JSON.stringify(value)}`);
}
