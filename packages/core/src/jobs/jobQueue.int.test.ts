import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CairnError } from '../errors/cairnError.js';
import type { Environment } from '../ids/ids.js';
import { openDatabase, type Database } from '../store/database.js';
import { makeTempDir } from '../testing/tempDir.js';
import { JobQueue, jobPriority, processOwner } from './jobQueue.js';

let dir: { path: string; remove: () => void };
let db: Database;
let now: number;
let randomValue: number;
const env: Environment = { now: () => now, newId: () => 'id', random: () => randomValue };
let queue: JobQueue;

beforeEach(() => {
  dir = makeTempDir();
  db = openDatabase(join(dir.path, 'data'));
  now = 1_000_000;
  randomValue = 0.5;
  queue = new JobQueue(db, env, { baseDelayMs: 1_000, maxDelayMs: 60_000, leaseMs: 30_000, defaultMaxAttempts: 3 });
});
afterEach(() => {
  db.close();
  dir.remove();
});

describe('job queue', () => {
  it('runs what a person is waiting for first, then in arrival order', () => {
    queue.enqueue({ kind: 'embed', payload: 1, priority: jobPriority.background });
    queue.enqueue({ kind: 'extract', payload: 2 });
    queue.enqueue({ kind: 'extract', payload: 3 });
    queue.enqueue({ kind: 'ocr', payload: 4, priority: jobPriority.interactive });
    const order = [];
    for (let job = queue.claim('w'); job; job = queue.claim('w')) {
      order.push(job.payload);
      queue.complete(job.id, 'w');
    }
    expect(order).toEqual([4, 2, 3, 1]);
    expect(queue.counts()).toEqual({ queued: 0, running: 0, done: 4, dead: 0 });
  });

  it('claims only ready jobs, optionally of some kinds', () => {
    queue.enqueue({ kind: 'later', payload: null, runAt: now + 5_000 });
    queue.enqueue({ kind: 'a', payload: null });
    expect(queue.claim('w', ['b'])).toBeUndefined();
    expect(queue.claim('w', ['a'])?.kind).toBe('a');
    expect(queue.claim('w')).toBeUndefined();
    now += 5_000;
    expect(queue.claim('w')?.kind).toBe('later');
  });

  it('retries with exponential back-off and jitter, then keeps the reason in the dead-letter state', () => {
    const { id } = queue.enqueue({ kind: 'extract', payload: 'file' });
    const delays: number[] = [];
    for (const random of [0, 1]) {
      randomValue = random;
      queue.claim('w');
      const failed = queue.fail(id, 'w', 'parser crashed');
      expect(failed.status).toBe('queued');
      expect(failed.lastError).toBe('parser crashed');
      delays.push(failed.runAt - now);
      now = failed.runAt;
    }
    // attempt 1: 1 s base, jitter gives 0.5–1 s; attempt 2: 2 s base, 1–2 s.
    expect(delays).toEqual([500, 2_000]);
    queue.claim('w');
    const dead = queue.fail(id, 'w', 'parser crashed');
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, lastError: 'parser crashed (gave up after 3 attempts)' });
    expect(queue.claim('w')).toBeUndefined();
    expect(queue.list({ status: 'dead' }).map((j) => j.id)).toEqual([id]);
  });

  it('sends a permanent failure straight to the dead letters, and retry brings it back', () => {
    const { id } = queue.enqueue({ kind: 'extract', payload: 'x' });
    queue.claim('w');
    expect(queue.fail(id, 'w', 'password-protected PDF', { retryable: false })).toMatchObject({ status: 'dead', lastError: 'password-protected PDF', attempts: 1 });
    expect(queue.retry(id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(queue.claim('w')?.id).toBe(id);
    expect(() => queue.retry(id)).toThrow(/only failed jobs can be retried/);
  });

  it('retries every dead job at once', () => {
    for (let i = 0; i < 3; i++) {
      const { id } = queue.enqueue({ kind: 'k', payload: i });
      queue.claim('w');
      queue.fail(id, 'w', 'no', { retryable: false });
    }
    expect(queue.retryAllDead()).toBe(3);
    expect(queue.counts().queued).toBe(3);
  });

  it('enqueues one job per dedupe key', () => {
    const first = queue.enqueue({ kind: 'extract', payload: 'a', dedupeKey: 'doc-1' });
    const second = queue.enqueue({ kind: 'extract', payload: 'b', dedupeKey: 'doc-1' });
    expect(second.id).toBe(first.id);
    expect(queue.counts().queued).toBe(1);
  });

  it('recovers a job whose lease ran out, and refuses the late worker', () => {
    const { id } = queue.enqueue({ kind: 'ocr', payload: null });
    queue.claim('slow-worker');
    expect(queue.heartbeat(id, 'slow-worker')).toBe(true);
    now += 30_001;
    expect(queue.recover(() => true)).toBe(1);
    expect(queue.get(id)).toMatchObject({ status: 'queued', lastError: 'the worker stopped responding' });
    expect(queue.heartbeat(id, 'slow-worker')).toBe(false);
    expect(() => queue.complete(id, 'slow-worker')).toThrow(CairnError);
  });

  it('recovers jobs held by a process that died, without waiting for the lease', () => {
    const { id } = queue.enqueue({ kind: 'ocr', payload: null });
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadOwner = `${processOwner('x').split(':')[0]}:${child.stdout}:x`;
    queue.claim(deadOwner);
    const running = queue.enqueue({ kind: 'ocr', payload: 'mine' });
    queue.claim(processOwner('me'));
    expect(queue.recover()).toBe(1);
    expect(queue.get(id)).toMatchObject({ status: 'queued', lastError: 'the worker process ended while running the job' });
    expect(queue.get(running.id).status).toBe('running');
  });

  it('two workers on two connections never get the same job', () => {
    const other = openDatabase(join(dir.path, 'data'));
    const queue2 = new JobQueue(other, env);
    for (let i = 0; i < 50; i++) queue.enqueue({ kind: 'k', payload: i });
    const seen = new Set<number>();
    for (;;) {
      const a = queue.claim('a');
      const b = queue2.claim('b');
      if (!a && !b) break;
      for (const job of [a, b]) {
        if (!job) continue;
        expect(seen.has(job.id)).toBe(false);
        seen.add(job.id);
      }
    }
    other.close();
    expect(seen.size).toBe(50);
  });
});
