import { CairnError } from '@cairn/core/domain';
import { blobHeaders, sha256Schema } from '@cairn/core/protocol';
import { parseRange } from '../../services/blobs.js';
import { sendEmpty, sendJson } from '../respond.js';
import type { Route, RouteContext } from '../route.js';

function checkedSha(ctx: RouteContext): string {
  const parsed = sha256Schema.safeParse(ctx.params.sha256);
  if (!parsed.success) throw new CairnError('validation', 'a blob is named by its lower-case SHA-256 hex digest');
  return parsed.data;
}

const immutable = 'private, max-age=31536000, immutable';

/** Content-addressed blobs: originals and extracted texts. */
export const blobRoutes: readonly Route[] = [
  {
    method: 'PUT',
    path: '/v1/workspaces/:ws/blobs/:sha256',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const sha256 = checkedSha(ctx);
      const principal = await ctx.principal();
      const declared = ctx.req.headers['content-length'];
      if (declared !== undefined && !/^\d{1,16}$/.test(declared)) throw new CairnError('validation', 'Content-Length is not a number');
      const result = await ctx.app.blobs.put(principal, ws, sha256, ctx.req as AsyncIterable<Uint8Array>, declared === undefined ? undefined : Number(declared));
      if (result.existed) {
        // Nothing more is read: the client may stop sending.
        ctx.res.setHeader('connection', 'close');
      }
      sendJson(ctx.res, result.existed ? 200 : 201, { sha256, size: result.size, existed: result.existed }, { etag: `"${sha256}"` });
    },
  },
  {
    method: 'HEAD',
    path: '/v1/workspaces/:ws/blobs/:sha256',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const sha256 = checkedSha(ctx);
      const info = await ctx.app.blobs.info(await ctx.principal(), ws, sha256);
      if (!info) return sendEmpty(ctx.res, 404);
      sendEmpty(ctx.res, 200, {
        'content-type': blobHeaders.contentType,
        'content-length': String(info.size),
        etag: `"${sha256}"`,
        'accept-ranges': 'bytes',
        'cairn-blob-referenced': String(info.referenced),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/workspaces/:ws/blobs/:sha256',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const sha256 = checkedSha(ctx);
      const blob = await ctx.app.blobs.open(await ctx.principal(), ws, sha256);
      const range = parseRange(typeof ctx.req.headers.range === 'string' ? ctx.req.headers.range : undefined, blob.size);
      if (range === 'unsatisfiable') {
        sendJson(ctx.res, 416, { code: 'validation', message: `the range is outside the blob's ${blob.size} bytes` }, { 'content-range': `bytes */${blob.size}` });
        return;
      }
      const whole = { start: 0, end: blob.size - 1 };
      const part = range ?? whole;
      const headers: Record<string, string> = {
        'content-type': blobHeaders.contentType,
        'content-length': String(part.end - part.start + 1),
        etag: `"${sha256}"`,
        'accept-ranges': 'bytes',
        'cache-control': immutable,
        'x-content-type-options': 'nosniff',
      };
      if (range) headers['content-range'] = `bytes ${part.start}-${part.end}/${blob.size}`;
      ctx.res.writeHead(range ? 206 : 200, headers);
      if (blob.size === 0) return void ctx.res.end();
      for await (const chunk of blob.read(part)) {
        if (!ctx.res.write(chunk)) await new Promise<void>((resolve) => ctx.res.once('drain', resolve));
        if (ctx.res.destroyed) return;
      }
      ctx.res.end();
    },
  },
];
