import type { EventTypeDefinition } from '../shared/eventCatalog.js';
import {
  entryAggregateType,
  entryCreatedSchema,
  entryCreatedV1Schema,
  entryDeletedSchema,
  entryRestoredSchema,
  entryRevertedSchema,
  entryUpdatedSchema,
} from './events.js';

export const entryEventTypes: Record<string, EventTypeDefinition> = {
  EntryCreated: {
    aggregateType: entryAggregateType,
    version: 3,
    schema: entryCreatedSchema,
    upcasters: {
      // v2 → v3: a new entry's body records the ids its `[[Title]]` links resolved to (`links`); v2 events have none.
      2: (data) => data,
      // v1 → v2: entries gained a kind and attributes.
      1: (data) => {
        const v1 = entryCreatedV1Schema.parse(data);
        return { kind: 'note', title: v1.title, body: v1.body, tags: v1.tags, attributes: {} };
      },
    },
  },
  // v1 → v2: edits that change tags also say which were added and removed (`tagChanges`); v1 events have none.
  // v2 → v3: edits that change the body record the ids its `[[Title]]` links resolved to (`links`); v2 events have none.
  EntryUpdated: { aggregateType: entryAggregateType, version: 3, schema: entryUpdatedSchema, upcasters: { 1: (data) => data, 2: (data) => data } },
  EntryDeleted: { aggregateType: entryAggregateType, version: 1, schema: entryDeletedSchema, upcasters: {} },
  EntryRestored: { aggregateType: entryAggregateType, version: 1, schema: entryRestoredSchema, upcasters: {} },
  EntryReverted: { aggregateType: entryAggregateType, version: 2, schema: entryRevertedSchema, upcasters: { 1: (data) => data } },
};
