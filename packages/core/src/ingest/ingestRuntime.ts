import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import type { DocumentProcessedData } from '../domain/document/events.js';
import type { Engine } from '../engine/engine.js';
import { ownerProcessAlive, processOwner, type Job } from '../jobs/jobQueue.js';
import { processDocumentJob } from './documentQueries.js';
import type { ExtractOutcome, ExtractTask } from './extract/extractDocument.js';
import { describeError } from './extract/extractionError.js';
import { defaultOcrLanguages, OcrPool, parseOcrLanguages, type OcrLanguage } from './ocrPool.js';
import { WorkerCrashedError, WorkerPool, WorkerTimeoutError } from './workerPool.js';
import { inBackgroundTurn } from '../engine/backgroundTurns.js';

/** Imports of at most this many documents get an `agents` notice per document when it is processed. */
const maxFindingsImport = 5;

export interface IngestRuntimeOptions {
  /** Threads extracting text (default: the machine's cores, at most 4). */
  readonly extractionThreads?: number;
  /** tesseract.js workers (default: the machine's cores, at most 4). */
  readonly ocrWorkers?: number;
  /** Jobs claimed per transaction (default 16; more while time is left, up to the capacity). */
  readonly claimBatch?: number;
  /** Small files sent to a worker thread together (default 32). */
  readonly extractBatch?: number;
  readonly extractTimeoutMs?: number;
  readonly ocrPageTimeoutMs?: number;
  /** How often to look for jobs queued by other processes or coming out of back-off (default 1 s). */
  readonly pollIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
}

/** The payload of a `document.process` job. */
export interface ProcessJobPayload {
  readonly entryId: string;
  readonly ocrLanguages?: string[];
}

type Completion =
  | { readonly kind: 'status'; readonly entryId: string; readonly status: 'ocr' }
  | { readonly kind: 'done'; readonly job: Job; readonly entryId: string; readonly result: DocumentProcessedData }
  | { readonly kind: 'failed'; readonly job: Job; readonly entryId: string; readonly code: string; readonly reason: string; readonly retryable: boolean };

const SMALL_FILE = 256 * 1024;
/** How long claiming jobs or recording outcomes holds the host's thread before the event loop gets a turn. */
const SLICE_MS = 5;

/**
 * The long-running side of ingestion that a host (the CLI's `import`, the web server, the desktop
 * engine process) starts and stops: it claims `document.process` jobs from the engine's queue (most
 * urgent first), extracts text in worker threads, OCRs page images in a tesseract.js pool, and records
 * each outcome as an event in the same transaction that completes the job. Failures that may pass are
 * retried with back-off; the rest, and retries that ran out, end as DocumentProcessingFailed with the
 * reason, the job dead-lettered. Jobs left running by a process that died are recovered on start.
 */
