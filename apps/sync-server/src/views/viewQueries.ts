import { createHash } from 'node:crypto';
import { CairnError } from '@cairn/core/domain';
import type { ViewName, ViewQuery } from '@cairn/core/protocol';
import { iso, isoOrNull, type Row } from '../db/db.js';
import type { ServiceContext } from '../services/context.js';
import { requireRole, type Principal } from '../services/identity.js';

export interface ViewPage {
  /** The page as JSON, encoded. */
  readonly body: Buffer;
  /** A strong validator of exactly that text. */
  readonly etag: string;
}

/** Bytes of pages kept in memory per instance. */
const CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Serves the read views: pages by cursor, filterable, with ETags. A page is kept in memory until its workspace's
 * views or head move (the bus says so, from any instance) or `authCacheMs` passes, so an unchanged page costs
 * neither a query nor, with `If-None-Match`, a body.
 */
export class ViewQueries {
  private readonly cache = new Map<string, { page: ViewPage; at: number; ws: string }>();
  private cachedBytes = 0;

  constructor(private readonly ctx: ServiceContext) {
    ctx.bus.subscribe({
      views: (workspaceIds) => workspaceIds.forEach((ws) => this.forget(ws)),
      heads: (heads) => heads.forEach((h) => this.forget(h.ws)),
      access: () => this.forgetAll(),
    });
  }

  /** A page of a view; `rawQuery` keys the page cache, and `parse` checks the query when the page is not cached. */
  async page(principal: Principal, workspaceId: string, view: ViewName, rawQuery: string, parse: () => ViewQuery): Promise<ViewPage> {
    requireRole(principal, workspaceId, 'viewer');
    const key = `${workspaceId}\n${view}\n${rawQuery}`;
    const now = this.ctx.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ctx.config.authCacheMs) return hit.page;
    const body = Buffer.from(await this.build(workspaceId, view, parse()));
    const page = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    this.remember(key, workspaceId, page, now);
    return page;
  }

  forget(workspaceId: string): void {
    for (const [key, entry] of this.cache) {
      if (entry.ws === workspaceId) {
        this.cachedBytes -= entry.page.body.length;
        this.cache.delete(key);
      }
    }
  }

  forgetAll(): void {
    this.cache.clear();
    this.cachedBytes = 0;
  }

  private remember(key: string, ws: string, page: ViewPage, at: number): void {
    const old = this.cache.get(key);
    if (old) this.cachedBytes -= old.page.body.length;
    if (page.body.length > CACHE_BYTES / 8) return;
    while (this.cachedBytes + page.body.length > CACHE_BYTES && this.cache.size > 0) {
      const [oldest, entry] = this.cache.entries().next().value as [string, { page: ViewPage }];
      this.cachedBytes -= entry.page.body.length;
      this.cache.delete(oldest);
    }
    this.cache.set(key, { page, at, ws });
    this.cachedBytes += page.body.length;
  }

  private async build(ws: string, view: ViewName, query: ViewQuery): Promise<string> {
    const projection = view === 'members' ? 'members' : 'entries';
    const state = await this.ctx.db.query<{ head: number; position: number | null }>(
      'SELECT h.head, c.position FROM workspace_heads h LEFT JOIN projection_checkpoints c ON c.workspace_id = h.workspace_id AND c.projection = $2 WHERE h.workspace_id = $1',
      [ws, projection],
    );
    const head = state[0]?.head ?? 0;
    const checkpoint = state[0]?.position ?? 0;
    const cursor = decodeCursor(query.cursor, view);
    const limit = query.limit;
    let items: unknown[];
    let next: string | null;
    switch (view) {
      case 'entries': {
        const { where, params } = filters(ws, query, cursor, 'e');
        const rows = await this.ctx.db.query<Row>(
          `SELECT e.entry_id, e.kind, e.title, e.tags, e.deleted, e.version, e.created_at, e.created_by_user, e.created_by_device, e.updated_at, e.updated_by_user, e.updated_by_device, e.seq
           FROM view_entries e WHERE ${where} ORDER BY e.seq DESC LIMIT ${limit + 1}`,
          params,
        );
        items = rows.slice(0, limit).map((r) => ({
          id: r.entry_id,
          kind: r.kind,
          title: r.title,
          tags: r.tags,
          deleted: r.deleted,
          version: r.version,
          createdAt: iso(r.created_at),
          createdBy: { userId: r.created_by_user, deviceId: r.created_by_device },
          updatedAt: iso(r.updated_at),
          updatedBy: { userId: r.updated_by_user, deviceId: r.updated_by_device },
          seq: r.seq,
        }));
        next = rows.length > limit ? encodeCursor(view, rows[limit - 1]!.seq as number) : null;
        break;
      }
      case 'documents': {
        const { where, params } = filters(ws, query, cursor, 'd');
        const rows = await this.ctx.db.query<Row>(
          `SELECT d.entry_id, d.title, d.file_name, d.mime_type, d.size, d.sha256, d.status, d.error_code, d.error_reason, d.text_sha256, d.page_count, d.ocr_used, d.language, d.deleted, d.updated_at, d.seq
           FROM view_documents d ${query.tag || query.kind ? 'JOIN view_entries e ON e.workspace_id = d.workspace_id AND e.entry_id = d.entry_id' : ''} WHERE ${where} ORDER BY d.seq DESC LIMIT ${limit + 1}`,
          params,
        );
        items = rows.slice(0, limit).map((r) => ({
          id: r.entry_id,
          title: r.title,
          fileName: r.file_name,
          mimeType: r.mime_type,
          size: r.size,
          sha256: r.sha256,
          status: r.status,
          error: r.error_code ? { code: r.error_code, reason: r.error_reason ?? '' } : null,
          textSha256: r.text_sha256,
          pageCount: r.page_count,
          ocrUsed: r.ocr_used,
          language: r.language,
          deleted: r.deleted,
          updatedAt: iso(r.updated_at),
          seq: r.seq,
        }));
        next = rows.length > limit ? encodeCursor(view, rows[limit - 1]!.seq as number) : null;
        break;
      }
      case 'activity': {
        const params: unknown[] = [ws];
        let where = 'a.workspace_id = $1';
        if (cursor !== undefined) where += ` AND a.seq < $${params.push(cursor)}`;
        if (query.since) where += ` AND a.at >= $${params.push(query.since)}`;
        if (query.tag || query.kind) {
          where += ' AND EXISTS (SELECT 1 FROM view_entries e WHERE e.workspace_id = a.workspace_id AND e.entry_id = a.entry_id';
          if (query.tag) where += ` AND e.tags @> ARRAY[$${params.push(query.tag)}::text]`;
          if (query.kind) where += ` AND e.kind = $${params.push(query.kind)}`;
          where += ')';
        }
        const rows = await this.ctx.db.query<Row>(`SELECT a.seq, a.entry_id, a.event_type, a.title, a.fields, a.user_id, a.device_id, a.at FROM view_activity a WHERE ${where} ORDER BY a.seq DESC LIMIT ${limit + 1}`, params);
        items = rows.slice(0, limit).map((r) => ({ seq: r.seq, entryId: r.entry_id, eventType: r.event_type, title: r.title, fields: r.fields, by: { userId: r.user_id, deviceId: r.device_id }, at: iso(r.at) }));
        next = rows.length > limit ? encodeCursor(view, rows[limit - 1]!.seq as number) : null;
        break;
      }
      case 'members': {
        const params: unknown[] = [ws];
        let where = 'm.workspace_id = $1';
        if (cursor !== undefined) where += ` AND u.username > $${params.push(cursor)}`;
        if (query.since) where += ` AND greatest(m.joined_at, coalesce(m.removed_at, m.joined_at), coalesce(m.last_push_at, m.joined_at)) >= $${params.push(query.since)}`;
        const rows = await this.ctx.db.query<Row>(
          `SELECT m.user_id, u.username, u.display_name, m.role, m.joined_at, m.removed_at, m.events, m.last_push_at,
             (SELECT coalesce(json_agg(json_build_object('deviceId', d, 'name', coalesce((SELECT t.name FROM tokens t WHERE t.user_id = m.user_id AND t.device_id = d ORDER BY t.created_at DESC LIMIT 1), 'unknown device')) ORDER BY d), '[]'::json) FROM unnest(m.devices) AS d) AS devices
           FROM view_members m JOIN users u ON u.id = m.user_id WHERE ${where} ORDER BY u.username LIMIT ${limit + 1}`,
          params,
        );
        items = rows.slice(0, limit).map((r) => ({
          userId: r.user_id,
          username: r.username,
          displayName: r.display_name,
          role: r.role,
          joinedAt: iso(r.joined_at),
          removedAt: isoOrNull(r.removed_at),
          events: r.events,
          lastPushAt: isoOrNull(r.last_push_at),
          devices: r.devices,
        }));
        next = rows.length > limit ? encodeCursor(view, rows[limit - 1]!.username as string) : null;
        break;
      }
    }
    return JSON.stringify({ items, next, checkpoint, head });
  }
}

