import { eventCatalog } from '../domain/catalog.js';
import type { EventMetadata, NewEvent } from '../domain/shared/envelope.js';

let counter = 0;

/** A well-formed entry event for store tests; ids are unique per call unless given. */
export function entryEvent(
  aggregateId: string,
  version: number,
  type: string = version === 1 ? 'EntryCreated' : 'EntryUpdated',
  data?: unknown,
  overrides: Partial<NewEvent> = {},
): NewEvent {
  counter++;
  const metadata: EventMetadata = {
    workspaceId: 'personal',
    actorId: 'user:test',
    deviceId: 'device-test',
    hlc: `${String(1_700_000_000_000 + counter).padStart(15, '0')}:000000:device-test`,
    baseVersion: version - 1,
    correlationId: `corr-${counter}`,
    causationId: null,
    at: new Date(1_700_000_000_000 + counter).toISOString(),
  };
  const defaultData =
    type === 'EntryCreated'
      ? { kind: 'note', title: `entry ${aggregateId}`, body: 'body', tags: [], attributes: {} }
      : type === 'EntryUpdated'
        ? { changes: { body: `body at ${version}` } }
        : {};
  return {
    eventId: `evt-${aggregateId}-${version}-${counter}`,
    type,
    // The current schema version of a known type, so what is read back is what was appended (no upcast between).
    schemaVersion: eventCatalog.has(type) ? eventCatalog.currentVersion(type) : 1,
    aggregateId,
    aggregateType: 'entry',
    version,
    data: data ?? defaultData,
    metadata,
    ...overrides,
  };
}
