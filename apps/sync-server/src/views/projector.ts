import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/db.js';
import type { ServiceContext } from '../services/context.js';
import { readLog, readRecords, type LogRecord } from '../services/eventLog.js';
import type { AuditEntry, NotificationDraft, Projection } from './projection.js';

/** Events (or audit entries) folded per transaction. */
const BATCH = 1_000;

interface Checkpoint {
  position: number;
  audit_position: number;
  quiet_until: number;
  quiet_audit_until: number;
  version: number;
}

export interface StoredNotification {
  readonly id: string;
  readonly workspaceId: string;
  readonly draft: NotificationDraft;
  readonly at: string;
}

/**
 * Runs the read views. Every instance runs the projector; a transaction-scoped advisory lock per projection and
 * workspace makes exactly one instance fold a workspace's next batch at a time, and the checkpoint is written in
 * the same transaction as the view's rows and its notifications, so each event is folded exactly once. Runs when a
 * head moves (here or, through the bus, on another instance) and every second to catch anything missed.
 */
export class Projector {
  /** Stores notifications' side effects (webhook deliveries) in the projection's transaction. */
  onNotifications: ((tx: Queryable, notifications: readonly StoredNotification[]) => Promise<void>) | undefined;
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ServiceContext,
    readonly projections: readonly Projection[],
  ) {
    ctx.bus.subscribe({ heads: (heads) => heads.forEach((h) => this.kick(h.ws)) });
  }

  start(intervalMs = 1_000): void {
    this.stopped = false;
    this.sweepTimer = setInterval(() => this.kick(), intervalMs);
    this.sweepTimer.unref();
    this.kick();
  }

  /** Folds soon: one workspace, or (no argument) every workspace behind. */
  kick(workspaceId?: string): void {
    if (this.stopped) return;
    this.dirty.add(workspaceId ?? '*');
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.run().catch((error: unknown) => this.ctx.log.warn({ err: error }, 'the read views could not run; they retry'));
      }, 5);
    }
  }

  /** Runs until every workspace's views reached the heads seen at the start (tests, the admin CLI, shutdown). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    this.dirty.add('*');
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.sweepTimer);
    while (this.running) await this.running;
  }

  /** How many events (and audit entries) each view has yet to fold, over all workspaces. */
  async lag(): Promise<Record<string, number>> {
    const lag: Record<string, number> = {};
    for (const projection of this.projections) {
      const rows = await this.ctx.db.query<{ lag: number }>(
        `SELECT coalesce(sum(h.head - coalesce(c.position, 0)${projection.readsAudit ? ' + h.audit_head - coalesce(c.audit_position, 0)' : ''}), 0)::bigint AS lag
         FROM workspace_heads h LEFT JOIN projection_checkpoints c ON c.workspace_id = h.workspace_id AND c.projection = $1`,
        [projection.name],
      );
      lag[projection.name] = rows[0]?.lag ?? 0;
      this.ctx.metrics.projectionLag.set({ projection: projection.name }, lag[projection.name]!);
    }
    return lag;
  }

  private async run(): Promise<void> {
    if (this.running) {
      // Another run is in progress: it (or the next kick) picks up what is dirty now.
      await this.running;
      if (this.dirty.size > 0 && !this.stopped) return this.run();
      return;
    }
    const work = (async () => {
      while (this.dirty.size > 0 && !this.stopped) {
        const wanted = [...this.dirty];
        this.dirty.clear();
        let workspaces: string[];
        try {
          workspaces = wanted.includes('*') ? await this.behind() : wanted;
        } catch (error) {
          // The database is away: the next sweep (or kick) tries again.
          for (const ws of wanted) this.dirty.add(ws);
          this.ctx.log.warn({ err: error }, 'the read views could not look for work; they retry');
          return;
        }
        for (const ws of workspaces) {
          for (const projection of this.projections) {
            if (this.stopped) return;
            try {
              await this.catchUp(projection, ws);
            } catch (error) {
              this.ctx.log.error({ err: error, projection: projection.name, workspaceId: ws }, 'a read view could not fold its events; it retries');
            }
          }
        }
      }
    })();
    this.running = work;
    try {
      await work;
    } finally {
      this.running = undefined;
    }
  }

  /** Workspaces with a view behind its heads. */
  private async behind(): Promise<string[]> {
    const rows = await this.ctx.db.query<{ workspace_id: string }>(
      `SELECT h.workspace_id FROM workspace_heads h WHERE EXISTS (
         SELECT 1 FROM unnest($1::text[], $2::int[]) AS p(name, version)
         LEFT JOIN projection_checkpoints c ON c.projection = p.name AND c.workspace_id = h.workspace_id
         WHERE c.position IS NULL OR c.position < h.head OR c.audit_position < h.audit_head OR c.version <> p.version)`,
      [this.projections.map((p) => p.name), this.projections.map((p) => p.version)],
    );
    return rows.map((row) => row.workspace_id);
  }

  /** Folds a workspace's events into one view, batch after batch, until it reaches the head. */
  async catchUp(projection: Projection, workspaceId: string): Promise<void> {
    for (;;) {
      const outcome = await this.ctx.db.transaction(async (tx) => {
        const locked = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS locked', [`${this.ctx.config.namespace}:view:${projection.name}`, workspaceId]);
        const idle = { more: false, folded: false, notifications: [] as StoredNotification[] };
        if (!locked[0]?.locked) return idle; // another instance is folding it
        const heads = await tx.query<{ head: number; audit_head: number }>('SELECT head, audit_head FROM workspace_heads WHERE workspace_id = $1', [workspaceId]);
        if (!heads[0]) return idle;
        let checkpoint = (await tx.query<Checkpoint>('SELECT position, audit_position, quiet_until, quiet_audit_until, version FROM projection_checkpoints WHERE projection = $1 AND workspace_id = $2', [projection.name, workspaceId]))[0];
        if (checkpoint && checkpoint.version !== projection.version) {
          // The view's code changed: fold the workspace again from the start, without repeating notifications.
          await resetView(tx, projection, workspaceId);
          checkpoint = undefined;
          await insertQuietCheckpoint(tx, projection, workspaceId, heads[0].head, heads[0].audit_head);
          checkpoint = { position: 0, audit_position: 0, quiet_until: heads[0].head, quiet_audit_until: heads[0].audit_head, version: projection.version };
        }
        const cp = checkpoint ?? { position: 0, audit_position: 0, quiet_until: 0, quiet_audit_until: 0, version: projection.version };
        const { head, audit_head: auditHead } = heads[0];
        const auditBehind = projection.readsAudit && cp.audit_position < auditHead;
        const audit = auditBehind ? await readAudit(tx, workspaceId, cp.audit_position, auditHead, BATCH) : [];
        const behind = !auditBehind && cp.position < head;
        const events = behind && projection.readsBodies ? await readLog(tx, workspaceId, cp.position, head, BATCH) : [];
        const records: readonly LogRecord[] = !behind ? [] : projection.readsBodies ? events : await readRecords(tx, workspaceId, cp.position, head, BATCH);
        if (audit.length === 0 && records.length === 0) return idle;
        const drafts = await projection.apply(tx, { workspaceId, records, events, audit });
        const position = records.length > 0 ? records[records.length - 1]!.seq : cp.position;
        const auditPosition = audit.length > 0 ? audit[audit.length - 1]!.seq : cp.audit_position;
        await tx.query(
          `INSERT INTO projection_checkpoints (projection, workspace_id, position, audit_position, quiet_until, quiet_audit_until, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (projection, workspace_id) DO UPDATE SET position = excluded.position, audit_position = excluded.audit_position, version = excluded.version, updated_at = excluded.updated_at`,
          [projection.name, workspaceId, position, auditPosition, cp.quiet_until, cp.quiet_audit_until, projection.version, new Date(this.ctx.now())],
        );
        const loud = drafts.filter((d) => (d.source === 'events' ? d.seq > cp.quiet_until : d.seq > cp.quiet_audit_until));
        const notifications = await this.storeNotifications(tx, workspaceId, loud);
        return { more: position < head || (projection.readsAudit && auditPosition < auditHead), folded: true, notifications };
      });
      if (outcome.notifications.length > 0) await this.ctx.bus.notificationsCreated(outcome.notifications.map((n) => n.id));
      if (outcome.folded) await this.ctx.bus.viewsAdvanced([workspaceId]);
      if (!outcome.more) return;
    }
  }

  private async storeNotifications(tx: Queryable, workspaceId: string, drafts: readonly NotificationDraft[]): Promise<StoredNotification[]> {
    if (drafts.length === 0) return [];
    const at = new Date(this.ctx.now()).toISOString();
    const stored = drafts.map((draft) => ({ id: randomUUID(), workspaceId, draft, at }));
    await tx.query(
      `INSERT INTO notifications (id, workspace_id, kind, entry_id, title, by_user, by_device, details, created_at)
       SELECT x.id, $1, x.kind, x.entry_id, x.title, x.by_user, x.by_device, x.details::jsonb, $2 FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::uuid[], $8::uuid[], $9::text[]) AS x(id, kind, entry_id, title, by_user, by_device, details)`,
      [
        workspaceId,
        at,
        stored.map((n) => n.id),
        stored.map((n) => n.draft.kind),
        stored.map((n) => n.draft.entryId),
        stored.map((n) => n.draft.title),
        stored.map((n) => n.draft.byUser),
        stored.map((n) => n.draft.byDevice),
        stored.map((n) => JSON.stringify(n.draft.details)),
      ],
    );
    await this.onNotifications?.(tx, stored);
    return stored;
  }

  /**
   * `views rebuild`: drops every view's rows and checkpoints and folds every workspace's log again. What was folded
   * before raises no notification again. Holding each (view, workspace) lock while deleting keeps any instance's
   * fold from writing into a half-deleted view.
   */
  async rebuild(): Promise<{ workspaces: number }> {
    const workspaces = (await this.ctx.db.query<{ workspace_id: string }>('SELECT workspace_id FROM workspace_heads ORDER BY workspace_id')).map((r) => r.workspace_id);
    for (const projection of this.projections) {
      for (const ws of workspaces) {
        await this.ctx.db.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [`${this.ctx.config.namespace}:view:${projection.name}`, ws]);
          const heads = await tx.query<{ head: number; audit_head: number }>('SELECT head, audit_head FROM workspace_heads WHERE workspace_id = $1', [ws]);
          await resetView(tx, projection, ws);
          await insertQuietCheckpoint(tx, projection, ws, heads[0]!.head, heads[0]!.audit_head);
        });
        await this.catchUp(projection, ws);
      }
    }
    return { workspaces: workspaces.length };
  }
}

