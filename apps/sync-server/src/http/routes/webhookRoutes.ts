import { CairnError } from '@cairn/core/domain';
import { createWebhookRequestSchema, deliveryStatuses } from '@cairn/core/protocol';
import { requireRole } from '../../services/identity.js';
import { parseWith } from '../body.js';
import { sendEmpty, sendJson } from '../respond.js';
import { checkedUuid, type Route } from '../route.js';

/** Webhooks and their dead-letter lists (admins only). */
export const webhookRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/v1/workspaces/:ws/webhooks',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const principal = await ctx.principal();
      requireRole(principal, ws, 'admin'); // before reading the body: a non-admin learns nothing from it
      const input = parseWith(createWebhookRequestSchema, await ctx.json(), 'the webhook');
      sendJson(ctx.res, 201, await ctx.app.webhooks.create(principal, ws, input));
    },
  },
  {
    method: 'GET',
    path: '/v1/workspaces/:ws/webhooks',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      sendJson(ctx.res, 200, { webhooks: await ctx.app.webhooks.list(await ctx.principal(), ws) });
    },
  },
  {
    method: 'DELETE',
    path: '/v1/workspaces/:ws/webhooks/:id',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      await ctx.app.webhooks.remove(await ctx.principal(), ws, checkedUuid(ctx.params.id, 'webhook id'));
      sendEmpty(ctx.res, 204);
    },
  },
  {
    method: 'GET',
    path: '/v1/workspaces/:ws/webhooks/:id/deliveries',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const status = ctx.query.get('status') ?? undefined;
      if (status !== undefined && !(deliveryStatuses as readonly string[]).includes(status)) throw new CairnError('validation', `status must be one of ${deliveryStatuses.join(', ')}`);
      const deliveries = await ctx.app.webhooks.deliveries(await ctx.principal(), ws, checkedUuid(ctx.params.id, 'webhook id'), status as (typeof deliveryStatuses)[number] | undefined);
      sendJson(ctx.res, 200, { deliveries });
    },
  },
  {
    method: 'POST',
    path: '/v1/workspaces/:ws/webhooks/:id/deliveries/:delivery/redeliver',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      await ctx.app.webhooks.redeliver(await ctx.principal(), ws, checkedUuid(ctx.params.id, 'webhook id'), checkedUuid(ctx.params.delivery, 'delivery id'));
      sendEmpty(ctx.res, 202);
    },
  },
];
