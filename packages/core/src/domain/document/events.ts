import { z } from 'zod';
import type { DomainEvent } from '../shared/envelope.js';
import { jsonObjectSchema } from '../shared/json.js';

/**
 * Where a document is in its processing. `queued`, `extracting`, `ocr` and `indexing` are in progress;
 * `done`, `failed` and `unsupported` are where processing ends (until a retry).
 */
export const documentStatuses = ['queued', 'extracting', 'ocr', 'indexing', 'done', 'failed', 'unsupported'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

/** The statuses a document passes through while it is processed (recorded by DocumentStatusChanged). */
export const documentStages = ['queued', 'extracting', 'ocr', 'indexing'] as const;
export type DocumentStage = (typeof documentStages)[number];

export const documentLimits = {
  fileNameMaxChars: 1_000,
  mimeTypeMaxChars: 200,
  reasonMaxChars: 2_000,
  noteMaxChars: 1_000,
  warningsMax: 50,
} as const;

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase SHA-256 hex digest');
const mimeTypeSchema = z.string().min(1).max(documentLimits.mimeTypeMaxChars);

export const documentFileSchema = z
  .object({
    sha256: sha256Schema,
    name: z.string().min(1).max(documentLimits.fileNameMaxChars),
    size: z.number().int().nonnegative(),
    mimeType: mimeTypeSchema,
  })
  .strict();
export type DocumentFile = z.infer<typeof documentFileSchema>;

/** Version 1 of an entry stream: creates a `document` entry for an imported file. */
export const documentImportedSchema = z.object({
  title: z.string().min(1).max(1_000),
  tags: z.array(z.string().min(1).max(100)).max(200),
  attributes: jsonObjectSchema,
  file: documentFileSchema,
});
export type DocumentImportedData = z.infer<typeof documentImportedSchema>;

/** Processing moved to an in-progress stage; `note` says why when it is not obvious (e.g. a retry after a failure). */
export const documentStatusChangedSchema = z
  .object({
    status: z.enum(documentStages),
    note: z.string().max(documentLimits.noteMaxChars).nullable(),
  })
  .strict();
export type DocumentStatusChangedData = z.infer<typeof documentStatusChangedSchema>;

/** The text was extracted and stored as a UTF-8 blob, so other devices need not extract it again. */
export const documentProcessedSchema = z
  .object({
    textSha256: sha256Schema,
    /** The content type sniffed from the bytes (not the extension). */
    mimeType: mimeTypeSchema,
    pageCount: z.number().int().nonnegative().nullable(),
    ocrUsed: z.boolean(),
    /** BCP 47 language of the text (ISO 639-1 where there is one), or null when unknown. */
    language: z.string().min(2).max(35).nullable(),
    chars: z.number().int().nonnegative(),
    /** Things a person may want to know although the text was extracted (e.g. a page that could not be read). */
    warnings: z.array(z.string().max(documentLimits.reasonMaxChars)).max(documentLimits.warningsMax).optional(),
  })
  .strict();
export type DocumentProcessedData = z.infer<typeof documentProcessedSchema>;

/** Processing ended without text. `code` is one of {@link documentFailureCodes} (kept open for newer builds). */
export const documentProcessingFailedSchema = z
  .object({
    reason: z.string().min(1).max(documentLimits.reasonMaxChars),
    code: z.string().min(1).max(50),
    retryable: z.boolean(),
  })
  .strict();
export type DocumentProcessingFailedData = z.infer<typeof documentProcessingFailedSchema>;

/** Why processing failed. `unsupported` ends in the `unsupported` status, every other code in `failed`. */
export const documentFailureCodes = ['unsupported', 'empty', 'encrypted', 'corrupt', 'too_large', 'unreadable', 'timeout', 'internal'] as const;
export type DocumentFailureCode = (typeof documentFailureCodes)[number];

export type DocumentImported = DomainEvent<'DocumentImported', DocumentImportedData>;
export type DocumentStatusChanged = DomainEvent<'DocumentStatusChanged', DocumentStatusChangedData>;
export type DocumentProcessed = DomainEvent<'DocumentProcessed', DocumentProcessedData>;
export type DocumentProcessingFailed = DomainEvent<'DocumentProcessingFailed', DocumentProcessingFailedData>;

export type DocumentEvent = DocumentImported | DocumentStatusChanged | DocumentProcessed | DocumentProcessingFailed;
export type DocumentEventType = DocumentEvent['type'];

export const documentEventTypeNames: readonly DocumentEventType[] = ['DocumentImported', 'DocumentStatusChanged', 'DocumentProcessed', 'DocumentProcessingFailed'];

export function isDocumentEvent(event: { readonly type: string }): event is DocumentEvent {
  return (documentEventTypeNames as readonly string[]).includes(event.type);
}

/** The status a failure ends in. */
export function failureStatus(code: string): 'failed' | 'unsupported' {
  return code === 'unsupported' ? 'unsupported' : 'failed';
}
