import { documentEventTypes } from './document/eventTypes.js';
import { entryEventTypes } from './entry/eventTypes.js';
import { EventCatalog } from './shared/eventCatalog.js';

/** Every event type Cairn knows. */
export const eventCatalog = new EventCatalog(entryEventTypes, documentEventTypes);
