import { createHmac, randomUUID } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { CairnError } from '@cairn/core/domain';
import { webhookHeaders, type NotificationKind } from '@cairn/core/protocol';
import ipaddr from 'ipaddr.js';
import { iso, isoOrNull, type Queryable } from '../db/db.js';
import type { StoredNotification } from '../views/projector.js';
import type { ServiceContext } from './context.js';
import { requireRole, type Principal } from './identity.js';
import { newSecret } from './secrets.js';

export interface WebhookOptions {
  /** First retry delay (doubles each attempt, with jitter). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Attempts before a delivery goes to the dead-letter list. */
  readonly maxAttempts?: number;
  readonly timeoutMs?: number;
  /** How often due deliveries are looked for. */
  readonly pollMs?: number;
}

interface DueDelivery {
  id: string;
  webhook_id: string;
  kind: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
}

/** Signs a delivery body: `v1=` HMAC-SHA256 over `<timestamp>.<body>` with the webhook's secret. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Loopback, private, link-local, unique-local, carrier-grade NAT, unspecified and similar addresses. */
export function isPrivateAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() !== 'unicast';
}

/**
 * Webhooks per workspace (admins set the URL and which notifications): each delivery is signed with a timestamp,
 * sent at least once with an id that stays the same across retries (for de-duplication), retried with exponential
 * back-off and jitter, then kept as dead letters an admin can read and redeliver. Targets on private or loopback
 * addresses are refused — checked at every connection, on the address actually dialled — unless the config allows.
 */
export class Webhooks {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** A kick came while a run was under way: run once more after it. */
  private again = false;
  private stopped = false;
  private readonly options: Required<WebhookOptions>;

  constructor(
    private readonly ctx: ServiceContext,
    options: WebhookOptions = {},
  ) {
    this.options = { retryBaseMs: 10_000, retryMaxMs: 3_600_000, maxAttempts: 8, timeoutMs: 10_000, pollMs: 1_000, ...options };
    // Told after the projection's transaction committed (here or on another instance): its deliveries are visible now.
    ctx.bus.subscribe({ notifications: () => this.kick() });
  }

