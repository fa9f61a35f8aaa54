import { z } from 'zod';
import { eventCatalog } from '../domain/catalog.js';
import type { NewEvent } from '../domain/shared/envelope.js';
import { decodeHlc } from '../domain/shared/hlc.js';
import { CairnError } from '../errors/cairnError.js';
import { isoTimeSchema, uuidSchema } from './common.js';

export const wireMetadataSchema = z
  .object({
    workspaceId: z.string().min(1).max(200),
    actorId: z.string().min(1).max(200),
    deviceId: uuidSchema,
    hlc: z.string().regex(/^\d{15}:[0-9a-z]{6}:[0-9a-f-]{36}$/, 'must be a hybrid logical clock'),
    baseVersion: z.number().int().nonnegative(),
    correlationId: z.string().min(1).max(100),
    causationId: z.string().min(1).max(100).nullable(),
    at: isoTimeSchema,
    baseEventId: uuidSchema.nullable().optional(),
  })
  .strict();

/** An event as it travels: the envelope of DESIGN.md §2 without the local log position. */
export const wireEventSchema = z
  .object({
    eventId: uuidSchema,
    type: z.string().min(1).max(100),
    schemaVersion: z.number().int().min(1).max(10_000),
    aggregateId: uuidSchema,
    aggregateType: z.string().min(1).max(50),
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    /** Checked by the event catalog, against the schema of its type and version (see validateWireEvent). */
    data: z.unknown(),
    metadata: wireMetadataSchema,
  })
  .strict();
export type WireEvent = z.infer<typeof wireEventSchema>;

/** Why one event of a batch is refused. */
export class EventRefusal extends CairnError {
  constructor(
    code: 'validation' | 'clock_skew' | 'conflict',
    message: string,
    readonly index: number,
    readonly eventId: string | undefined,
  ) {
    super(code, message, eventId === undefined ? { index } : { index, eventId });
    this.name = 'EventRefusal';
  }
}

/**
 * Checks one event with core's own event catalog — envelope, type, schema version, aggregate and data — exactly
 * as the local engine checks what it appends. Throws an {@link EventRefusal} naming the event and why.
 */
export function validateWireEvent(raw: unknown, index: number): WireEvent & NewEvent {
  const parsed = wireEventSchema.safeParse(raw);
  const claimedId = typeof raw === 'object' && raw !== null && typeof (raw as { eventId?: unknown }).eventId === 'string' ? (raw as { eventId: string }).eventId.slice(0, 64) : undefined;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new EventRefusal('validation', `event ${index} is not a valid event${where}: ${issue?.message ?? 'schema mismatch'}`, index, claimedId);
  }
  const event = parsed.data;
  if (!eventCatalog.has(event.type)) throw new EventRefusal('validation', `event ${index} has an unknown type ${JSON.stringify(event.type)}`, index, event.eventId);
  const definition = eventCatalog.definition(event.type);
  if (definition.aggregateType !== event.aggregateType) {
    throw new EventRefusal('validation', `event ${index}: ${event.type} belongs to ${definition.aggregateType}, not ${event.aggregateType}`, index, event.eventId);
  }
  if (decodeHlc(event.metadata.hlc)?.node !== event.metadata.deviceId) {
    throw new EventRefusal('validation', `event ${index}: its clock names another device than metadata.deviceId`, index, event.eventId);
  }
  try {
    eventCatalog.validate(event.type, event.schemaVersion, event.data);
  } catch (error) {
    throw new EventRefusal('validation', `event ${index}: ${error instanceof Error ? error.message : String(error)}`, index, event.eventId);
  }
  return event;
}
