import { createHash } from 'node:crypto';
import { CairnError, canonicalJson, decodeHlc } from '@cairn/core/domain';
import { EventRefusal, validateWireEvent, type PullQuery, type PushResponse, type WireEvent } from '@cairn/core/protocol';
import { pgCode, pgCodes, type Queryable } from '../db/db.js';
import type { ServiceContext } from './context.js';
import { requireRole, type Principal } from './identity.js';

/** An event as the log holds it, with where and from whom it came. */
export interface LoggedEvent {
  readonly seq: number;
  readonly event: WireEvent;
  readonly userId: string;
  readonly deviceId: string;
  readonly receivedAt: string;
}

interface PreparedEvent {
  readonly event: WireEvent;
  readonly body: string;
  readonly hash: string;
}

/** How often a push is retried when a concurrent push stored one of its events first (it then finds it stored). */
const UNIQUE_RETRIES = 3;

/** Blobs an event names: a document's original and its extracted text. */
export function blobReferences(event: WireEvent): string[] {
  const data: unknown = event.data;
  const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);
  const sha = event.type === 'DocumentImported' ? field(field(data, 'file'), 'sha256') : event.type === 'DocumentProcessed' ? field(data, 'textSha256') : undefined;
  return typeof sha === 'string' ? [sha] : [];
}

/**
 * Each workspace's log. A push validates every event with core's event catalog before anything is stored, then, in
 * one transaction: finds the events stored already (the same content: acknowledged with their first sequence;
 * other content under a stored id: refused), inserts the new ones, and — at the very end — bumps the workspace's
 * head row under its row lock. A later push to the workspace waits on that lock until this one commits, so
 * sequences are gap-free and no reader ever sees a higher sequence before every lower one has committed.
 */