async function resetView(tx: Queryable, projection: Projection, workspaceId: string): Promise<void> {
  for (const table of projection.tables) await tx.query(`DELETE FROM ${table} WHERE workspace_id = $1`, [workspaceId]);
  await tx.query('DELETE FROM projection_checkpoints WHERE projection = $1 AND workspace_id = $2', [projection.name, workspaceId]);
}

async function insertQuietCheckpoint(tx: Queryable, projection: Projection, workspaceId: string, head: number, auditHead: number): Promise<void> {
  await tx.query(
    'INSERT INTO projection_checkpoints (projection, workspace_id, position, audit_position, quiet_until, quiet_audit_until, version) VALUES ($1, $2, 0, 0, $3, $4, $5)',
    [projection.name, workspaceId, head, auditHead, projection.version],
  );
}

async function readAudit(tx: Queryable, workspaceId: string, after: number, upTo: number, limit: number): Promise<AuditEntry[]> {
  const rows = await tx.query<{ seq: number; kind: AuditEntry['kind']; subject_user: string; role: string | null; actor_user: string | null; at: Date }>(
    'SELECT seq, kind, subject_user, role, actor_user, at FROM audit_log WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [workspaceId, after, upTo, limit],
  );
  return rows.map((row) => ({ seq: row.seq, kind: row.kind, subjectUser: row.subject_user, role: row.role, actorUser: row.actor_user, at: row.at.toISOString() }));
}
