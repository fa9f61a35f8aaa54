import { createHash } from 'node:crypto';
import { CairnError, canonicalJson, decodeHlc } from '@cairn/core/domain';
import { EventRefusal, validateWireEvent, type PullQuery, type PushResponse, type WireEvent } from '@cairn/core/protocol';
import { binaryCopyTuples } from '../db/binaryCopy.js';
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
   * A page of the log after `after`, as JSON pieces to write out in order: the epoch, the head, each event exactly as
   * stored, and whether more remain. Reads the committed head first and never past it, so the page holds only
   * committed events. On Postgres the events stream straight from a binary COPY into the answer (never decoded here);
   * PGlite gives them as rows.
   */
  async pull(principal: Principal, workspaceId: string, query: PullQuery): Promise<AsyncIterable<string | Buffer>> {
    requireRole(principal, workspaceId, 'viewer');
    const heads = await this.ctx.db.query<{ head: number; epoch: string }>('SELECT h.head, w.epoch FROM workspace_heads h JOIN workspaces w ON w.id = h.workspace_id WHERE h.workspace_id = $1', [
      workspaceId,
    ]);
    if (!heads[0]) throw new CairnError('forbidden', 'you are not a member of this workspace');
    const { head, epoch } = heads[0];
    this.ctx.metrics.pulls.inc();
    const metrics = this.ctx.metrics;
    // Opened before the answer starts, so a database failure here is still a proper error answer.
    const events = query.after >= head ? emptyPage() : await this.openPage(workspaceId, query.after, head, query.limit);
    return (async function* () {
      yield `{"epoch":"${epoch}","head":${head},"events":[`;
      let last = Math.min(query.after, head);
      let count = 0;
      for await (const piece of events) {
        if (typeof piece === 'number') {
          last = piece;
          count++;
        } else yield piece;
      }
      metrics.eventsPulled.inc(count);
      yield `],"more":${last < head}}`;
    })();
  }

  /** The page's events as JSON (joined by commas, in pieces of about 64 KB), each preceded by its sequence number. */
  private async openPage(workspaceId: string, after: number, head: number, limit: number): Promise<AsyncIterable<Buffer | string | number> | Iterable<Buffer | string | number>> {
    head = pageEnd(after, head, limit);
    const select = `SELECT seq, entry AS json FROM events WHERE workspace_id = %WS% AND seq > %AFTER% AND seq <= %HEAD% ORDER BY seq LIMIT %LIMIT%`;
    if (this.ctx.db.copyOut) {
      // COPY takes no parameters: every value here is checked (a workspace id of [a-z0-9-], whole numbers).
      const sql = select.replace('%WS%', `'${workspaceId.replace(/'/g, "''")}'`).replace('%AFTER%', String(Math.trunc(after))).replace('%HEAD%', String(Math.trunc(head))).replace('%LIMIT%', String(Math.trunc(limit)));
      return copiedEvents(await this.ctx.db.copyOut(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
    }
    const sql = select.replace('%WS%', '$1').replace('%AFTER%', '$2').replace('%HEAD%', '$3').replace('%LIMIT%', '$4');
    const rows = await this.ctx.db.query<{ seq: number; json: string }>(sql, [workspaceId, after, head, limit]);
    return (function* () {
      let text = '';
      for (let i = 0; i < rows.length; i++) text += i === 0 ? rows[i]!.json : `,${rows[i]!.json}`;
      for (const row of rows) yield row.seq;
      yield text;
    })();
  }
}

/** Events from a binary COPY of (seq, json): the bytes as they came, batched, with each one's sequence. */
async function* copiedEvents(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer | number> {
  let pending: Buffer[] = [];
  let size = 0;
  let first = true;
  try {
    for await (const [seq, json] of binaryCopyTuples(stream)) {
      if (!first) {
        pending.push(comma);
        size += 1;
      }
      first = false;
      pending.push(json!);
      size += json!.length;
      yield Number(seq!.readBigInt64BE());
      if (size >= 65_536) {
        yield Buffer.concat(pending, size);
        pending = [];
        size = 0;
      }
    }
  } finally {
    (stream as { destroy?: () => void }).destroy?.();
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

const comma = Buffer.from(',');

function emptyPage(): Iterable<never> {
  return [];
}

/**
 * The last sequence a page after `after` of at most `limit` events can hold: the log has no gaps, so bounding the range
 * itself (not only by LIMIT) gives the same rows and lets Postgres read just the page. Without it, a planner that has
 * no statistics yet on a freshly written log (it estimates ~10 rows) reads every event up to the head and sorts them
 * all for each page: a first pull of 100,000 events took ~0.2–0.4 s a page of 5,000, 15–40 ms bounded.
 */
export function pageEnd(after: number, upTo: number, limit: number): number {
  return Math.min(upTo, after + limit);
}

/** Reads the log for projections (inside their transactions). */
export async function readLog(tx: Queryable, workspaceId: string, after: number, upTo: number, limit: number): Promise<LoggedEvent[]> {
  upTo = pageEnd(after, upTo, limit);
  const rows = await tx.query<{ seq: number; entry: string; user_id: string; device_id: string; received_at: Date }>(
    'SELECT seq, entry, user_id, device_id, received_at FROM events WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [workspaceId, after, upTo, limit],
  );
  return rows.map(toLogged);
}

/** Like {@link readLog} without the events' content (projections that count who pushed what). */
export async function readRecords(tx: Queryable, workspaceId: string, after: number, upTo: number, limit: number): Promise<LogRecord[]> {
  upTo = pageEnd(after, upTo, limit);
  const rows = await tx.query<{ seq: number; user_id: string; device_id: string; received_at: Date }>(
    'SELECT seq, user_id, device_id, received_at FROM events WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [workspaceId, after, upTo, limit],
  );
  return rows.map((row) => ({ seq: row.seq, userId: row.user_id, deviceId: row.device_id, receivedAt: row.received_at.toISOString() }));
}

/** Every event of one entry up to `upTo`, in server order. */
export async function readEntryStream(tx: Queryable, workspaceId: string, entryId: string, upTo: number): Promise<LoggedEvent[]> {
  const rows = await tx.query<{ seq: number; entry: string; user_id: string; device_id: string; received_at: Date }>(
    'SELECT seq, entry, user_id, device_id, received_at FROM events WHERE workspace_id = $1 AND aggregate_id = $2 AND seq <= $3 ORDER BY seq',
    [workspaceId, entryId, upTo],
  );
  return rows.map(toLogged);
}

function toLogged(row: { seq: number; entry: string; user_id: string; device_id: string; received_at: Date }): LoggedEvent {
  return { seq: row.seq, event: (JSON.parse(row.entry) as { event: WireEvent }).event, userId: row.user_id, deviceId: row.device_id, receivedAt: row.received_at.toISOString() };
}
