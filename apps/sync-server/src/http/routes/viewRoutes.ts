import { CairnError } from '@cairn/core/domain';
import { viewNames, viewQuerySchema, type ViewName } from '@cairn/core/protocol';
import { parseWith, queryObject } from '../body.js';
import { sendEmpty, sendJson } from '../respond.js';
import type { Route } from '../route.js';

/** The read views, read-only, paged by cursor, with ETags. */
export const viewRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/workspaces/:ws/views/:view',
    name: '/v1/workspaces/:ws/views/:view',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const view = ctx.params.view as ViewName;
      if (!viewNames.includes(view)) throw new CairnError('not_found', `no view ${JSON.stringify(ctx.params.view)}; the views are ${viewNames.join(', ')}`);
      const principal = await ctx.principal();
      // A page asked for before is answered from memory, without parsing its query again.
      const page = await ctx.app.views.page(principal, ws, view, ctx.rawQuery, () => parseWith(viewQuerySchema, queryObject(ctx.query), 'the view query'));
      const headers = { etag: page.etag, 'cache-control': 'private, no-cache' };
      if (matches(ctx.req.headers['if-none-match'], page.etag)) return sendEmpty(ctx.res, 304, headers);
      sendJson(ctx.res, 200, page.body, headers);
    },
  },
];

/** `If-None-Match`: a list of tags, weak or strong (compared weakly, as for GET), or `*`. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}
