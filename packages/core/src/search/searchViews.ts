import type { EntryKind } from '../domain/entry/events.js';
import type { QueryCacheStats } from './queryCache.js';

export const searchModes = ['lexical', 'semantic', 'hybrid'] as const;
export type SearchMode = (typeof searchModes)[number];

export interface SearchParams {
  readonly query: string;
  /** Default: hybrid when an embedding model is available, else lexical. */
  readonly mode?: SearchMode;
  readonly limit?: number;
  /** Only entries with this tag (or all of these tags). Same as `tag:x` in the query. */
  readonly tag?: string | readonly string[];
  readonly kind?: EntryKind;
  /** A document type (`pdf`, `docx`, … or a MIME type). Same as `type:pdf` in the query. */
  readonly type?: string;
}

/** One entry found. JSON-serializable. */
export interface SearchResult {
  readonly entryId: string;
  readonly title: string;
  /**
   * The best chunk's text around the matches: HTML-escaped, with matched words wrapped in
   * `<mark>…</mark>` (the only markup), `…` where it was cut.
   */
  readonly snippet: string;
  /** Higher is better. Lexical: BM25; semantic: cosine similarity; hybrid: reciprocal-rank-fusion score. */
  readonly score: number;
  readonly kind: EntryKind;
  readonly tags: string[];
  /** Where the snippet's chunk lies: the entry body, or a document's extracted text, and its offsets. */
  readonly chunk: { readonly source: 'body' | 'text'; readonly start: number; readonly end: number };
}

export interface SearchResponse {
  readonly results: SearchResult[];
  /** The mode that ran (hybrid falls back to lexical without a model; the notices say why). */
  readonly mode: SearchMode;
  readonly tookMs: number;
  /** Things the person should know: an unknown filter searched as words, no model, a cut query. */
  readonly notices: string[];
  /** True when the results came from the query cache. */
  readonly cached: boolean;
}

export const modelStates = ['ready', 'missing', 'invalid', 'error'] as const;
export type ModelState = (typeof modelStates)[number];

export interface ModelStatus {
  /** ready: semantic search works; missing: no model; invalid/error: the folder or the load failed (see reason). */
  readonly state: ModelState;
  readonly name: string | null;
  readonly dir: string | null;
  /** Where the model came from: `--model-dir`/`CAIRN_MODEL_DIR`, `cairn model use`, or the downloaded default. */
  readonly source: 'option' | 'setting' | 'downloaded' | null;
  readonly dims: number | null;
  readonly modelId: string | null;
  /** The semantic list's weight against BM25's 1 in hybrid fusion (declared by the model, or the small default for an unmeasured one). */
  readonly hybridWeight: number | null;
  /** Why semantic search is not available, and what to do. */
  readonly reason: string | null;
  readonly vectors: {
    /** Chunks with a vector of the current model / waiting for one. */
    readonly embedded: number;
    readonly pending: number;
    /** The model the stored vectors came from. */
    readonly modelId: string | null;
    readonly format: string | null;
    /** Partitions of the vector table: 1 until there are enough vectors to partition (a query then scans a tenth of them). */
    readonly partitions: number;
  };
}

export interface SearchStatus {
  readonly entries: number;
  readonly chunks: number;
  /** Changes whenever the index changes; the query cache is keyed by it. */
  readonly indexVersion: string;
  readonly cache: QueryCacheStats;
  readonly model: ModelStatus;
}

export interface EmbedResult {
  readonly embedded: number;
  readonly pending: number;
}
