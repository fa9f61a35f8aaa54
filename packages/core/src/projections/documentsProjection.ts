import type { Statement } from 'better-sqlite3';
import { isDocumentEvent } from '../domain/document/events.js';
import type { DocumentState } from '../domain/document/state.js';
import { entryAggregateType } from '../domain/entry/events.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import type { EntryStates, MergedStream, ProjectionDefinition, ProjectionHandler, StreamReplayer } from './projection.js';

/**
 * The `documents` read model: one row per imported document with its file, processing status, last
 * failure and extraction result, from the entry's merged state. Inline, so an import sees the files imported just
 * before it (for de-duplication) and a status read right after a change sees it.
 */
export const documentsProjection: ProjectionDefinition = {
  name: 'documents',
  version: 2,
  schema: `
    CREATE TABLE IF NOT EXISTS documents (
      entry_id TEXT PRIMARY KEY,
      file_sha256 TEXT NOT NULL,
      file_name TEXT NOT NULL,
      file_size INTEGER NOT NULL,
      file_mime TEXT NOT NULL,
      status TEXT NOT NULL,
      note TEXT,
      error_code TEXT,
      error_reason TEXT,
      retryable INTEGER,
      text_sha256 TEXT,
      mime_type TEXT,
      page_count INTEGER,
      ocr_used INTEGER,
      language TEXT,
      chars INTEGER,
      warnings TEXT NOT NULL,
      imported_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS documents_by_file ON documents (file_sha256);
    CREATE INDEX IF NOT EXISTS documents_by_status ON documents (status);
  `,
  tables: ['documents'],
  digestQueries: [
    `SELECT entry_id, file_sha256, file_name, file_size, file_mime, status, note, error_code, error_reason, retryable, text_sha256, mime_type,
       page_count, ocr_used, language, chars, warnings, imported_at, updated_at FROM documents ORDER BY entry_id`,
  ],
  createHandler: (db, states) => new DocumentsHandler(db, states),
  createStreamReplayer: (db) => new DocumentsStreamReplayer(db),
};

const columns = 'entry_id, file_sha256, file_name, file_size, file_mime, status, note, error_code, error_reason, retryable, text_sha256, mime_type, page_count, ocr_used, language, chars, warnings, imported_at, updated_at';

function documentRow(entryId: string, document: DocumentState, importedAt: string, updatedAt: string): unknown[] {
  const p = document.processed;
  const f = document.failure;
  return [
    entryId,
    document.file.sha256,
    document.file.name,
    document.file.size,
    document.file.mimeType,
    document.status,
    document.note,
    f?.code ?? null,
    f?.reason ?? null,
    f ? (f.retryable ? 1 : 0) : null,
    p?.textSha256 ?? null,
    p?.mimeType ?? null,
    p?.pageCount ?? null,
    p ? (p.ocrUsed ? 1 : 0) : null,
    p?.language ?? null,
    p?.chars ?? null,
    JSON.stringify(p?.warnings ?? []),
    importedAt,
    updatedAt,
  ];
}

/** Document rows from each touched entry's merged state: imported when its DocumentImported was, updated by its last document event. */
class DocumentsHandler implements ProjectionHandler {
  private readonly upsert: Statement;
  private readonly importedAt: Statement;
  private readonly lastDocumentEventAt: Statement;

  constructor(
    db: Database,
    private readonly states: EntryStates,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO documents (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (entry_id) DO UPDATE SET file_sha256 = excluded.file_sha256, file_name = excluded.file_name, file_size = excluded.file_size,
         file_mime = excluded.file_mime, status = excluded.status, note = excluded.note, error_code = excluded.error_code, error_reason = excluded.error_reason,
         retryable = excluded.retryable, text_sha256 = excluded.text_sha256, mime_type = excluded.mime_type, page_count = excluded.page_count,
         ocr_used = excluded.ocr_used, language = excluded.language, chars = excluded.chars, warnings = excluded.warnings, imported_at = excluded.imported_at,
         updated_at = excluded.updated_at`,
    );
    this.importedAt = db.prepare(`SELECT json_extract(metadata, '$.at') FROM events WHERE aggregate_id = ? AND type = 'DocumentImported' ORDER BY version LIMIT 1`).pluck();
    this.lastDocumentEventAt = db
      .prepare(`SELECT json_extract(metadata, '$.at') FROM events WHERE aggregate_id = ? AND type IN ('DocumentImported', 'DocumentStatusChanged', 'DocumentProcessed', 'DocumentProcessingFailed') ORDER BY version DESC LIMIT 1`)
      .pluck();
  }

  apply(events: readonly RecordedEvent[]): void {
    const touched = new Set<string>();
    for (const event of events) if (event.aggregateType === entryAggregateType && isDocumentEvent(event)) touched.add(event.aggregateId);
    for (const id of touched) {
      const document = this.states.state(id).document;
      if (!document) continue;
      this.upsert.run(...documentRow(id, document, this.importedAt.get(id) as string, this.lastDocumentEventAt.get(id) as string));
    }
  }
}

/** Rebuilds `documents` stream by stream from the merged states. */
class DocumentsStreamReplayer implements StreamReplayer {
  private readonly insert: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(`INSERT INTO documents (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  applyStream({ events, state }: MergedStream): void {
    if (!state.document) return;
    const documentEvents = events.filter((e) => isDocumentEvent(e));
    const imported = documentEvents.find((e) => e.type === 'DocumentImported') ?? documentEvents[0]!;
    this.insert.run(...documentRow(state.id, state.document, imported.metadata.at, documentEvents[documentEvents.length - 1]!.metadata.at));
  }

  finish(): void {}
}
