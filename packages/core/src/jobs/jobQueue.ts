import { hostname } from 'node:os';
import type { Statement } from 'better-sqlite3';
import { NotFoundError, ValidationError } from '../errors/cairnError.js';
import type { JsonValue } from '../domain/shared/json.js';
import type { Environment } from '../ids/ids.js';
import { sqliteError, type Database } from '../store/database.js';

export const jobStatuses = ['queued', 'running', 'done', 'dead'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** Higher runs first. What a person is waiting for goes before background work. */
export const jobPriority = { background: 0, normal: 50, interactive: 100 } as const;

export interface JobSpec {
  readonly kind: string;
  readonly payload: JsonValue;
  readonly priority?: number;
  readonly maxAttempts?: number;
  /** At most one job per key; enqueueing the same key again returns the existing job. */
  readonly dedupeKey?: string;
  /** Not before this time (epoch ms). */
  readonly runAt?: number;
}

export interface Job {
  readonly id: number;
  readonly kind: string;
  readonly payload: JsonValue;
  readonly priority: number;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAt: number;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  readonly lastError: string | null;
  readonly dedupeKey: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface JobQueueOptions {
  /** How long a claimed job stays claimed without a heartbeat (ms). */
  readonly leaseMs?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly defaultMaxAttempts?: number;
}

interface JobRow {
  id: number;
  kind: string;
  payload: string;
  priority: number;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  dedupe_key: string | null;
  created_at: number;
  updated_at: number;
}

const columns = 'id, kind, payload, priority, status, attempts, max_attempts, run_at, lease_owner, lease_until, last_error, dedupe_key, created_at, updated_at';

/** An owner id that says which process holds a lease, so a restarted process can tell it died. */
export function processOwner(nonce: string): string {
  return `${hostname()}:${process.pid}:${nonce}`;
}

/**
 * A durable job queue in the engine's SQLite database: priorities, retries with exponential back-off
 * and jitter, a dead-letter state that keeps the reason, and recovery of jobs whose worker died
 * (its lease ran out, or its process on this machine is gone).
 */
export class JobQueue {
  private readonly leaseMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly defaultMaxAttempts: number;
  private readonly statements: Record<string, Statement>;

  constructor(
    private readonly db: Database,
    private readonly env: Environment,
    options: JobQueueOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 2_000;
    this.maxDelayMs = options.maxDelayMs ?? 10 * 60_000;
    this.defaultMaxAttempts = options.defaultMaxAttempts ?? 5;
    this.statements = {
      insert: db.prepare(
        `INSERT INTO jobs (kind, payload, priority, status, attempts, max_attempts, run_at, dedupe_key, created_at, updated_at)
         VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
      ),
      byId: db.prepare(`SELECT ${columns} FROM jobs WHERE id = ?`),
      byKey: db.prepare(`SELECT ${columns} FROM jobs WHERE dedupe_key = ?`),
      next: db.prepare(
        `SELECT ${columns} FROM jobs WHERE status = 'queued' AND run_at <= ? ORDER BY priority DESC, run_at, id LIMIT 1`,
      ),
      nextOfKinds: db.prepare(
        `SELECT ${columns} FROM jobs WHERE status = 'queued' AND run_at <= ? AND kind IN (SELECT value FROM json_each(?))
         ORDER BY priority DESC, run_at, id LIMIT 1`,
      ),
      claim: db.prepare(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?, updated_at = ? WHERE id = ? AND status = 'queued'`,
      ),
      complete: db.prepare(`UPDATE jobs SET status = 'done', lease_owner = NULL, lease_until = NULL, last_error = NULL, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`),
      requeue: db.prepare(`UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_until = NULL, last_error = ?, run_at = ?, updated_at = ? WHERE id = ?`),
      bury: db.prepare(`UPDATE jobs SET status = 'dead', lease_owner = NULL, lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ?`),
      heartbeat: db.prepare(`UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`),
      running: db.prepare(`SELECT ${columns} FROM jobs WHERE status = 'running'`),
      revive: db.prepare(`UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE id = ? AND status = 'dead'`),
      counts: db.prepare(`SELECT status, count(*) AS n FROM jobs GROUP BY status`),
      countsOfKind: db.prepare(`SELECT status, count(*) AS n FROM jobs WHERE kind = ? GROUP BY status`),
    };
  }

  enqueue(spec: JobSpec): Job {
    if (!spec.kind) throw new ValidationError('a job needs a kind');
    const now = this.env.now();
    return this.write(() => {
      const info = this.statements.insert!.run(
        spec.kind,
        JSON.stringify(spec.payload),
        spec.priority ?? jobPriority.normal,
        spec.maxAttempts ?? this.defaultMaxAttempts,
        spec.runAt ?? now,
        spec.dedupeKey ?? null,
        now,
        now,
      );
      const row = info.changes === 1 ? this.statements.byId!.get(info.lastInsertRowid) : this.statements.byKey!.get(spec.dedupeKey);
      return toJob(row as JobRow);
    });
  }

  /** Takes the most urgent ready job (optionally of some kinds) for `owner`, or undefined. */
  claim(owner: string, kinds?: readonly string[]): Job | undefined {
    const now = this.env.now();
    return this.write(() => {
      const row = (kinds ? this.statements.nextOfKinds!.get(now, JSON.stringify(kinds)) : this.statements.next!.get(now)) as JobRow | undefined;
      if (!row) return undefined;
      this.statements.claim!.run(owner, now + this.leaseMs, now, row.id);
      return toJob(this.statements.byId!.get(row.id) as JobRow);
    });
  }

  complete(jobId: number, owner: string): void {
    this.write(() => {
      if (this.statements.complete!.run(this.env.now(), jobId, owner).changes === 0) this.lostLease(jobId, owner);
    });
  }

  /**
   * Records a failed attempt: retried after an exponential, jittered delay while attempts remain and
   * the failure is retryable; otherwise the job goes to the dead-letter state with the reason.
   */
  fail(jobId: number, owner: string, reason: string, options: { retryable?: boolean } = {}): Job {
    const now = this.env.now();
    return this.write(() => {
      const job = this.get(jobId);
      if (job.status !== 'running' || job.leaseOwner !== owner) this.lostLease(jobId, owner);
      if (options.retryable === false || job.attempts >= job.maxAttempts) {
        const why = options.retryable === false ? reason : `${reason} (gave up after ${job.attempts} attempts)`;
        this.statements.bury!.run(why, now, jobId);
      } else {
        this.statements.requeue!.run(reason, now + this.backoff(job.attempts), now, jobId);
      }
      return this.get(jobId);
    });
  }

  /** Extends the lease of a long job. False when the lease was lost (the job was recovered). */
  heartbeat(jobId: number, owner: string): boolean {
    const now = this.env.now();
    return this.write(() => this.statements.heartbeat!.run(now + this.leaseMs, now, jobId, owner).changes === 1);
  }

  /**
   * Puts back jobs whose worker is gone: the lease ran out, or the owning process on this machine no
   * longer exists. Each counts as a failed attempt. Returns how many were recovered.
   */
  recover(isAlive: (owner: string) => boolean = ownerProcessAlive): number {
    const now = this.env.now();
    return this.write(() => {
      let recovered = 0;
      for (const row of this.statements.running!.all() as JobRow[]) {
        const expired = (row.lease_until ?? 0) <= now;
        if (!expired && row.lease_owner && isAlive(row.lease_owner)) continue;
        const reason = expired ? 'the worker stopped responding' : 'the worker process ended while running the job';
        if (row.attempts >= row.max_attempts) this.statements.bury!.run(`${reason} (gave up after ${row.attempts} attempts)`, now, row.id);
        else this.statements.requeue!.run(reason, now, now, row.id);
        recovered++;
      }
      return recovered;
    });
  }

  /** Sends a dead job back to the queue with fresh attempts. */
  retry(jobId: number): Job {
    return this.write(() => {
      const job = this.get(jobId);
      if (job.status !== 'dead') throw new ValidationError(`job ${jobId} is ${job.status}, not failed; only failed jobs can be retried`, { jobId, status: job.status });
      const now = this.env.now();
      this.statements.revive!.run(now, now, jobId);
      return this.get(jobId);
    });
  }

  retryAllDead(): number {
    const now = this.env.now();
    return this.write(() => this.db.prepare(`UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE status = 'dead'`).run(now, now).changes);
  }

  get(jobId: number): Job {
    const row = this.statements.byId!.get(jobId) as JobRow | undefined;
    if (!row) throw new NotFoundError(`no job with id ${jobId}`, { jobId });
    return toJob(row);
  }

  list(options: { status?: JobStatus; kind?: string; limit?: number } = {}): Job[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.status) {
      where.push('status = ?');
      params.push(options.status);
    }
    if (options.kind) {
      where.push('kind = ?');
      params.push(options.kind);
    }
    const sql = `SELECT ${columns} FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, options.limit ?? 1_000) as JobRow[]).map(toJob);
  }

  /** How many jobs are in each state (of one kind, when given). */
  counts(kind?: string): Record<JobStatus, number> {
    const counts: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, dead: 0 };
    const rows = kind === undefined ? this.statements.counts!.all() : this.statements.countsOfKind!.all(kind);
    for (const row of rows as { status: JobStatus; n: number }[]) counts[row.status] = row.n;
    return counts;
  }

  /** Delay before retry number `attempts` + 1: exponential, capped, with "equal jitter". */
  backoff(attempts: number): number {
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(delay / 2 + this.env.random() * (delay / 2));
  }

  private lostLease(jobId: number, owner: string): never {
    throw new ValidationError(`job ${jobId} is not held by ${owner} (its lease ended and it was recovered)`, { jobId });
  }

  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      throw sqliteError(error, 'job queue');
    }
  }
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as JsonValue,
    priority: row.priority,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    lastError: row.last_error,
    dedupeKey: row.dedupe_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** True unless `owner` names a process on this machine that no longer exists. */
export function ownerProcessAlive(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
