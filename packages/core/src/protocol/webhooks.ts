import { z } from 'zod';
import { isoTimeSchema, uuidSchema } from './common.js';

/** What a webhook (and a live notification) can be about. */
export const notificationKinds = ['entry_changed', 'document_processed', 'document_failed', 'merge_conflict', 'member_joined', 'member_left', 'role_changed'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** `POST /v1/workspaces/:ws/webhooks` */
export const createWebhookRequestSchema = z
  .object({
    url: z.string().url().max(2_000),
    events: z.array(z.enum(notificationKinds)).min(1).max(notificationKinds.length),
    description: z.string().max(200).optional(),
  })
  .strict();

export const webhookSchema = z
  .object({
    id: uuidSchema,
    url: z.string(),
    events: z.array(z.enum(notificationKinds)),
    description: z.string().nullable(),
    createdAt: isoTimeSchema,
    /** Only in the answer that created it: sign-checking key for `Cairn-Signature`. */
    secret: z.string().optional(),
  })
  .strict();

export const deliveryStatuses = ['pending', 'delivered', 'dead'] as const;
export const webhookDeliverySchema = z
  .object({
    id: uuidSchema,
    webhookId: uuidSchema,
    kind: z.enum(notificationKinds),
    status: z.enum(deliveryStatuses),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: isoTimeSchema,
    nextAttemptAt: isoTimeSchema.nullable(),
    deliveredAt: isoTimeSchema.nullable(),
  })
  .strict();

/**
 * The headers of a delivery: `Cairn-Delivery` (its id, the same on every retry, for de-duplication),
 * `Cairn-Timestamp` (seconds), `Cairn-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
 */
export const webhookHeaders = { delivery: 'cairn-delivery', timestamp: 'cairn-timestamp', signature: 'cairn-signature', kind: 'cairn-event' } as const;
