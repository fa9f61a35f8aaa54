import { z } from 'zod';
import { meResponseSchema, signInRequestSchema, signInResponseSchema, signUpRequestSchema, tokenInfoSchema, userSchema } from './accounts.js';
import { errorBodySchema } from './errors.js';
import { wireEventSchema } from './event.js';
import { clientLiveMessageSchema, serverLiveMessageSchema } from './live.js';
import { pullQuerySchema, pullResponseSchema, pushRequestSchema, pushResponseSchema } from './sync.js';
import { activityViewItemSchema, documentViewItemSchema, entryViewItemSchema, memberViewItemSchema, viewPageSchema, viewQuerySchema } from './views.js';
import { createWebhookRequestSchema, webhookDeliverySchema, webhookSchema } from './webhooks.js';
import { acceptInvitationRequestSchema, changeRoleRequestSchema, createInvitationRequestSchema, createWorkspaceRequestSchema, invitationSchema, workspaceSchema } from './workspaces.js';

/** Every message of the protocol, by direction: what the hash test pins. */
export const protocolSchemas = {
  client: {
    push: pushRequestSchema,
    pullQuery: pullQuerySchema,
    event: wireEventSchema,
    signUp: signUpRequestSchema,
    signIn: signInRequestSchema,
    createWorkspace: createWorkspaceRequestSchema,
    createInvitation: createInvitationRequestSchema,
    acceptInvitation: acceptInvitationRequestSchema,
    changeRole: changeRoleRequestSchema,
    createWebhook: createWebhookRequestSchema,
    viewQuery: viewQuerySchema,
    live: clientLiveMessageSchema,
  },
  server: {
    error: errorBodySchema,
    push: pushResponseSchema,
    pull: pullResponseSchema,
    signIn: signInResponseSchema,
    me: meResponseSchema,
    user: userSchema,
    token: tokenInfoSchema,
    workspace: workspaceSchema,
    invitation: invitationSchema,
    webhook: webhookSchema,
    webhookDelivery: webhookDeliverySchema,
    viewPage: viewPageSchema,
    entryView: entryViewItemSchema,
    documentView: documentViewItemSchema,
    activityView: activityViewItemSchema,
    memberView: memberViewItemSchema,
    live: serverLiveMessageSchema,
  },
} as const;

/** The JSON Schema of every protocol message, in a stable shape (what crosses the wire, as clients write it). */
export function protocolJsonSchema(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [direction, schemas] of Object.entries(protocolSchemas)) {
    out[direction] = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' })]));
  }
  return out;
}
