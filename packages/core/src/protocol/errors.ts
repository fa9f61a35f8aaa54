import { z } from 'zod';
import { errorCodes, type ErrorCode } from '../errors/cairnError.js';

/** Every error the server sends: `{code, message, details?}` with the status its code maps to. */
export const errorBodySchema = z
  .object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** HTTP status by error code (STYLE.md: the status follows the code). */
export const httpStatusByCode: Readonly<Record<ErrorCode, number>> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  concurrency: 409,
  too_large: 413,
  unsupported: 415,
  clock_skew: 422,
  client_too_old: 426,
  rate_limited: 429,
  internal: 500,
  storage: 500,
  server_too_old: 501,
  unavailable: 503,
  busy: 503,
  read_only: 503,
};

/** WebSocket close codes the live socket uses, with the reason text as the message. */
export const liveCloseCodes = {
  /** The server is shutting down: reconnect (to another instance) after a short pause. */
  goingAway: 1001,
  /** A frame that is not a valid client message. */
  protocolError: 1002,
  /** The token was revoked or expired, or the account lost its last workspace: sign in again. */
  policyViolation: 1008,
  /** A frame over the size limit. */
  tooLarge: 1009,
  /** Too many frames too fast. */
  rateLimited: 4029,
  /** The token is no longer valid. */
  unauthorized: 4001,
  /** A heartbeat was not answered. */
  timeout: 4008,
} as const;
