import { z } from 'zod';
import { isoTimeSchema, roleSchema, seqSchema, uuidSchema, workspaceIdSchema } from './common.js';
import { emailSchema } from './accounts.js';

/** `POST /v1/workspaces` */
export const createWorkspaceRequestSchema = z.object({ id: workspaceIdSchema, name: z.string().trim().min(1).max(200) }).strict();

export const workspaceSchema = z
  .object({ id: workspaceIdSchema, name: z.string(), role: roleSchema, epoch: uuidSchema, head: seqSchema, createdAt: isoTimeSchema })
  .strict();
export type Workspace = z.infer<typeof workspaceSchema>;

/** `POST /v1/workspaces/:ws/invitations` */
export const createInvitationRequestSchema = z
  .object({
    role: roleSchema.exclude(['owner']),
    /** How long the code can be used (default 7 days, at most 30). */
    expiresInHours: z.number().int().min(1).max(720).default(168),
    /** Sends the code there when the server has SMTP configured. */
    email: emailSchema.optional(),
  })
  .strict();

export const invitationSchema = z
  .object({
    id: uuidSchema,
    workspaceId: workspaceIdSchema,
    role: roleSchema,
    createdAt: isoTimeSchema,
    expiresAt: isoTimeSchema,
    usedAt: isoTimeSchema.nullable(),
    email: z.string().nullable(),
    /** Only in the answer that created it: the server keeps a hash. */
    code: z.string().optional(),
    emailed: z.boolean().optional(),
  })
  .strict();

/** `POST /v1/invitations/accept` */
export const acceptInvitationRequestSchema = z.object({ code: z.string().min(1).max(200) }).strict();

/** `PUT /v1/workspaces/:ws/members/:userId` */
export const changeRoleRequestSchema = z.object({ role: roleSchema }).strict();
