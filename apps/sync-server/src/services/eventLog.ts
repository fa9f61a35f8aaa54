import { createHash } from 'node:crypto';
import { CairnError, canonicalJson, decodeHlc } from '@cairn/core/domain';
import { EventRefusal, validateWireEvent, type PullQuery, type PushResponse, type WireEvent } from '@cairn/core/protocol';
import { pgCode, pgCodes, type Queryable } from '../db/db.js';
import type { ServiceContext } from './context.js';
import { requireRole, type Principal } from './identity.js';

/** Where an event sits in the log, who pushed it and when. */
export interface LogRecord {
  readonly seq: number;
  readonly userId: string;
  readonly deviceId: string;
  readonly receivedAt: string;
}

/** An event as the log holds it, with where and from whom it came. */
export interface LoggedEvent extends LogRecord {
  readonly event: WireEvent;
}

interface PreparedEvent {
  readonly event: WireEvent;
  readonly body: string;
  readonly hash: string;
}

type PushOutcome = { conflict: number } | { forbidden: true } | { head: number; epoch: string; stored: Record<string, number> };

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
        // The test hook needs the transaction held open before its commit; otherwise the push is one statement.
        const result = this.beforeCommit
          ? await this.ctx.db.transaction((tx) => this.store(tx, principal, workspaceId, prepared))
          : await this.store(undefined, principal, workspaceId, prepared);
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

  private async store(tx: Queryable | undefined, principal: Principal, workspaceId: string, prepared: readonly PreparedEvent[]): Promise<{ response: PushResponse; stored: number }> {
    const refs = [...new Set(prepared.flatMap((p) => blobReferences(p.event)))];
    // The events as one JSON array; each event is its canonical text, embedded as it is (stored exactly so).
    const events = `[${prepared.map((p) => `[${JSON.stringify(p.event.eventId)},${JSON.stringify(p.event.aggregateId)},${JSON.stringify(p.event.type)},"${p.hash}",${p.body}]`).join(',')}]`;
    const params = [workspaceId, principal.userId, principal.tokenId, principal.deviceId, new Date(this.ctx.now()), events, refs];
    // One statement (db/migrations/002): dedupe, blob references, the head bump and the inserts, in that order.
    const run = async (on: Queryable) => (await on.query<{ result: PushOutcome }>('SELECT cairn_push($1, $2, $3, $4, $5, $6, $7) AS result', params))[0]!.result;
    const outcome = tx ? await run(tx) : await run(this.ctx.db);
    if ('conflict' in outcome) {
      const index = outcome.conflict;
      const id = prepared[index]!.event.eventId;
      throw new EventRefusal('conflict', `event ${index} reuses event id ${id}, which this workspace already holds with other content`, index, id);
    }
    if ('forbidden' in outcome) throw new CairnError('forbidden', 'you can no longer change this workspace');
    const fresh = prepared.length - Object.keys(outcome.stored).length;
    let next = outcome.head - fresh + 1;
    const acks = prepared.map((p) => {
      const seq = outcome.stored[p.event.eventId];
      return seq !== undefined ? { eventId: p.event.eventId, seq, duplicate: true } : { eventId: p.event.eventId, seq: next++, duplicate: false };
    });
    if (tx && fresh > 0) await this.beforeCommit?.(workspaceId, acks.filter((a) => !a.duplicate).map((a) => a.seq));
    return { response: { epoch: outcome.epoch, head: outcome.head, serverTime: this.ctx.now(), acks }, stored: fresh };
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
    // Postgres writes each pulled event's JSON around the stored text, one short row each (the driver reads many
    // small rows far faster than one large value), and the page is their join: nothing is parsed here.
    const rows =
      query.after >= head
        ? []
        : await this.ctx.db.query<{ seq: number; json: string }>(
            `SELECT seq, '{"seq":' || seq || ',"receivedAt":"' || to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                || '","pushedBy":{"userId":"' || user_id || '","deviceId":"' || device_id || '"},"event":' || body || '}' AS json
             FROM events WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
            [workspaceId, query.after, head, query.limit],
          );
    let events = '';
    for (let i = 0; i < rows.length; i++) events += i === 0 ? rows[i]!.json : `,${rows[i]!.json}`;
    const page = { events, last: rows.length > 0 ? rows[rows.length - 1]!.seq : null, n: rows.length };
    const last = page.last ?? Math.min(query.after, head);
    this.ctx.metrics.pulls.inc();
    this.ctx.metrics.eventsPulled.inc(page.n);
    return `{"epoch":"${epoch}","head":${head},"more":${last < head},"events":[${page.events}]}`;
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

/** Like {@link readLog} without the events' content (projections that count who pushed what). */
export async function readRecords(tx: Queryable, workspaceId: string, after: number, upTo: number, limit: number): Promise<LogRecord[]> {
  const rows = await tx.query<{ seq: number; user_id: string; device_id: string; received_at: Date }>(
    'SELECT seq, user_id, device_id, received_at FROM events WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [workspaceId, after, upTo, limit],
  );
  return rows.map((row) => ({ seq: row.seq, userId: row.user_id, deviceId: row.device_id, receivedAt: row.received_at.toISOString() }));
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
