import type { EventCatalog } from '../domain/shared/eventCatalog.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';

/** The event as this build understands it: data lifted to the current schema version. */
export function upcastRecorded(catalog: EventCatalog, event: RecordedEvent): RecordedEvent {
  const current = catalog.currentVersion(event.type);
  if (event.schemaVersion === current) return event;
  return { ...event, schemaVersion: current, data: catalog.upcast(event.type, event.schemaVersion, event.data) };
}
