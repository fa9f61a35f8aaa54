import { z } from 'zod';
import { isoTimeSchema, roleSchema, uuidSchema, workspaceIdSchema } from './common.js';

export const accountLimits = { passwordMinChars: 8, passwordMaxChars: 1_024 } as const;

export const usernameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,62}$/, 'must be 2–63 letters, digits, dots, dashes or underscores, starting with a letter or digit')
  .transform((name) => name.toLowerCase());
export const passwordSchema = z
  .string()
  .min(accountLimits.passwordMinChars, `must be at least ${accountLimits.passwordMinChars} characters`)
  .max(accountLimits.passwordMaxChars, `must be at most ${accountLimits.passwordMaxChars} characters`);
export const deviceNameSchema = z.string().trim().min(1).max(100);
export const emailSchema = z.string().max(254).regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address');

/** `POST /v1/auth/signup` */
export const signUpRequestSchema = z
  .object({
    username: usernameSchema,
    password: passwordSchema,
    displayName: z.string().trim().min(1).max(100).optional(),
    email: emailSchema.optional(),
    /** An invitation code: required when sign-up is by invitation; joins its workspace. */
    invitation: z.string().min(1).max(200).optional(),
  })
  .strict();

/** `POST /v1/auth/signin` — gives this device a token. */
export const signInRequestSchema = z
  .object({
    username: z.string().min(1).max(254),
    password: z.string().min(1).max(accountLimits.passwordMaxChars),
    deviceName: deviceNameSchema,
    /** The device's own id; signing in again from a device replaces its earlier token. */
    deviceId: uuidSchema.optional(),
  })
  .strict();

export const userSchema = z
  .object({ id: uuidSchema, username: z.string(), displayName: z.string(), email: z.string().nullable(), serverAdmin: z.boolean() })
  .strict();
export type User = z.infer<typeof userSchema>;

export const tokenInfoSchema = z
  .object({
    id: uuidSchema,
    deviceId: uuidSchema,
    name: z.string(),
    createdAt: isoTimeSchema,
    lastUsedAt: isoTimeSchema.nullable(),
    expiresAt: isoTimeSchema,
    current: z.boolean(),
  })
  .strict();
export type TokenInfo = z.infer<typeof tokenInfoSchema>;

export const signInResponseSchema = z
  .object({ token: z.string(), tokenId: uuidSchema, deviceId: uuidSchema, expiresAt: isoTimeSchema, user: userSchema })
  .strict();
export type SignInResponse = z.infer<typeof signInResponseSchema>;

export const meResponseSchema = z
  .object({
    user: userSchema,
    token: tokenInfoSchema,
    workspaces: z.array(z.object({ id: workspaceIdSchema, name: z.string(), role: roleSchema }).strict()),
  })
  .strict();
