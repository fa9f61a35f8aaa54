import { z } from 'zod';
import { cursorSchema, isoTimeSchema, originSchema, roleSchema, seqSchema, sha256Schema, uuidSchema } from './common.js';

export const viewNames = ['entries', 'documents', 'activity', 'members'] as const;
export type ViewName = (typeof viewNames)[number];
export const viewLimits = { maxPage: 500, defaultPage: 100 } as const;

/** `GET /v1/workspaces/:ws/views/:view?cursor=&limit=&tag=&kind=&since=` (query strings as they arrive). */
export const viewQuerySchema = z
  .object({
    cursor: cursorSchema.optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'limit must be a number')
      .transform(Number)
      .pipe(z.number().int().min(1).max(viewLimits.maxPage))
      .default(viewLimits.defaultPage),
    tag: z.string().min(1).max(100).optional(),
    kind: z.enum(['note', 'document']).optional(),
    /** Only what changed at or after this time. */
    since: isoTimeSchema.optional(),
    deleted: z.enum(['true', 'false']).optional(),
  })
  .strict();
export type ViewQuery = z.infer<typeof viewQuerySchema>;

export const entryViewItemSchema = z
  .object({
    id: uuidSchema,
    kind: z.string(),
    title: z.string(),
    tags: z.array(z.string()),
    deleted: z.boolean(),
    version: z.number().int(),
    createdAt: isoTimeSchema,
    createdBy: originSchema,
    updatedAt: isoTimeSchema,
    updatedBy: originSchema,
    seq: seqSchema,
  })
  .strict();

export const documentViewItemSchema = z
  .object({
    id: uuidSchema,
    title: z.string(),
    fileName: z.string(),
    mimeType: z.string(),
    size: z.number().int(),
    sha256: sha256Schema,
    status: z.string(),
    error: z.object({ code: z.string(), reason: z.string() }).strict().nullable(),
    textSha256: sha256Schema.nullable(),
    pageCount: z.number().int().nullable(),
    ocrUsed: z.boolean().nullable(),
    language: z.string().nullable(),
    deleted: z.boolean(),
    updatedAt: isoTimeSchema,
    seq: seqSchema,
  })
  .strict();

export const activityViewItemSchema = z
  .object({
    seq: seqSchema,
    entryId: uuidSchema,
    eventType: z.string(),
    title: z.string(),
    fields: z.array(z.string()),
    by: originSchema,
    at: isoTimeSchema,
  })
  .strict();

export const memberViewItemSchema = z
  .object({
    userId: uuidSchema,
    username: z.string(),
    displayName: z.string(),
    role: roleSchema.nullable(),
    joinedAt: isoTimeSchema,
    removedAt: isoTimeSchema.nullable(),
    events: z.number().int(),
    lastPushAt: isoTimeSchema.nullable(),
    devices: z.array(z.object({ deviceId: uuidSchema, name: z.string() }).strict()),
  })
  .strict();

export const viewPageSchema = z
  .object({
    items: z.array(z.unknown()),
    next: cursorSchema.nullable(),
    /** How far the view has folded the workspace's log, and the log's head: the view lags by their difference. */
    checkpoint: seqSchema,
    head: seqSchema,
  })
  .strict();
