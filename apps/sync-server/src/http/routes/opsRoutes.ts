import { sendJson } from '../respond.js';
import type { Route } from '../route.js';

/** Probes and metrics (no token: put them behind the network policy, not the internet). */
export const opsRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/healthz',
    handle(ctx) {
      sendJson(ctx.res, 200, { status: 'ok' });
      return Promise.resolve();
    },
  },
  {
    method: 'GET',
    path: '/readyz',
    async handle(ctx) {
      const readiness = await ctx.app.readiness();
      sendJson(ctx.res, readiness.ready ? 200 : 503, readiness, readiness.ready ? {} : { 'retry-after': '2' });
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    async handle(ctx) {
      await ctx.app.refreshGauges();
      const registry = ctx.app.ctx.metrics.registry;
      const text = await registry.metrics();
      ctx.res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      ctx.res.end(text);
    },
  },
];
