// @cairn/core/protocol — the sync protocol: pure wire schemas (zod), loadable without SQLite. Both the sync server
// and the sync client validate with these. Every export is named.
export { checkProtocolVersion, MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION, type ProtocolVerdict } from './version.js';
export { cursorSchema, isoTimeSchema, originSchema, roles, roleSchema, seqSchema, sha256Schema, uuidSchema, workspaceIdSchema, type Origin, type Role } from './common.js';
export { errorBodySchema, httpStatusByCode, liveCloseCodes, type ErrorBody } from './errors.js';
export { EventRefusal, validateWireEvent, wireEventSchema, wireMetadataSchema, type WireEvent } from './event.js';
export {
  pulledEventSchema,
  pullQuerySchema,
  pullResponseSchema,
  pushAckSchema,
  pushRequestSchema,
  pushResponseSchema,
  syncLimits,
  type PulledEvent,
  type PullQuery,
  type PullResponse,
  type PushRequest,
  type PushResponse,
} from './sync.js';
export {
  accountLimits,
  deviceNameSchema,
  emailSchema,
  meResponseSchema,
  passwordSchema,
  signInRequestSchema,
  signInResponseSchema,
  signUpRequestSchema,
  tokenInfoSchema,
  usernameSchema,
  userSchema,
  type SignInResponse,
  type TokenInfo,
  type User,
} from './accounts.js';
export {
  acceptInvitationRequestSchema,
  changeRoleRequestSchema,
  createInvitationRequestSchema,
  createWorkspaceRequestSchema,
  invitationSchema,
  workspaceSchema,
  type Workspace,
} from './workspaces.js';
export {
  activityViewItemSchema,
  documentViewItemSchema,
  entryViewItemSchema,
  memberViewItemSchema,
  viewLimits,
  viewNames,
  viewPageSchema,
  viewQuerySchema,
  type ViewName,
  type ViewQuery,
} from './views.js';
export {
  createWebhookRequestSchema,
  deliveryStatuses,
  notificationKinds,
  webhookDeliverySchema,
  webhookHeaders,
  webhookSchema,
  type NotificationKind,
} from './webhooks.js';
export {
  clientLiveMessageSchema,
  liveLimits,
  notificationSchema,
  pokeSchema,
  serverLiveMessageSchema,
  welcomeSchema,
  type ClientLiveMessage,
  type Notification,
  type ServerLiveMessage,
} from './live.js';
export { blobHeaders } from './blobs.js';
export { protocolJsonSchema, protocolSchemas } from './schemas.js';
