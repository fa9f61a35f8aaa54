import { z } from 'zod';

/** Lower-case UUID (events, entries, devices, users, tokens). */
export const uuidSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lower-case UUID');
export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case SHA-256 hex digest');
/** ISO-8601 UTC time as `Date.toISOString` writes it. */
export const isoTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/, 'must be an ISO-8601 UTC time');
/** A workspace id: what its URL names (`/v1/workspaces/:ws`). */
export const workspaceIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1–63 lower-case letters, digits or dashes, starting with a letter or digit');
/** A server sequence number (or a cursor: the last one read). */
export const seqSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const roles = ['owner', 'admin', 'editor', 'viewer'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/** A server's account and device, as the server recorded them (never what a client claims). */
export const originSchema = z.object({ userId: uuidSchema, deviceId: uuidSchema }).strict();
export type Origin = z.infer<typeof originSchema>;

/** A page cursor: opaque to clients. */
export const cursorSchema = z.string().min(1).max(200);
