import { CairnError } from '@cairn/core/domain';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, signInRequestSchema, signUpRequestSchema } from '@cairn/core/protocol';
import { z } from 'zod';
import { parseWith } from '../body.js';
import { sendEmpty, sendJson } from '../respond.js';
import { checkedUuid, type Route } from '../route.js';

const updateMeSchema = z.object({ digest: z.boolean() }).strict();

/** The server's face to a new client, accounts, and a device's own tokens. */
export const accountRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1',
    handle(ctx) {
      sendJson(ctx.res, 200, { service: 'cairn-sync-server', protocolVersion: PROTOCOL_VERSION, minProtocolVersion: MIN_PROTOCOL_VERSION, signUp: ctx.app.ctx.config.signUp });
      return Promise.resolve();
    },
  },
  {
    method: 'POST',
    path: '/v1/auth/signup',
    async handle(ctx) {
      ctx.app.limitAddress(ctx.ip);
      const input = parseWith(signUpRequestSchema, await ctx.json(), 'the sign-up');
      const user = await ctx.app.accounts.signUp(input);
      sendJson(ctx.res, 201, { user });
    },
  },
  {
    method: 'POST',
    path: '/v1/auth/signin',
    async handle(ctx) {
      ctx.app.limitAddress(ctx.ip);
      const input = parseWith(signInRequestSchema, await ctx.json(), 'the sign-in');
      sendJson(ctx.res, 200, await ctx.app.accounts.signIn(input, ctx.ip));
    },
  },
  {
    method: 'POST',
    path: '/v1/auth/signout',
    async handle(ctx) {
      const principal = await ctx.principal();
      await ctx.app.identity.revoke(principal.tokenId, principal.userId);
      sendEmpty(ctx.res, 204);
    },
  },
  {
    method: 'GET',
    path: '/v1/me',
    async handle(ctx) {
      const principal = await ctx.principal();
      const [user, tokens, workspaces] = await Promise.all([ctx.app.accounts.get(principal.userId), ctx.app.identity.list(principal.userId, principal.tokenId), ctx.app.workspaces.list(principal)]);
      const token = tokens.find((t) => t.current);
      if (!token) throw new CairnError('unauthorized', 'this token is no longer valid: sign in again');
      sendJson(ctx.res, 200, { user, token, workspaces: workspaces.map((w) => ({ id: w.id, name: w.name, role: w.role })) });
    },
  },
  {
    method: 'PATCH',
    path: '/v1/me',
    async handle(ctx) {
      const principal = await ctx.principal();
      const input = parseWith(updateMeSchema, await ctx.json(), 'the settings');
      await ctx.app.accounts.setDigest(principal.userId, input.digest);
      sendJson(ctx.res, 200, { digest: input.digest });
    },
  },
  {
    method: 'GET',
    path: '/v1/me/tokens',
    async handle(ctx) {
      const principal = await ctx.principal();
      sendJson(ctx.res, 200, { tokens: await ctx.app.identity.list(principal.userId, principal.tokenId) });
    },
  },
  {
    method: 'DELETE',
    path: '/v1/me/tokens/:id',
    async handle(ctx) {
      const principal = await ctx.principal();
      await ctx.app.identity.revoke(checkedUuid(ctx.params.id, 'token id'), principal.userId);
      sendEmpty(ctx.res, 204);
    },
  },
];
