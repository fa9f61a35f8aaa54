/**
 * Engine methods that are planned but not on this branch's engine yet: search (issue 3) and
 * import/ingestion (issue 4). The UI is built against these shapes and shows each feature only when
 * the engine's `hello` lists its method, so nothing is faked. When a method lands in
 * `@cairn/core`'s EngineApi, the core type wins automatically (see `EngineClient`), and the entry here
 * should be deleted.
 */
export const searchModes = ['hybrid', 'lexical', 'semantic'] as const;
export type SearchMode = (typeof searchModes)[number];

export interface SearchParams {
  readonly query: string;
  readonly mode?: SearchMode;
  readonly limit?: number;
  readonly tag?: string;
  readonly kind?: 'note' | 'document';
}

export interface SearchHit {
  readonly entryId: string;
  readonly title: string;
  /** Plain text with the matched terms wrapped in <mark>…</mark>; everything else is escaped by the UI. */
  readonly snippet: string;
  readonly score: number;
}

export interface SearchResponse {
  readonly results: SearchHit[];
  readonly mode: SearchMode;
  readonly tookMs: number;
}

export interface ImportStarted {
  readonly entryId: string;
  readonly jobId?: string;
  /** True when identical content was already imported (the existing entry is returned). */
  readonly duplicate?: boolean;
}

export const documentStatuses = ['pending', 'processing', 'done', 'failed'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

export interface DocumentView {
  readonly entryId: string;
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  readonly sha256: string;
  readonly status: DocumentStatus;
  readonly error?: string;
  readonly pageCount?: number;
  readonly ocr?: boolean;
  readonly language?: string;
  readonly text?: string;
  readonly jobId?: string;
}

export interface JobView {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly entryId?: string;
  readonly attempts?: number;
  readonly lastError?: string;
}

export interface PlannedParams {
  search: SearchParams;
  importPaths: { paths: string[] };
  importBytes: { name: string; dataBase64: string };
  getDocument: { id: string };
  jobs: { status?: string; limit?: number };
  retryJob: { id: string };
}

export interface PlannedResults {
  search: SearchResponse;
  importPaths: { imported: ImportStarted[]; failed: { path: string; error: { code: string; message: string } }[] };
  importBytes: ImportStarted;
  getDocument: DocumentView;
  jobs: JobView[];
  retryJob: { id: string };
}

export type PlannedMethod = keyof PlannedParams;
