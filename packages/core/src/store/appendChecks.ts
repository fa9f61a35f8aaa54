import { ConflictError, ValidationError } from '../errors/cairnError.js';
import type { EventCatalog } from '../domain/shared/eventCatalog.js';
import type { NewEvent, RecordedEvent } from '../domain/shared/envelope.js';
import { canonicalJson } from '../domain/shared/json.js';

/**
 * Checks a batch on its own, before any store is consulted: known types on the right aggregate, valid
 * data, no event id twice, and versions that follow each other within each aggregate. Returns the
 * first new version per aggregate, which the store must find to be its stream version + 1.
 */
export function validateBatch(events: readonly NewEvent[], catalog: EventCatalog, options: { skipData?: boolean } = {}): Map<string, number> {
  const seenIds = new Set<string>();
  const firstVersion = new Map<string, number>();
  const lastVersion = new Map<string, number>();
  for (const event of events) {
    if (seenIds.has(event.eventId)) throw new ValidationError(`event id ${event.eventId} appears twice in one batch`);
    seenIds.add(event.eventId);
    const definition = catalog.definition(event.type);
    if (definition.aggregateType !== event.aggregateType) {
      throw new ValidationError(`event ${event.type} belongs to ${definition.aggregateType}, not ${event.aggregateType}`);
    }
    if (!Number.isInteger(event.version) || event.version < 1) throw new ValidationError(`event ${event.eventId} has an invalid version`);
    const last = lastVersion.get(event.aggregateId);
    if (last === undefined) firstVersion.set(event.aggregateId, event.version);
    else if (event.version !== last + 1) throw new ValidationError(`events of ${event.aggregateId} skip from version ${last} to ${event.version}`);
    lastVersion.set(event.aggregateId, event.version);
    if (!options.skipData) catalog.validate(event.type, event.schemaVersion, event.data);
  }
  return firstVersion;
}

/**
 * Decides what a batch whose ids are (partly) stored means: all stored and equal → an idempotent retry
 * (the stored events are returned); anything else → a conflict. Returns undefined when no id is stored.
 */
export function resolveDuplicates(
  events: readonly NewEvent[],
  existing: (eventId: string) => RecordedEvent | undefined,
): RecordedEvent[] | undefined {
  const duplicates: RecordedEvent[] = [];
  for (const event of events) {
    const stored = existing(event.eventId);
    if (!stored) continue;
    if (!sameEvent(stored, event)) {
      throw new ConflictError(`event id ${event.eventId} is already used by a different event`, { eventId: event.eventId });
    }
    duplicates.push(stored);
  }
  if (duplicates.length === 0) return undefined;
  if (duplicates.length < events.length) {
    throw new ConflictError('part of this batch was already appended; a batch is stored whole or not at all', {
      eventIds: duplicates.map((e) => e.eventId),
    });
  }
  return duplicates;
}

function sameEvent(stored: RecordedEvent, event: NewEvent): boolean {
  return (
    stored.aggregateId === event.aggregateId &&
    stored.version === event.version &&
    stored.type === event.type &&
    canonicalJson(stored.data) === canonicalJson(event.data)
  );
}
