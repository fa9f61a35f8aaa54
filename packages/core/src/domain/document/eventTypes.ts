import { entryAggregateType } from '../entry/events.js';
import type { EventTypeDefinition } from '../shared/eventCatalog.js';
import { documentImportedSchema, documentProcessedSchema, documentProcessingFailedSchema, documentStatusChangedSchema } from './events.js';

/** Document events belong to the entry aggregate: a document is an entry of kind `document`. */
export const documentEventTypes: Record<string, EventTypeDefinition> = {
  DocumentImported: { aggregateType: entryAggregateType, version: 1, schema: documentImportedSchema, upcasters: {} },
  DocumentStatusChanged: { aggregateType: entryAggregateType, version: 1, schema: documentStatusChangedSchema, upcasters: {} },
  DocumentProcessed: { aggregateType: entryAggregateType, version: 1, schema: documentProcessedSchema, upcasters: {} },
  DocumentProcessingFailed: { aggregateType: entryAggregateType, version: 1, schema: documentProcessingFailedSchema, upcasters: {} },
};
