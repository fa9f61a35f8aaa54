import { z } from 'zod';
import { isoTimeSchema, originSchema, seqSchema, uuidSchema } from './common.js';
import { wireEventSchema } from './event.js';

export const syncLimits = {
  /** Events in one push. */
  maxPushEvents: 1_000,
  /** Events in one pull page, and the default page. */
  maxPullLimit: 5_000,
  defaultPullLimit: 1_000,
} as const;

/** `POST /v1/workspaces/:ws/push` */
export const pushRequestSchema = z
  .object({
    /** The pushing device's id (for logs; the server records the device of the token). */
    clientId: z.string().min(1).max(200),
    events: z.array(z.unknown()).min(1).max(syncLimits.maxPushEvents),
  })
  .strict();
export type PushRequest = z.infer<typeof pushRequestSchema>;

export const pushAckSchema = z
  .object({
    eventId: uuidSchema,
    seq: seqSchema,
    /** Already stored by an earlier push: `seq` is the sequence it got then. */
    duplicate: z.boolean(),
  })
  .strict();

export const pushResponseSchema = z
  .object({
    epoch: uuidSchema,
    head: seqSchema,
    /** The server's clock (ms since the epoch) when it answered: a client can tell its own clock's error. */
    serverTime: z.number().int(),
    acks: z.array(pushAckSchema),
  })
  .strict();
export type PushResponse = z.infer<typeof pushResponseSchema>;

/** `GET /v1/workspaces/:ws/pull?after=SEQ&limit=N` — query parameters as they arrive (strings). */
export const pullQuerySchema = z
  .object({
    after: z.string().regex(/^\d{1,16}$/, 'after must be a sequence number').transform(Number).pipe(seqSchema).default(0),
    limit: z
      .string()
      .regex(/^\d{1,6}$/, 'limit must be a number')
      .transform(Number)
      .pipe(z.number().int().min(1, 'limit must be at least 1').max(syncLimits.maxPullLimit, `limit must be at most ${syncLimits.maxPullLimit}`))
      .default(syncLimits.defaultPullLimit),
  })
  .strict();
export type PullQuery = z.infer<typeof pullQuerySchema>;

export const pulledEventSchema = z
  .object({
    seq: seqSchema,
    receivedAt: isoTimeSchema,
    pushedBy: originSchema,
    /** The event exactly as it was pushed. */
    event: wireEventSchema,
  })
  .strict();
export type PulledEvent = z.infer<typeof pulledEventSchema>;

export const pullResponseSchema = z
  .object({
    epoch: uuidSchema,
    head: seqSchema,
    more: z.boolean(),
    events: z.array(pulledEventSchema),
  })
  .strict();
export type PullResponse = z.infer<typeof pullResponseSchema>;
