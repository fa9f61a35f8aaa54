import { z } from 'zod';
import { isoTimeSchema, roleSchema, seqSchema, uuidSchema, workspaceIdSchema } from './common.js';
import { notificationKinds } from './webhooks.js';

export const liveLimits = {
  /** Largest frame a client may send. */
  maxClientFrameBytes: 4_096,
  /** Frames a client may send per second (a burst of twice that is allowed). */
  clientFramesPerSecond: 10,
} as const;

// ── what a client sends ───────────────────────────────────────────────────────────────────────────

export const clientPingSchema = z.object({ type: z.literal('ping'), id: z.string().max(100).optional() }).strict();
export const clientLiveMessageSchema = z.discriminatedUnion('type', [clientPingSchema]);
export type ClientLiveMessage = z.infer<typeof clientLiveMessageSchema>;

// ── what the server sends ─────────────────────────────────────────────────────────────────────────

export const welcomeSchema = z
  .object({
    type: z.literal('welcome'),
    protocolVersion: z.number().int(),
    userId: uuidSchema,
    heartbeatMs: z.number().int(),
    workspaces: z.array(z.object({ ws: workspaceIdSchema, head: seqSchema, epoch: uuidSchema, role: roleSchema }).strict()),
  })
  .strict();

/** A workspace's log has a new head: pull. Carries no event data. */
export const pokeSchema = z.object({ type: z.literal('poke'), ws: workspaceIdSchema, head: seqSchema, epoch: uuidSchema }).strict();

export const notificationSchema = z
  .object({
    type: z.literal('notification'),
    id: uuidSchema,
    ws: workspaceIdSchema,
    kind: z.enum(notificationKinds),
    at: isoTimeSchema,
    /** Who caused it, as the server recorded them (the device is unknown for membership changes). */
    by: z.object({ userId: uuidSchema, deviceId: uuidSchema.nullable() }).strict().nullable(),
    entryId: uuidSchema.nullable(),
    title: z.string().nullable(),
    /** Kind-specific details (the new role, the failure reason, the conflicting events). */
    details: z.record(z.string(), z.unknown()),
  })
  .strict();
export type Notification = z.infer<typeof notificationSchema>;

export const pongSchema = z.object({ type: z.literal('pong'), id: z.string().optional() }).strict();

export const serverLiveMessageSchema = z.discriminatedUnion('type', [welcomeSchema, pokeSchema, notificationSchema, pongSchema]);
export type ServerLiveMessage = z.infer<typeof serverLiveMessageSchema>;
