import { pullQuerySchema, pushRequestSchema } from '@cairn/core/protocol';
import { requireRole } from '../../services/identity.js';
import { parseWith, queryObject } from '../body.js';
import { sendJson, sendStream } from '../respond.js';
import type { Route } from '../route.js';

/** Push and pull: the log of a workspace. */
export const syncRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/v1/workspaces/:ws/push',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const principal = await ctx.principal();
      requireRole(principal, ws, 'editor');
      const request = parseWith(pushRequestSchema, await ctx.json(), 'the push');
      const response = await ctx.app.eventLog.push(principal, ws, request.events);
      ctx.log.info({ workspaceId: ws, clientId: request.clientId.slice(0, 100), events: request.events.length, head: response.head }, 'push');
      sendJson(ctx.res, 200, response);
    },
  },
  {
    method: 'GET',
    path: '/v1/workspaces/:ws/pull',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const principal = await ctx.principal();
      const query = parseWith(pullQuerySchema, queryObject(ctx.query), 'the pull query');
      const pieces = await ctx.app.eventLog.pull(principal, ws, query);
      await sendStream(ctx.res, pieces);
    },
  },
];
