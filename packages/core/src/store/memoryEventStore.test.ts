import { eventCatalog } from '../domain/catalog.js';
import { eventStoreContract } from './eventStore.contract.js';
import { MemoryEventStore } from './memoryEventStore.js';

eventStoreContract('memory', () => new MemoryEventStore(eventCatalog));