export class IngestRuntime {
  readonly owner: string;
  private readonly extraction: WorkerPool<ExtractTask[], ExtractOutcome[]>;
  private ocrPool: OcrPool | undefined;
  private readonly tempRoot: string;
  private readonly tempDir: string;
  private readonly inFlight = new Map<number, Job>();
  private completions: Completion[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pumping = false;
  private readonly waiters = new Set<() => void>();
  private finishedSinceIdle = 0;
  private wakeScheduled = false;
  private readonly capacity: number;
  private readonly unsubscribe: () => void;

  static start(engine: Engine, options: IngestRuntimeOptions = {}): IngestRuntime {
    return new IngestRuntime(engine, options);
  }

  private constructor(
    private readonly engine: Engine,
    private readonly options: IngestRuntimeOptions,
  ) {
    const nonce = randomBytes(4).toString('hex');
    this.owner = processOwner(`ingest-${nonce}`);
    const cores = Math.max(1, availableParallelism());
    const threads = options.extractionThreads ?? Math.min(4, cores);
    this.extraction = new WorkerPool({ script: new URL('./extractWorker.js', import.meta.url), size: threads, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    this.capacity = Math.max(threads * (options.extractBatch ?? 32) * 2, 16);
    this.tempRoot = join(engine.dataDir, 'tmp', 'ingest');
    this.tempDir = join(this.tempRoot, `${process.pid}-${nonce}`);
    this.removeStaleTempFolders();
    engine.jobs.recover();
    this.heartbeatTimer = setInterval(() => this.guard(() => this.heartbeat()), 60_000);
    this.heartbeatTimer.unref();
    // New documents (imported here or by another process) and retries start at once, not at the next poll.
    this.unsubscribe = engine.subscribe((notice) => {
      if (notice.type === 'changed' && (notice.eventTypes.includes('DocumentImported') || notice.eventTypes.includes('DocumentStatusChanged'))) this.schedule(0);
    });
    this.schedule(0);
  }

  /** Resolves when every given document has finished processing (done, failed or unsupported). */
  waitFor(entryIds: readonly string[]): Promise<void> {
    let pending: readonly string[] = entryIds;
    return this.until(() => {
      if (pending.length > 0) pending = this.engine.documents.unfinishedAmong(pending);
      return pending.length === 0;
    });
  }

  /** Resolves when no processing job is queued (back-off included) or running, here or in another process. */
  whenIdle(): Promise<void> {
    return this.until(() => this.inFlight.size === 0 && this.pendingJobs() === 0);
  }

  /**
   * Stops taking jobs and waits for the ones in hand, then ends the worker threads. Jobs still queued
   * stay queued for the next start.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    clearTimeout(this.timer);
    clearInterval(this.heartbeatTimer);
    await this.until(() => this.inFlight.size === 0, true);
    this.flush();
    await this.extraction.close();
    await this.ocrPool?.close();
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private until(done: () => boolean, evenWhenStopped = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        try {
          if (done()) {
            this.waiters.delete(check);
            resolve();
          } else if (this.stopped && !evenWhenStopped) {
            this.waiters.delete(check);
            reject(new Error('the ingestion runtime stopped'));
          }
        } catch (error) {
          this.waiters.delete(check);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      this.waiters.add(check);
      this.timer?.ref(); // someone is waiting: the next look at the queue must keep the process alive
      check();
    });
  }

  /** Re-checks what waiters wait for; at most every 50 ms (a check may query many documents). */
  private wakeWaiters(): void {
    if (this.waiters.size === 0 || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setTimeout(() => {
      this.wakeScheduled = false;
      for (const check of [...this.waiters]) check();
    }, 50);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => inBackgroundTurn(() => this.pump()), delayMs);
    // Keep the process alive only while there is work this runtime could do or someone waits for it.
    if (this.inFlight.size === 0 && this.waiters.size === 0) this.timer.unref();
  }

  /** Claims jobs while there is room, in one transaction per batch, and starts them. */
  private pump(): void {
    if (this.stopped || this.pumping) return;
    this.pumping = true;
    // Claiming writes an event per job: for a slice at most, then again in the next turn if there is room and work.
    const deadline = performance.now() + SLICE_MS;
    let more = false;
    try {
      while (this.inFlight.size < this.capacity) {
        if (performance.now() >= deadline) {
          more = true;
          break;
        }
        const claimed = this.claim(Math.min(this.options.claimBatch ?? 16, this.capacity - this.inFlight.size), deadline);
        if (claimed.length === 0) break;
        this.start(claimed);
      }
    } catch (error) {
      this.report(error);
    } finally {
      this.pumping = false;
    }
    this.wakeWaiters();
    this.schedule(more ? 0 : (this.options.pollIntervalMs ?? 1_000));
  }

  /** Claims up to `limit` jobs in one transaction, fewer when `deadline` passes (one at least). */
  private claim(limit: number, deadline = Infinity): { job: Job; task: ExtractTask; size: number; languages: OcrLanguage[] }[] {
    const claimed: { job: Job; task: ExtractTask; size: number; languages: OcrLanguage[] }[] = [];
    this.engine.transact((execute) => {
      for (let i = 0; i < limit && (i === 0 || performance.now() < deadline); i++) {
        const job = this.engine.jobs.claim(this.owner, [processDocumentJob]);
        if (!job) break;
        const payload = job.payload as unknown as ProcessJobPayload;
        const document = this.engine.documents.find(payload.entryId);
        if (!document) {
          this.engine.jobs.complete(job.id, this.owner); // nothing to process: the entry is not a document here
          continue;
        }
        execute({ type: 'ChangeDocumentStatus', entryId: document.id, status: 'extracting', note: job.attempts > 1 ? `attempt ${job.attempts} of ${job.maxAttempts}` : null });
        let languages: OcrLanguage[] = [...defaultOcrLanguages];
        try {
          if (payload.ocrLanguages?.length) languages = parseOcrLanguages(payload.ocrLanguages);
        } catch {
          // languages this build does not have: fall back to the default set
        }
        claimed.push({
          job,
          size: document.file.size,
          languages,
          task: {
            entryId: document.id,
            blobPath: this.engine.blobs.pathOf(document.file.sha256),
            name: document.file.name,
            dataDir: this.engine.dataDir,
            tempDir: join(this.tempDir, document.id),
          },
        });
      }
    });
    for (const { job } of claimed) this.inFlight.set(job.id, job);
    return claimed;
  }

  /** Sends claimed jobs to the extraction threads: small files in batches, others one by one. */
  private start(claimed: { job: Job; task: ExtractTask; size: number; languages: OcrLanguage[] }[]): void {
    const batchSize = this.options.extractBatch ?? 32;
    const small = claimed.filter((c) => c.size <= SMALL_FILE);
    const large = claimed.filter((c) => c.size > SMALL_FILE);
    for (let i = 0; i < small.length; i += batchSize) void this.extract(small.slice(i, i + batchSize));
    for (const one of large) void this.extract([one]);
  }

  private async extract(batch: { job: Job; task: ExtractTask; size: number; languages: OcrLanguage[] }[]): Promise<void> {
    const timeoutMs = (this.options.extractTimeoutMs ?? 120_000) + batch.reduce((sum, b) => sum + b.size / 2 ** 20, 0) * 2_000;
    let outcomes: ExtractOutcome[];
    try {
      outcomes = await this.extraction.run(batch.map((b) => b.task), timeoutMs);
    } catch (error) {
      if (batch.length > 1 && !this.stopped) {
        // One file of the batch may be the culprit: give each its own try, so the others are unaffected.
        await Promise.all(batch.map((one) => this.extract([one])));
        return;
      }
      outcomes = batch.map(() => failureOf(error));
    }
    await Promise.all(batch.map((item, i) => this.finish(item, outcomes[i] ?? failureOf(new Error('no outcome')))));
  }

  private async finish(item: { job: Job; task: ExtractTask; languages: OcrLanguage[] }, outcome: ExtractOutcome): Promise<void> {
    const { job, task } = item;
    const mayHaveImages = outcome.kind !== 'done';
    try {
      if (outcome.kind === 'ocr') outcome = await this.ocr(item, outcome);
      if (outcome.kind === 'done') {
        if (outcome.prepared) this.engine.preparedTexts.put(outcome.result.textSha256, outcome.prepared);
        this.complete({ kind: 'done', job, entryId: task.entryId, result: outcome.result });
      }
      else if (outcome.kind === 'failed') this.complete({ kind: 'failed', job, entryId: task.entryId, code: outcome.code, reason: outcome.reason, retryable: outcome.retryable });
    } catch (error) {
      this.complete({ kind: 'failed', job, entryId: task.entryId, code: 'internal', reason: `processing failed: ${describeError(error)}`, retryable: true });
    } finally {
      // Only OCR and failed extractions can have left page images behind.
      if (mayHaveImages) rmSync(task.tempDir, { recursive: true, force: true });
    }
  }

  /** OCRs the page images of a document in the pool (pages in parallel) and stores the whole text. */
  private async ocr(item: { task: ExtractTask; languages: OcrLanguage[] }, outcome: Extract<ExtractOutcome, { kind: 'ocr' }>): Promise<ExtractOutcome> {
    const { task, languages } = item;
    this.complete({ kind: 'status', entryId: task.entryId, status: 'ocr' });
    const pool = this.ocrPoolInstance();
    const images = outcome.parts.filter((p): p is { image: string; page: number | null } => 'image' in p);
    let pagesDone = 0;
    const progress = () => this.engine.reportProgress({ type: 'progress', task: 'document', entryId: task.entryId, name: task.name, status: 'ocr', done: pagesDone, total: images.length });
    progress();
    const warnings = [...outcome.warnings];
    const texts = await Promise.all(
      outcome.parts.map(async (part) => {
        if ('text' in part) return part.text;
        try {
          const { text } = await pool.recognize(await readFile(part.image), languages);
          return text;
        } catch (error) {
          warnings.push(`${part.page === null ? 'the image' : `page ${part.page}`} could not be OCR'd: ${describeError(error)}`);
          return '';
        } finally {
          pagesDone++;
          progress();
        }
      }),
    );
    if (warnings.length > outcome.warnings.length && warnings.length - outcome.warnings.length === images.length && !texts.some((t, i) => 'text' in outcome.parts[i]! && t.trim())) {
      return { kind: 'failed', code: 'corrupt', reason: warnings[warnings.length - 1]!, retryable: true };
    }
    // Text finishing (language detection) is loaded only when this process OCRs; extraction runs in threads.
    const { storeText } = await import('./extract/extractDocument.js');
    const { data } = storeText(this.engine.blobs, texts.join(''), { mimeType: outcome.mimeType, pageCount: outcome.pageCount, warnings }, true);
    return { kind: 'done', result: data };
  }

  private ocrPoolInstance(): OcrPool {
    this.ocrPool ??= new OcrPool({
      size: this.options.ocrWorkers ?? Math.min(4, Math.max(1, availableParallelism())),
      dataFolder: join(this.engine.dataDir, 'models', 'ocr'),
      pageTimeoutMs: this.options.ocrPageTimeoutMs ?? 180_000,
    });
    return this.ocrPool;
  }

  private complete(completion: Completion): void {
    this.completions.push(completion);
    if (this.completions.length >= 256) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => inBackgroundTurn(() => this.flush()), 5);
    }
  }

  /**
   * Records outcomes and settles their jobs in one transaction, for a slice at most: what is left is recorded in the
   * next turn of the event loop (each outcome is recorded with its job's settlement, so any split is as good).
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.completions;
    this.completions = [];
    if (batch.length === 0) return;
    const deadline = performance.now() + SLICE_MS;
    let taken = 0;
    let finished = 0;
    const processed: string[] = [];
    try {
      this.engine.transact((execute) => {
        for (; taken < batch.length && (taken === 0 || performance.now() < deadline); taken++) {
          const c = batch[taken]!;
          if (c.kind === 'status') {
            execute({ type: 'ChangeDocumentStatus', entryId: c.entryId, status: c.status });
            continue;
          }
          if (!this.settleJob(c)) continue;
          finished++;
          if (c.kind === 'done') {
            execute({ type: 'CompleteDocumentProcessing', entryId: c.entryId, result: c.result });
            processed.push(c.entryId);
          }
          else if (this.engine.jobs.get(c.job.id).status === 'queued') {
            execute({ type: 'ChangeDocumentStatus', entryId: c.entryId, status: 'queued', note: `attempt ${c.job.attempts} failed (${c.reason}); trying again` });
          } else {
            execute({ type: 'FailDocumentProcessing', entryId: c.entryId, failure: { reason: this.engine.jobs.get(c.job.id).lastError ?? c.reason, code: c.code, retryable: c.retryable } });
          }
        }
      });
    } catch (error) {
      this.report(error);
      processed.length = 0;
      finished = 0;
      // Nothing of the slice was recorded; its jobs stay claimed and are recovered when their lease ends.
    }
    for (const c of batch.slice(0, taken)) if (c.kind !== 'status') this.inFlight.delete(c.job.id);
    if (taken < batch.length) {
      this.completions = [...batch.slice(taken), ...this.completions];
      this.flushScheduled = true;
      inBackgroundTurn(() => this.flush());
    }
    this.finishedSinceIdle += finished;
    // What the agents found, for a small import (a person waiting on a document or a few); a bulk import is not
    // held up by tens of milliseconds of agent work per document.
    if (processed.length > 0 && this.finishedSinceIdle + this.pendingJobs() <= maxFindingsImport) this.guard(() => this.engine.reportFindings(processed));
    this.reportOverall();
    this.wakeWaiters();
    if (!this.stopped) this.schedule(0);
  }

  /** Completes or fails the job; false when its lease was lost (another worker recovered it). */
  private settleJob(c: Exclude<Completion, { kind: 'status' }>): boolean {
    try {
      if (c.kind === 'done') this.engine.jobs.complete(c.job.id, this.owner);
      else this.engine.jobs.fail(c.job.id, this.owner, c.reason, { retryable: c.retryable });
      return true;
    } catch (error) {
      this.report(error);
      return false;
    }
  }

  private reportOverall(): void {
    const pending = this.pendingJobs();
    this.engine.reportProgress({ type: 'progress', task: 'process', done: this.finishedSinceIdle, total: this.finishedSinceIdle + pending });
    if (pending === 0) this.finishedSinceIdle = 0;
  }

  private pendingJobs(): number {
    const counts = this.engine.jobs.counts(processDocumentJob);
    return counts.queued + counts.running;
  }

  private heartbeat(): void {
    if (this.inFlight.size === 0) return;
    this.engine.transact(() => {
      for (const id of this.inFlight.keys()) this.engine.jobs.heartbeat(id, this.owner);
    });
  }

  /** Page images left behind by runtimes whose process is gone. */
  private removeStaleTempFolders(): void {
    let folders: string[];
    try {
      folders = readdirSync(this.tempRoot);
    } catch {
      return;
    }
    for (const folder of folders) {
      const pid = /^(\d+)-/.exec(folder)?.[1];
      if (pid && !ownerProcessAlive(processOwnerOf(Number(pid)))) rmSync(join(this.tempRoot, folder), { recursive: true, force: true });
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    (this.options.onError ?? (() => undefined))(error);
  }
}

/** An owner string for a process on this machine, for ownerProcessAlive. */
function processOwnerOf(pid: number): string {
  return `${hostname()}:${pid}:`;
}

function failureOf(error: unknown): ExtractOutcome {
  if (error instanceof WorkerTimeoutError) return { kind: 'failed', code: 'timeout', reason: `extracting the text ${error.message}`, retryable: true };
  if (error instanceof WorkerCrashedError) return { kind: 'failed', code: 'internal', reason: error.message, retryable: true };
  return { kind: 'failed', code: 'internal', reason: `processing failed: ${describeError(error)}`, retryable: true };
}
