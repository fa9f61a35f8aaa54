/**
 * The embedding worker thread: loads a transformers.js feature-extraction pipeline from a local model
 * folder (never from the network) and embeds batches of texts (mean pooling, L2-normalized). Requests
 * are served by priority — a person's query before background back-fill — one at a time, since the
 * ONNX runtime already uses every core for one batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EmbedRequest, EmbedWorkerData, StopRequest, WorkerMessage } from './embedProtocol.js';

const port = parentPort!;
const config = workerData as EmbedWorkerData;
const queue: EmbedRequest[] = [];
let busy = false;

type Extractor = (texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>;

let pipe: { dispose?: () => Promise<unknown> } | undefined;
let stopping = false;

const extractor = await load().catch((error: unknown) => {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
  return undefined;
});
// Nothing to serve without a model: end by closing the port, not by being terminated.
if (!extractor) port.close();

async function load(): Promise<Extractor> {
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = config.parentDir;
  env.useFSCache = false;
  const options = {
    dtype: config.dtype,
    device: 'cpu' as const,
    ...(config.threads !== undefined && { session_options: { intraOpNumThreads: config.threads, interOpNumThreads: 1 } }),
  };
  const loaded = await pipeline('feature-extraction', config.name, options);
  pipe = loaded;
  const extract = loaded as unknown as Extractor;
  // One tiny run, so that the first real request does not pay for lazy initialization.
  const probe = await extract(['warm up'], { pooling: 'mean', normalize: true });
  port.postMessage({ type: 'ready', dims: probe.dims[probe.dims.length - 1]! } satisfies WorkerMessage);
  return extract;
}

port.on('message', (request: EmbedRequest | StopRequest) => {
  if ('type' in request) {
    stopping = true;
    void stop();
    return;
  }
  queue.push(request);
  queue.sort((a, b) => b.priority - a.priority || a.id - b.id);
  void drain();
});

/** Once no batch is running: releases the ONNX sessions, then closes the port so the thread ends. */
async function stop(): Promise<void> {
  if (busy) return; // drain() stops after the batch in hand
  queue.length = 0;
  await pipe?.dispose?.().catch(() => undefined);
  port.close();
}

async function drain(): Promise<void> {
  if (busy || !extractor || stopping) return;
  busy = true;
  try {
    for (let request = queue.shift(); request && !stopping; request = queue.shift()) {
      try {
        const output = await extractor(request.texts, { pooling: 'mean', normalize: true });
        const vectors = new Float32Array(output.data);
        port.postMessage({ type: 'vectors', id: request.id, vectors, dims: output.dims[output.dims.length - 1]! } satisfies WorkerMessage, [vectors.buffer]);
      } catch (error) {
        port.postMessage({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
      }
    }
  } finally {
    busy = false;
    if (stopping) void stop();
  }
}