export class EventLog {
  /** Test hook: awaited inside the push transaction, after the head is bumped and before commit. */
  beforeCommit: ((workspaceId: string, seqs: readonly number[]) => Promise<void>) | undefined;
  /** Told after a push committed new events. */
  onCommitted: ((workspaceId: string, head: number, epoch: string) => void) | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  async push(principal: Principal, workspaceId: string, rawEvents: readonly unknown[]): Promise<PushResponse> {
    requireRole(principal, workspaceId, 'editor');
    const prepared = this.prepare(rawEvents);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.ctx.db.transaction((tx) => this.store(tx, principal, workspaceId, prepared));
        this.ctx.metrics.pushes.inc();
        if (result.stored > 0) {
          this.ctx.metrics.eventsStored.inc(result.stored);
          this.ctx.bus.headChanged({ ws: workspaceId, head: result.response.head, epoch: result.response.epoch });
          this.onCommitted?.(workspaceId, result.response.head, result.response.epoch);
        }
        return result.response;
      } catch (error) {
        // A concurrent push of the same event committed first: the retry finds it stored and acknowledges it.
        if (attempt < UNIQUE_RETRIES && pgCode((error as { cause?: unknown }).cause) === pgCodes.uniqueViolation) continue;
        throw error;
      }
    }
  }

  /** Validates the batch on its own: envelope, catalog, no id twice, clocks not far ahead. */
  private prepare(rawEvents: readonly unknown[]): PreparedEvent[] {
    const now = this.ctx.now();
    const seen = new Set<string>();
    return rawEvents.map((raw, index) => {
      const event = validateWireEvent(raw, index);
      if (seen.has(event.eventId)) throw new EventRefusal('validation', `event ${index} repeats event id ${event.eventId} of this batch`, index, event.eventId);
      seen.add(event.eventId);
      const clock = decodeHlc(event.metadata.hlc)!;
      if (clock.wallMs > now + this.ctx.config.maxClockSkewMs) {
        const ahead = Math.round((clock.wallMs - now) / 1000);
        const refusal = new EventRefusal(
          'clock_skew',
          `event ${index} has a clock ${ahead} s ahead of the server's (at most ${Math.round(this.ctx.config.maxClockSkewMs / 1000)} s is accepted): correct the device's clock; its events are kept and pushed once they are re-stamped`,
          index,
          event.eventId,
        );
        (refusal.details as Record<string, unknown>).serverTime = now;
        throw refusal;
      }
      const body = canonicalJson(event);
      return { event, body, hash: createHash('sha256').update(body).digest('hex') };
    });
  }

  private async store(tx: Queryable, principal: Principal, workspaceId: string, prepared: readonly PreparedEvent[]): Promise<{ response: PushResponse; stored: number }> {
    const ids = prepared.map((p) => p.event.eventId);
    const existing = await tx.query<{ event_id: string; seq: number; hash: string }>(
      `SELECT event_id, seq, encode(content_hash, 'hex') AS hash FROM events WHERE workspace_id = $1 AND event_id = ANY($2::uuid[])`,
      [workspaceId, ids],
    );
    const stored = new Map(existing.map((row) => [row.event_id, row]));
    const fresh: PreparedEvent[] = [];
    prepared.forEach((p, index) => {
      const known = stored.get(p.event.eventId);
      if (!known) fresh.push(p);
      else if (known.hash !== p.hash) {
        throw new EventRefusal('conflict', `event ${index} reuses event id ${p.event.eventId}, which this workspace already holds with other content`, index, p.event.eventId);
      }
    });
    let head: number;
    let epoch: string;
    const seqOf = new Map<string, number>();
    if (fresh.length > 0) {
      const refs = [...new Set(fresh.flatMap((p) => blobReferences(p.event)))];
      if (refs.length > 0) await tx.query('INSERT INTO blob_refs (workspace_id, sha256) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [workspaceId, refs]);
      // The very end of the transaction: take the head row's lock, number the events, insert them, commit. The
      // membership is checked here too, so a member removed a moment ago (whose role another instance may still
      // have cached) cannot push.
      const bumped = await tx.query<{ head: number; epoch: string }>(
        `UPDATE workspace_heads h SET head = h.head + $2 FROM workspaces w, memberships m
         WHERE h.workspace_id = $1 AND w.id = h.workspace_id AND m.workspace_id = h.workspace_id AND m.user_id = $3 AND m.role <> 'viewer'
         RETURNING h.head, w.epoch`,
        [workspaceId, fresh.length, principal.userId],
      );
      if (!bumped[0]) throw new CairnError('forbidden', 'you can no longer change this workspace');
      ({ head, epoch } = bumped[0]);
      const first = head - fresh.length + 1;
      fresh.forEach((p, i) => seqOf.set(p.event.eventId, first + i));
      await tx.query(
        `INSERT INTO events (workspace_id, seq, event_id, aggregate_id, type, content_hash, body, user_id, token_id, device_id, received_at)
         SELECT $1, x.seq, x.event_id, x.aggregate_id, x.type, decode(x.hash, 'hex'), x.body, $7, $8, $9, $10
         FROM unnest($2::bigint[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $11::text[]) AS x(seq, event_id, aggregate_id, type, hash, body)`,
        [
          workspaceId,
          fresh.map((_, i) => first + i),
          fresh.map((p) => p.event.eventId),
          fresh.map((p) => p.event.aggregateId),
          fresh.map((p) => p.event.type),
          fresh.map((p) => p.hash),
          principal.userId,
          principal.tokenId,
          principal.deviceId,
          new Date(this.ctx.now()),
          fresh.map((p) => p.body),
        ],
      );
      await this.beforeCommit?.(workspaceId, [...seqOf.values()]);
    } else {
      const rows = await tx.query<{ head: number; epoch: string }>('SELECT h.head, w.epoch FROM workspace_heads h JOIN workspaces w ON w.id = h.workspace_id WHERE h.workspace_id = $1', [workspaceId]);
      if (!rows[0]) throw new CairnError('forbidden', 'you are not a member of this workspace');
      ({ head, epoch } = rows[0]);
    }
    const acks = prepared.map((p) => {
      const known = stored.get(p.event.eventId);
      return known ? { eventId: p.event.eventId, seq: known.seq, duplicate: true } : { eventId: p.event.eventId, seq: seqOf.get(p.event.eventId)!, duplicate: false };
    });
    return { response: { epoch, head, serverTime: this.ctx.now(), acks }, stored: fresh.length };
  }

  /**
   * A page of the log after `after`, as JSON text: each event exactly as stored, the head, whether more remain, and
   * the epoch. Reads the committed head first and never past it, so the page holds only committed events.
   */
  async pull(principal: Principal, workspaceId: string, query: PullQuery): Promise<string> {
    requireRole(principal, workspaceId, 'viewer');
    const heads = await this.ctx.db.query<{ head: number; epoch: string }>('SELECT h.head, w.epoch FROM workspace_heads h JOIN workspaces w ON w.id = h.workspace_id WHERE h.workspace_id = $1', [
      workspaceId,
    ]);
    if (!heads[0]) throw new CairnError('forbidden', 'you are not a member of this workspace');
    const { head, epoch } = heads[0];
    const rows =
      query.after >= head
        ? []
        : await this.ctx.db.query<{ seq: number; body: string; user_id: string; device_id: string; received_at: string }>(
            `SELECT seq, body, user_id, device_id, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at
             FROM events WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
            [workspaceId, query.after, head, query.limit],
          );
    const last = rows.length > 0 ? rows[rows.length - 1]!.seq : Math.min(query.after, head);
    this.ctx.metrics.pulls.inc();
    this.ctx.metrics.eventsPulled.inc(rows.length);
    const events = rows.map((row) => `{"seq":${row.seq},"receivedAt":"${row.received_at}","pushedBy":{"userId":"${row.user_id}","deviceId":"${row.device_id}"},"event":${row.body}}`);
    return `{"epoch":"${epoch}","head":${head},"more":${last < head},"events":[${events.join(',')}]}`;
  }
}

/** Reads the log for projections (inside their transactions). */
export async function readLog(tx: Queryable, workspaceId: string, after: number, upTo: number, limit: number): Promise<LoggedEvent[]> {
  const rows = await tx.query<{ seq: number; body: string; user_id: string; device_id: string; received_at: Date }>(
    'SELECT seq, body, user_id, device_id, received_at FROM events WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [workspaceId, after, upTo, limit],
  );
  return rows.map(toLogged);
}

/** Every event of one entry up to `upTo`, in server order. */
export async function readEntryStream(tx: Queryable, workspaceId: string, entryId: string, upTo: number): Promise<LoggedEvent[]> {
  const rows = await tx.query<{ seq: number; body: string; user_id: string; device_id: string; received_at: Date }>(
    'SELECT seq, body, user_id, device_id, received_at FROM events WHERE workspace_id = $1 AND aggregate_id = $2 AND seq <= $3 ORDER BY seq',
    [workspaceId, entryId, upTo],
  );
  return rows.map(toLogged);
}

function toLogged(row: { seq: number; body: string; user_id: string; device_id: string; received_at: Date }): LoggedEvent {
  return { seq: row.seq, event: JSON.parse(row.body) as WireEvent, userId: row.user_id, deviceId: row.device_id, receivedAt: row.received_at.toISOString() };
}