  async create(principal: Principal, workspaceId: string, input: { url: string; events: readonly NotificationKind[]; description?: string | undefined }) {
    requireRole(principal, workspaceId, 'admin');
    this.checkUrl(input.url);
    const id = randomUUID();
    const secret = newSecret('whsec');
    const now = new Date(this.ctx.now());
    const events = [...new Set(input.events)].sort();
    await this.ctx.db.query('INSERT INTO webhooks (id, workspace_id, url, events, description, secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      id,
      workspaceId,
      input.url,
      events,
      input.description ?? null,
      secret,
      principal.userId,
      now,
    ]);
    return { id, url: input.url, events, description: input.description ?? null, createdAt: now.toISOString(), secret };
  }

  async list(principal: Principal, workspaceId: string) {
    requireRole(principal, workspaceId, 'admin');
    const rows = await this.ctx.db.query<{ id: string; url: string; events: NotificationKind[]; description: string | null; created_at: Date }>(
      'SELECT id, url, events, description, created_at FROM webhooks WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY created_at',
      [workspaceId],
    );
    return rows.map((row) => ({ id: row.id, url: row.url, events: row.events, description: row.description, createdAt: iso(row.created_at) }));
  }

  async remove(principal: Principal, workspaceId: string, webhookId: string): Promise<void> {
    requireRole(principal, workspaceId, 'admin');
    await this.ctx.db.transaction(async (tx) => {
      // Waits for a projection that is queueing deliveries for this webhook (`enqueue` holds its row FOR SHARE), so
      // what it queued is committed, and dead-lettered below, before the webhook counts as removed.
      const rows = await tx.query('UPDATE webhooks SET deleted_at = $3 WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL RETURNING 1', [webhookId, workspaceId, new Date(this.ctx.now())]);
      if (rows.length === 0) throw new CairnError('not_found', 'no such webhook');
      await tx.query(`UPDATE webhook_deliveries SET status = 'dead', next_attempt_at = NULL, last_error = 'the webhook was removed' WHERE webhook_id = $1 AND status = 'pending'`, [webhookId]);
    });
  }

  /** A webhook's deliveries (newest first), a removed webhook's too; `not_found` for an id not of this workspace. */
  async deliveries(principal: Principal, workspaceId: string, webhookId: string, status: 'pending' | 'delivered' | 'dead' | undefined) {
    requireRole(principal, workspaceId, 'admin');
    const hook = await this.ctx.db.query('SELECT 1 FROM webhooks WHERE id = $1 AND workspace_id = $2', [webhookId, workspaceId]);
    if (hook.length === 0) throw new CairnError('not_found', 'no such webhook');
    const rows = await this.ctx.db.query<{ id: string; kind: NotificationKind; status: 'pending' | 'delivered' | 'dead'; attempts: number; last_error: string | null; created_at: Date; next_attempt_at: Date | null; delivered_at: Date | null }>(
      `SELECT d.id, d.kind, d.status, d.attempts, d.last_error, d.created_at, d.next_attempt_at, d.delivered_at FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.webhook_id = $1 AND w.workspace_id = $2 AND ($3::text IS NULL OR d.status = $3::text) ORDER BY d.created_at DESC LIMIT 200`,
      [webhookId, workspaceId, status ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      webhookId,
      kind: row.kind,
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: iso(row.created_at),
      nextAttemptAt: isoOrNull(row.next_attempt_at),
      deliveredAt: isoOrNull(row.delivered_at),
    }));
  }

  /** Puts a dead letter back in the queue, due now, with its attempts counted afresh. */
  async redeliver(principal: Principal, workspaceId: string, webhookId: string, deliveryId: string): Promise<void> {
    requireRole(principal, workspaceId, 'admin');
    const rows = await this.ctx.db.query(
      `UPDATE webhook_deliveries d SET status = 'pending', attempts = 0, next_attempt_at = $4, leased_until = NULL
       FROM webhooks w WHERE d.id = $1 AND d.webhook_id = $2 AND w.id = d.webhook_id AND w.workspace_id = $3 AND w.deleted_at IS NULL AND d.status = 'dead' RETURNING 1`,
      [deliveryId, webhookId, workspaceId, new Date(this.ctx.now())],
    );
    if (rows.length === 0) throw new CairnError('not_found', 'no dead delivery with that id for a current webhook');
    this.kick();
  }

  /** Queues a delivery per matching webhook, in the projection's transaction (exactly once per notification). */
  async enqueue(tx: Queryable, notifications: readonly StoredNotification[]): Promise<void> {
    const ws = notifications[0]?.workspaceId;
    if (!ws) return;
    // FOR SHARE: a removal waits for this transaction, then dead-letters what it queued (see `remove`).
    const hooks = await tx.query<{ id: string; events: string[] }>('SELECT id, events FROM webhooks WHERE workspace_id = $1 AND deleted_at IS NULL FOR SHARE', [ws]);
    if (hooks.length === 0) return;
    const rows: [string, string, string, string][] = [];
    for (const n of notifications) {
      for (const hook of hooks) {
        if (!hook.events.includes(n.draft.kind)) continue;
        const id = randomUUID();
        const payload = JSON.stringify({
          id,
          webhookId: hook.id,
          notification: { id: n.id, ws, kind: n.draft.kind, at: n.at, by: n.draft.byUser ? { userId: n.draft.byUser, deviceId: n.draft.byDevice } : null, entryId: n.draft.entryId, title: n.draft.title, details: n.draft.details },
        });
        rows.push([id, hook.id, n.draft.kind, payload]);
      }
    }
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO webhook_deliveries (id, webhook_id, workspace_id, kind, payload, status, next_attempt_at, created_at)
       SELECT x.id, x.webhook_id, $1, x.kind, x.payload, 'pending', $2, $2 FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[]) AS x(id, webhook_id, kind, payload)`,
      [ws, new Date(this.ctx.now()), rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
    );
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.running) await this.running;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.deliverDue()
      .then(() => undefined)
      .catch((error: unknown) => this.ctx.log.warn({ err: error }, 'webhook deliveries could not run; retrying'))
      .finally(() => {
        this.running = undefined;
        if (this.again) this.kick();
      });
  }

  /** Sends what is due now (tests and the worker). */
  async deliverDue(): Promise<number> {
    let sent = 0;
    for (;;) {
      const now = this.ctx.now();
      const due = await this.ctx.db.query<DueDelivery>(
        `UPDATE webhook_deliveries d SET leased_until = $2 FROM webhooks w
         WHERE d.id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until < $1)
                        ORDER BY next_attempt_at LIMIT 16 FOR UPDATE SKIP LOCKED)
           AND w.id = d.webhook_id AND w.deleted_at IS NULL
         RETURNING d.id, d.webhook_id, d.kind, d.payload, d.attempts, w.url, w.secret`,
        [new Date(now), new Date(now + this.options.timeoutMs * 3)],
      );
      if (due.length === 0) return sent;
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
      sent += due.length;
      if (this.stopped) return sent;
    }
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const timestamp = Math.floor(this.ctx.now() / 1000);
    const attempts = delivery.attempts + 1;
    let failure: string | undefined;
    let permanent = false;
    try {
      const status = await this.post(delivery.url, delivery.payload, {
        'content-type': 'application/json',
        'user-agent': 'cairn-sync-server',
        [webhookHeaders.delivery]: delivery.id,
        [webhookHeaders.timestamp]: String(timestamp),
        [webhookHeaders.signature]: signWebhook(delivery.secret, timestamp, delivery.payload),
        [webhookHeaders.kind]: delivery.kind,
      });
      if (status < 200 || status >= 300) failure = `the target answered ${status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      permanent = error instanceof CairnError && error.code === 'forbidden';
    }
    const now = this.ctx.now();
    if (failure === undefined) {
      this.ctx.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      await this.ctx.db.query(`UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, delivered_at = $3, next_attempt_at = NULL, leased_until = NULL, last_error = NULL WHERE id = $1`, [delivery.id, attempts, new Date(now)]);
      return;
    }
    this.ctx.metrics.webhookFailures.inc();
    const dead = permanent || attempts >= this.options.maxAttempts;
    this.ctx.metrics.webhookDeliveries.inc({ outcome: dead ? 'dead' : 'retry' });
    const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (attempts - 1));
    const next = new Date(now + delay / 2 + Math.random() * (delay / 2));
    // Only while pending: a webhook removed during the attempt dead-lettered the delivery, and it stays so.
    await this.ctx.db.query(`UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, leased_until = NULL, last_error = $5 WHERE id = $1 AND status = 'pending'`, [
      delivery.id,
      dead ? 'dead' : 'pending',
      attempts,
      dead ? null : next,
      failure.slice(0, 500),
    ]);
    this.ctx.log.warn({ deliveryId: delivery.id, webhookId: delivery.webhook_id, attempts, dead }, 'a webhook delivery failed');
  }

  private checkUrl(raw: string): void {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new CairnError('validation', 'the webhook URL is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CairnError('validation', 'a webhook URL must be http or https');
    if (url.username || url.password) throw new CairnError('validation', 'put credentials in the signature, not the URL');
    if (this.ctx.config.allowPrivateWebhooks) return;
    // A fully qualified name may end in a dot (`localhost.`): it names the same host.
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
    if (host === 'localhost' || host.endsWith('.localhost') || (ipaddr.isValid(host) && isPrivateAddress(host))) {
      throw new CairnError('validation', 'webhook targets on private or loopback addresses are refused (the server config can allow them)');
    }
  }

  /** One POST, no redirects followed, to an address checked when it is dialled. */
  private post(target: string, body: string, headers: Record<string, string>): Promise<number> {
    const url = new URL(target);
    const allowPrivate = this.ctx.config.allowPrivateWebhooks;
    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 4);
        const list = addresses;
        const refused = !allowPrivate && list.find((a) => isPrivateAddress(a.address));
        if (refused) return callback(new CairnError('forbidden', `the webhook target resolves to a private address (${refused.address})`), '', 4);
        if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
        callback(null, list[0]!.address, list[0]!.family);
      });
    };
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (ipaddr.isValid(host) && !allowPrivate && isPrivateAddress(host)) {
        reject(new CairnError('forbidden', 'the webhook target is a private address'));
        return;
      }
      const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: this.options.timeoutMs, lookup }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
