import type { Statement } from 'better-sqlite3';
import type { DocumentStatus } from '../domain/document/events.js';
import { NotFoundError } from '../errors/cairnError.js';
import type { Database } from '../store/database.js';
import type { DocumentView } from './views.js';

/** The job kind that extracts a document's text; its dedupe key gives every document one job. */
export const processDocumentJob = 'document.process';
export const processJobKey = (entryId: string): string => `${processDocumentJob}:${entryId}`;

interface DocumentRow {
  entry_id: string;
  title: string;
  deleted: number;
  file_sha256: string;
  file_name: string;
  file_size: number;
  file_mime: string;
  status: DocumentStatus;
  note: string | null;
  error_code: string | null;
  error_reason: string | null;
  retryable: number | null;
  text_sha256: string | null;
  mime_type: string | null;
  page_count: number | null;
  ocr_used: number | null;
  language: string | null;
  chars: number | null;
  warnings: string;
  imported_at: string;
  updated_at: string;
  job_id: number | null;
}

const documentColumns = `d.entry_id, e.title, e.deleted, d.file_sha256, d.file_name, d.file_size, d.file_mime, d.status, d.note, d.error_code, d.error_reason,
  d.retryable, d.text_sha256, d.mime_type, d.page_count, d.ocr_used, d.language, d.chars, d.warnings, d.imported_at, d.updated_at`;

/** Reads of the `documents` read model (with the entry's title and deleted flag). Nothing here writes. */
export class DocumentQueries {
  private readonly byId: Statement;
  private readonly liveHolder: Statement;
  private readonly countsStatement: Statement;
  private readonly unfinished: Statement;

  constructor(
    db: Database,
    private readonly hasBlob: (sha256: string) => boolean = () => true,
  ) {
    this.byId = db.prepare(
      `SELECT ${documentColumns}, (SELECT id FROM jobs WHERE dedupe_key = '${processDocumentJob}:' || d.entry_id) AS job_id
       FROM documents d JOIN entries e ON e.id = d.entry_id WHERE d.entry_id = ?`,
    );
    // CROSS JOIN keeps `documents` (looked up by its file index) the outer loop; otherwise SQLite may
    // walk every live entry by the `deleted` index and make each import cost the size of the library.
    this.liveHolder = db
      .prepare(`SELECT d.entry_id FROM documents d CROSS JOIN entries e ON e.id = d.entry_id WHERE d.file_sha256 = ? AND e.deleted = 0 ORDER BY d.imported_at, d.entry_id LIMIT 1`)
      .pluck();
    this.unfinished = db
      .prepare(`SELECT entry_id FROM documents WHERE entry_id IN (SELECT value FROM json_each(?)) AND status IN ('queued', 'extracting', 'ocr', 'indexing')`)
      .pluck();
    this.countsStatement = db.prepare(`SELECT status, count(*) AS n FROM documents GROUP BY status`);
  }

  get(entryId: string): DocumentView {
    const row = this.byId.get(entryId) as DocumentRow | undefined;
    if (!row) throw new NotFoundError(`no imported document with id ${entryId}`, { entryId });
    return toView(row, this.hasBlob);
  }

  find(entryId: string): DocumentView | undefined {
    const row = this.byId.get(entryId) as DocumentRow | undefined;
    return row && toView(row, this.hasBlob);
  }

  /** The live (not deleted) document that holds this content, if any. */
  holderOf(sha256: string): string | undefined {
    return this.liveHolder.get(sha256) as string | undefined;
  }

  /** Those of `entryIds` still queued or being processed (ids that are not documents are left out). */
  unfinishedAmong(entryIds: readonly string[]): string[] {
    return this.unfinished.all(JSON.stringify(entryIds)) as string[];
  }

  countsByStatus(): Partial<Record<DocumentStatus, number>> {
    const counts: Partial<Record<DocumentStatus, number>> = {};
    for (const row of this.countsStatement.all() as { status: DocumentStatus; n: number }[]) counts[row.status] = row.n;
    return counts;
  }
}

function toView(row: DocumentRow, hasBlob: (sha256: string) => boolean): DocumentView {
  return {
    id: row.entry_id,
    title: row.title,
    deleted: row.deleted === 1,
    status: row.status,
    note: row.note,
    error: row.error_code === null || (row.status !== 'failed' && row.status !== 'unsupported') ? null : { code: row.error_code, reason: row.error_reason ?? '', retryable: row.retryable === 1 },
    file: { sha256: row.file_sha256, name: row.file_name, size: row.file_size, mimeType: row.file_mime },
    originalHere: hasBlob(row.file_sha256),
    mimeType: row.mime_type ?? row.file_mime,
    pageCount: row.page_count,
    ocrUsed: row.ocr_used === null ? null : row.ocr_used === 1,
    language: row.language,
    chars: row.chars,
    textSha256: row.text_sha256,
    warnings: JSON.parse(row.warnings) as string[],
    jobId: row.job_id,
    importedAt: row.imported_at,
    updatedAt: row.updated_at,
  };
}
