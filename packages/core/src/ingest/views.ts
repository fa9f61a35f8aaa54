import type { DocumentStatus } from '../domain/document/events.js';
import type { JobStatus } from '../jobs/jobQueue.js';

/** An imported document as the front ends show it. JSON-serializable. */
export interface DocumentView {
  readonly id: string;
  readonly title: string;
  readonly deleted: boolean;
  readonly status: DocumentStatus;
  /** Why the status is what it is while processing (e.g. a retry after a failed attempt). */
  readonly note: string | null;
  /** Why processing failed (`failed`, `unsupported`), null otherwise. */
  readonly error: { readonly code: string; readonly reason: string; readonly retryable: boolean } | null;
  /** The original file as imported. */
  readonly file: { readonly sha256: string; readonly name: string; readonly size: number; readonly mimeType: string };
  /** The original is on this device (false: it was imported on another one; opening it downloads it). */
  readonly originalHere: boolean;
  /** The content type found when processing (the imported one until then). */
  readonly mimeType: string;
  readonly pageCount: number | null;
  readonly ocrUsed: boolean | null;
  readonly language: string | null;
  /** Characters of extracted text, null until processed. */
  readonly chars: number | null;
  readonly textSha256: string | null;
  readonly warnings: string[];
  /** The processing job, null when none was queued here (e.g. a document synced from another device). */
  readonly jobId: number | null;
  readonly importedAt: string;
  readonly updatedAt: string;
}

/** What happened to one file of an import. */
export interface ImportOutcome {
  /** The path given or found in a folder; null for uploaded bytes. */
  readonly path: string | null;
  readonly name: string;
  /**
   * `imported`: a new document entry, queued for processing (see `documentStatus`); `duplicate`: the
   * same content is already held by `duplicateOf`; `rejected`: the file could not be stored (`error`
   * says why); `skipped`: deliberately not imported (hidden files, symbolic link loops).
   */
  readonly outcome: 'imported' | 'duplicate' | 'rejected' | 'skipped';
  readonly entryId: string | null;
  readonly duplicateOf: string | null;
  /** The document's processing status when the import returned (`queued` right after importing). */
  readonly documentStatus: DocumentStatus | null;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly mimeType: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface ImportReport {
  readonly files: ImportOutcome[];
  readonly imported: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly skipped: number;
}

export interface JobView {
  readonly id: number;
  readonly kind: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly priority: number;
  /** The last failure; for a dead job, why it gave up. */
  readonly lastError: string | null;
  readonly entryId: string | null;
  readonly name: string | null;
  readonly documentStatus: DocumentStatus | null;
  readonly runAt: string;
  readonly updatedAt: string;
}
