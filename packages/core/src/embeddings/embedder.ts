import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CairnError } from '../errors/cairnError.js';
import type { EmbedRequest, EmbedWorkerData, StopRequest, WorkerMessage } from './embedProtocol.js';
import { modelLocation, type ModelInfo } from './modelFolder.js';

export const embedPriority = { passage: 1, query: 2 } as const;

interface Pending {
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: Error) => void;
}

/**
 * The engine's side of the embedding worker. Texts go to the worker thread, vectors come back
 * (transferred, not copied). The worker does not keep the process alive while nothing is pending, so a
 * command-line run ends when its work is done.
 */
export class Embedder {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    readonly info: ModelInfo,
  ) {
    worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new Error(`the embedding worker stopped (exit code ${code})`));
    });
  }

  /** Starts a worker and loads the model; rejects with the reason when the model cannot be loaded. */
  static start(info: ModelInfo, options: { threads?: number } = {}): Promise<Embedder> {
    const data: EmbedWorkerData = { ...modelLocation(info), dtype: info.dtype, ...(options.threads !== undefined && { threads: options.threads }) };
    const worker = new Worker(workerFile(), { workerData: data });
    return new Promise((resolve, reject) => {
      const onReady = (message: WorkerMessage) => {
        if (message.type === 'ready') {
          worker.off('message', onReady);
          worker.off('error', onError);
          if (message.dims !== info.dims) {
            void worker.terminate();
            reject(new CairnError('unsupported', `model ${info.name} produced ${message.dims}-dimensional vectors, but its config.json says ${info.dims}`));
            return;
          }
          const embedder = new Embedder(worker, info);
          worker.unref();
          resolve(embedder);
        } else if (message.type === 'failed') {
          // The worker ends by itself after saying so (see embedWorker.ts).
          worker.off('message', onReady);
          reject(new CairnError('unsupported', `cannot load the embedding model in ${info.dir}: ${message.message}`));
        }
      };
      const onError = (error: Error) => reject(new CairnError('unsupported', `cannot start the embedding worker: ${error.message}`));
      worker.on('message', onReady);
      worker.on('error', onError);
    });
  }

  /** Vectors for search queries (with the model's query prefix), ahead of any back-fill. */
  embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts.map((t) => this.info.queryPrefix + t), embedPriority.query);
  }

  /** Vectors for passages (with the model's passage prefix). */
  embedPassages(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts.map((t) => this.info.passagePrefix + t), embedPriority.passage);
  }

  embed(texts: readonly string[], priority: number): Promise<Float32Array[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (texts.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, priority, texts: [...texts] } satisfies EmbedRequest);
    });
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Rejects what is pending, then asks the worker to release the model and end; terminates it only if it
   * has not ended within two seconds (terminating a thread inside the ONNX runtime can crash the process).
   */
  async close(): Promise<void> {
    this.fail(new CairnError('unsupported', 'the embedding model was closed'));
    if (this.exited) return;
    const ended = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'stop' } satisfies StopRequest);
    const timer = setTimeout(() => void this.worker.terminate(), 2_000);
    timer.unref();
    await ended;
    clearTimeout(timer);
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type !== 'vectors' && message.type !== 'error') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    if (message.type === 'error') {
      pending.reject(new CairnError('internal', `embedding failed: ${message.message}`));
      return;
    }
    const vectors: Float32Array[] = [];
    for (let offset = 0; offset < message.vectors.length; offset += message.dims) vectors.push(message.vectors.subarray(offset, offset + message.dims));
    pending.resolve(vectors);
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/**
 * The compiled worker script. Under the test runner this module is loaded from `src/` (TypeScript),
 * where no `.js` exists; the worker then runs from `dist/`, which `npm test` builds first.
 */
function workerFile(): URL {
  const beside = new URL('./embedWorker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL(beside.href.replace('/src/embeddings/', '/dist/embeddings/'));
  if (existsSync(fileURLToPath(built))) return built;
  throw new CairnError('internal', `the embedding worker script is missing (${fileURLToPath(beside)}); run npm run build`);
}
