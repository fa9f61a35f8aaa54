import type { JsonValue } from '../shared/json.js';
import type { DocumentFile, DocumentProcessedData, DocumentProcessingFailedData, DocumentStage } from './events.js';

export interface ImportDocument {
  readonly type: 'ImportDocument';
  readonly entryId: string;
  readonly file: DocumentFile;
  /** Defaults to the file name. */
  readonly title?: string;
  readonly tags?: readonly string[];
  readonly attributes?: Readonly<Record<string, JsonValue>>;
}

export interface ChangeDocumentStatus {
  readonly type: 'ChangeDocumentStatus';
  readonly entryId: string;
  readonly status: DocumentStage;
  readonly note?: string | null;
}

export interface CompleteDocumentProcessing {
  readonly type: 'CompleteDocumentProcessing';
  readonly entryId: string;
  readonly result: DocumentProcessedData;
}

export interface FailDocumentProcessing {
  readonly type: 'FailDocumentProcessing';
  readonly entryId: string;
  readonly failure: DocumentProcessingFailedData;
}

export type DocumentCommand = ImportDocument | ChangeDocumentStatus | CompleteDocumentProcessing | FailDocumentProcessing;
export type DocumentCommandType = DocumentCommand['type'];

const documentCommandTypes: readonly DocumentCommandType[] = ['ImportDocument', 'ChangeDocumentStatus', 'CompleteDocumentProcessing', 'FailDocumentProcessing'];

export function isDocumentCommand(command: { readonly type: string }): command is DocumentCommand {
  return (documentCommandTypes as readonly string[]).includes(command.type);
}