function filters(ws: string, query: ViewQuery, cursor: number | string | undefined, alias: 'e' | 'd'): { where: string; params: unknown[] } {
  const params: unknown[] = [ws];
  let where = `${alias}.workspace_id = $1`;
  if (cursor !== undefined) where += ` AND ${alias}.seq < $${params.push(cursor)}`;
  if (query.tag) where += ` AND e.tags @> ARRAY[$${params.push(query.tag)}::text]`;
  if (query.kind) where += ` AND e.kind = $${params.push(query.kind)}`;
  if (query.since) where += ` AND ${alias}.updated_at >= $${params.push(query.since)}`;
  // Live entries by default; `deleted=true` gives the deleted ones; changes since a time include both.
  if (query.deleted !== undefined) where += ` AND ${alias}.deleted = $${params.push(query.deleted === 'true')}`;
  else if (!query.since) where += ` AND NOT ${alias}.deleted`;
  return { where, params };
}

function encodeCursor(view: ViewName, after: number | string): string {
  return Buffer.from(JSON.stringify({ v: view, a: after })).toString('base64url');
}

function decodeCursor(cursor: string | undefined, view: ViewName): number | string | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CairnError('validation', 'the cursor is not one this server gave');
  }
  const { v, a } = (parsed ?? {}) as { v?: unknown; a?: unknown };
  const ok = v === view && (view === 'members' ? typeof a === 'string' && a.length <= 100 : typeof a === 'number' && Number.isSafeInteger(a) && a >= 0);
  if (!ok) throw new CairnError('validation', 'the cursor is not one this server gave for this view');
  return a as number | string;
}
