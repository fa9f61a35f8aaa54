import type { Statement } from 'better-sqlite3';
import { failureStatus } from '../domain/document/events.js';
import { entryAggregateType, type EntryEvent } from '../domain/entry/events.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import type { ProjectionDefinition, ProjectionHandler } from './projection.js';

/**
 * The `documents` read model: one row per imported document with its file, processing status, last
 * failure and extraction result. Inline, so an import sees the files imported just before it (for
 * de-duplication) and a status read right after a change sees it.
 */
export const documentsProjection: ProjectionDefinition = {
  name: 'documents',
  version: 1,
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
  createHandler: (db) => new DocumentsHandler(db),
  // A document's row depends on its own stream alone, so a rebuild may feed the handler stream by stream.
  createStreamReplayer: (db) => {
    const handler = new DocumentsHandler(db);
    return { applyStream: (events) => handler.apply(events), finish: () => undefined };
  },
};

class DocumentsHandler implements ProjectionHandler {
  private readonly insert: Statement;
  private readonly setStatus: Statement;
  private readonly setProcessed: Statement;
  private readonly setFailed: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO documents (entry_id, file_sha256, file_name, file_size, file_mime, status, warnings, imported_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'queued', '[]', ?, ?)`,
    );
    this.setStatus = db.prepare(`UPDATE documents SET status = ?, note = ?, updated_at = ? WHERE entry_id = ?`);
    this.setProcessed = db.prepare(
      `UPDATE documents SET status = 'done', note = NULL, error_code = NULL, error_reason = NULL, retryable = NULL, text_sha256 = ?, mime_type = ?,
         page_count = ?, ocr_used = ?, language = ?, chars = ?, warnings = ?, updated_at = ? WHERE entry_id = ?`,
    );
    this.setFailed = db.prepare(`UPDATE documents SET status = ?, note = NULL, error_code = ?, error_reason = ?, retryable = ?, updated_at = ? WHERE entry_id = ?`);
  }

  apply(events: readonly RecordedEvent[]): void {
    for (const raw of events) {
      if (raw.aggregateType !== entryAggregateType) continue;
      const event = raw as RecordedEvent & EntryEvent;
      const at = event.metadata.at;
      switch (event.type) {
        case 'DocumentImported': {
          const { file } = event.data;
          this.insert.run(event.aggregateId, file.sha256, file.name, file.size, file.mimeType, at, at);
          break;
        }
        case 'DocumentStatusChanged':
          this.setStatus.run(event.data.status, event.data.note, at, event.aggregateId);
          break;
        case 'DocumentProcessed': {
          const d = event.data;
          this.setProcessed.run(d.textSha256, d.mimeType, d.pageCount, d.ocrUsed ? 1 : 0, d.language, d.chars, JSON.stringify(d.warnings ?? []), at, event.aggregateId);
          break;
        }
        case 'DocumentProcessingFailed': {
          const d = event.data;
          this.setFailed.run(failureStatus(d.code), d.code, d.reason, d.retryable ? 1 : 0, at, event.aggregateId);
          break;
        }
        case 'EntryCreated':
        case 'EntryUpdated':
        case 'EntryDeleted':
        case 'EntryRestored':
        case 'EntryReverted':
          break; // notes and entry-level changes (title, tags, deletion) live in `entries`
        default:
          assertNever(event);
      }
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled entry event ${JSON.stringify(value)}`);
}
