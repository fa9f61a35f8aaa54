import type { DocumentFile, DocumentProcessedData, DocumentProcessingFailedData, DocumentStatus } from './events.js';

/** The document facet of an entry of kind `document`. */
export interface DocumentState {
  readonly file: DocumentFile;
  readonly status: DocumentStatus;
  /** Why the status is what it is, when that is not obvious (a retry, a back-off). */
  readonly note: string | null;
  /** The last successful processing, kept across a later retry. */
  readonly processed: DocumentProcessedData | null;
  /** The last failure, cleared when processing succeeds. */
  readonly failure: DocumentProcessingFailedData | null;
}
