/** Messages between the engine and the embedding worker (embedWorker.ts). */
export interface EmbedWorkerData {
  /** The folder holding the model folder, and the model folder's name (transformers.js looks up `parentDir/name`). */
  readonly parentDir: string;
  readonly name: string;
  readonly dtype: 'q8' | 'fp32';
  readonly threads?: number;
}

export interface EmbedRequest {
  readonly id: number;
  /** Higher first: queries (a person is waiting) before back-fill. */
  readonly priority: number;
  readonly texts: string[];
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly dims: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'vectors'; readonly id: number; readonly vectors: Float32Array; readonly dims: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** Asks the worker to release the model and end by itself (terminating a thread inside the ONNX runtime can crash the process). */
export interface StopRequest {
  readonly type: 'stop';
}
