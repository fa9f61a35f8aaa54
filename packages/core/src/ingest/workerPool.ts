import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

export interface WorkerPoolOptions {
  /** The compiled worker script. */
  readonly script: URL;
  readonly size: number;
  readonly resourceLimits?: ResourceLimits;
}

/** A worker thread died (crashed, ran out of memory) while running the task. */
export class WorkerCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashedError';
  }
}

export class WorkerTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`gave up after ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'WorkerTimeoutError';
  }
}

interface Pending {
  readonly message: unknown;
  readonly timeoutMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  current: (Pending & { id: number; timer: NodeJS.Timeout }) | undefined;
}

/**
 * A fixed number of worker threads running one script, each doing one task at a time. A task that
 * times out or whose worker dies (a crash, out of memory) is rejected and its worker replaced, so one
 * bad file never takes the pool down. Idle workers do not keep the process alive.
 */
export class WorkerPool<TTask, TResult> {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  run(task: TTask, timeoutMs: number): Promise<TResult> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ message: task, timeoutMs, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  get busy(): number {
    return this.slots.filter((slot) => slot.current).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the worker pool was closed'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.current);
      if (!slot && this.slots.length < this.options.size) slot = this.spawn();
      if (!slot) return;
      const pending = this.queue.shift()!;
      const id = this.nextId++;
      const timer = setTimeout(() => this.fail(slot, new WorkerTimeoutError(pending.timeoutMs)), pending.timeoutMs);
      slot.current = { ...pending, id, timer };
      slot.worker.ref();
      slot.worker.postMessage({ id, task: pending.message });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(workerScript(this.options.script), this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {});
    const slot: Slot = { worker, current: undefined };
    worker.unref();
    worker.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const current = slot.current;
      if (!current || current.id !== message.id) return;
      clearTimeout(current.timer);
      slot.current = undefined;
      worker.unref();
      if (message.ok) current.resolve(message.result);
      else current.reject(new Error(message.error ?? 'the worker failed'));
      this.dispatch();
    });
    worker.on('error', (error) => this.fail(slot, new WorkerCrashedError(`the worker thread crashed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (slot.current) this.fail(slot, new WorkerCrashedError(`the worker thread stopped (exit code ${code})`));
      else this.remove(slot);
    });
    this.slots.push(slot);
    return slot;
  }

  /** Rejects the slot's task, ends its worker and lets a new one take its place. */
  private fail(slot: Slot, error: Error): void {
    const current = slot.current;
    slot.current = undefined;
    this.remove(slot);
    void slot.worker.terminate().catch(() => undefined);
    if (current) {
      clearTimeout(current.timer);
      current.reject(error);
    }
    if (!this.closed) this.dispatch();
  }

  private remove(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
  }
}

/**
 * The compiled script for a worker. Under the test runner the code runs from `src/*.ts`, which a worker
 * thread cannot load; the same module compiled to `dist/` is used instead (`npm test` builds first).
 */
export function workerScript(url: URL): URL {
  if (existsSync(fileURLToPath(url))) return url;
  const compiled = new URL(url.href.replace('/src/', '/dist/'));
  if (existsSync(fileURLToPath(compiled))) return compiled;
  throw new Error(`worker script ${fileURLToPath(url)} is not built; run npm run build`);
}
