import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { entryAggregateType } from '../domain/entry/events.js';
import type { EntryState as MergedEntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { EntryStates, MergedStream, ProjectionDefinition, ProjectionHandler, StreamReplayer } from '../projections/projection.js';
import type { Database } from '../store/database.js';
import { ftsTokenizer, indexText, pinyinText } from './analyzer.js';
import { prepareText, type PreparedChunk } from './preparedText.js';
import { normalizeMimeType } from './mimeTypes.js';

/**
 * The search index, an async read model of the log (DESIGN.md §4):
 *
 * - `search_entries` / `search_entry_tags`: what search needs to know per entry (title, body, tags,
 *   kind, MIME type and extracted-text blob of documents, deleted flag), kept here so the index
 *   depends on the log alone, like every projection;
 * - `search_chunks`: the entry's body and, for documents, the extracted text of the latest
 *   `DocumentProcessed`, cut into chunks with offsets into their source (`source` says which);
 * - `search_fts`: a contentless FTS5 table, one row per chunk (rowid = chunk id), columns title, body
 *   and tags holding analyzed terms (see analyzer.ts); BM25 weights the title over the body;
 * - `search_embed_queue`: chunks waiting for a vector. The embedder (embeddings/vectorBackfill.ts)
 *   takes them off the queue in the same transaction that stores their vectors.
 *
 * Deleted entries leave the index and come back when restored. The digest covers the entry and chunk
 * tables; the FTS table is derived from the chunks, and the queue is work in progress.
 */
export const searchProjectionName = 'search';
export const searchTables = ['search_fts', 'search_embed_queue', 'search_chunks', 'search_entry_tags', 'search_entries', 'search_index_id'] as const;

/**
 * The extracted text of a blob, chunked and analyzed ({@link prepareText}); undefined when the blob is
 * not (yet) stored on this device.
 */
export type TextReader = (sha256: string) => readonly PreparedChunk[] | undefined;

/** FTS5's default: merge once this many segments of a level pile up. */
const ftsAutomerge = 4;

/** Column weights for BM25: title, body, tags, and the pinyin of the title and tags. */
export const bm25Weights = { title: 4, body: 1, tags: 2, pinyin: 3 } as const;

export function createSearchProjection(readText: TextReader): ProjectionDefinition {
  return {
    name: searchProjectionName,
    // 3: Traditional Chinese folded to Simplified at indexing; 4: titles and tags indexed with their pinyin (chineseScript.ts).
    version: 4,
    schema: `
      CREATE TABLE IF NOT EXISTS search_entries (
        entry_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        tags TEXT NOT NULL,
        mime_type TEXT,
        text_sha256 TEXT,
        deleted INTEGER NOT NULL,
        updated_position INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS search_entry_tags (tag TEXT NOT NULL, entry_id TEXT NOT NULL, PRIMARY KEY (tag, entry_id)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS search_chunks (
        id INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL,
        ord INTEGER NOT NULL,
        source TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        input_hash TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS search_chunks_by_entry ON search_chunks (entry_id, ord);
      CREATE INDEX IF NOT EXISTS search_chunks_by_input ON search_chunks (input_hash);
      CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, tags, pinyin, content='', contentless_delete=1, tokenize="${ftsTokenizer}");
      CREATE TABLE IF NOT EXISTS search_embed_queue (chunk_id INTEGER PRIMARY KEY);
      -- Names this incarnation of the index: a rebuild makes new tables (and new chunk ids) at the same checkpoint.
      CREATE TABLE IF NOT EXISTS search_index_id (id TEXT NOT NULL);
      INSERT INTO search_index_id (id) SELECT lower(hex(randomblob(8))) WHERE NOT EXISTS (SELECT 1 FROM search_index_id);
    `,
    tables: searchTables,
    digestQueries: [
      // Not `updated_position` (where the entry last changed in this device's log: it orders recent entries here only).
      `SELECT entry_id, kind, title, body, tags, mime_type, text_sha256, deleted FROM search_entries ORDER BY entry_id`,
      `SELECT tag, entry_id FROM search_entry_tags ORDER BY tag, entry_id`,
      // Chunk ids depend on how the log was batched (an entry touched twice in one batch is indexed once), so they are not hashed.
      `SELECT entry_id, ord, source, start, end, input_hash FROM search_chunks ORDER BY entry_id, ord`,
    ],
    createHandler: (db, states) => new SearchHandler(db, readText, states),
    createStreamReplayer: (db) => new SearchStreamReplayer(db, readText),
  };
}

/** What a chunk's vector is computed from: the entry title and the chunk text. */
export function embeddingInput(title: string, text: string): string {
  return text ? `${title}\n${text}` : title;
}

export function inputHash(input: string): string {
  return createHash('sha256').update(input).digest('hex').slice(0, 32);
}

interface SearchEntryRow {
  kind: string;
  title: string;
  body: string;
  tags: string;
  mime_type: string | null;
  text_sha256: string | null;
  deleted: number;
}

interface EntryState {
  kind: string;
  title: string;
  body: string;
  tags: string[];
  mimeType: string | null;
  textSha256: string | null;
  deleted: boolean;
}

/** True when what the index holds for an entry (its chunks and their FTS rows) must be rebuilt. */
function contentChanged(a: EntryState, b: EntryState): boolean {
  return a.deleted !== b.deleted || a.title !== b.title || a.body !== b.body || a.textSha256 !== b.textSha256 || a.tags.join('\n') !== b.tags.join('\n');
}

class SearchHandler implements ProjectionHandler {
  private readonly getEntry: Statement;
  private readonly putEntry: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTag: Statement;
  private readonly chunkIds: Statement;
  private readonly deleteChunks: Statement;
  private readonly deleteFts: Statement;
  private readonly dequeue: Statement;
  private readonly insertChunk: Statement;
  private readonly insertFts: Statement;
  private readonly enqueue: Statement;
  private readonly hasTextChunk: Statement;

  constructor(
    db: Database,
    private readonly readText: TextReader,
    private readonly states?: EntryStates,
  ) {
    this.hasTextChunk = db.prepare(`SELECT 1 FROM search_chunks WHERE entry_id = ? AND source = 'text' LIMIT 1`).pluck();
    this.getEntry = db.prepare(`SELECT kind, title, body, tags, mime_type, text_sha256, deleted FROM search_entries WHERE entry_id = ?`);
    this.putEntry = db.prepare(
      `INSERT INTO search_entries (entry_id, kind, title, body, tags, mime_type, text_sha256, deleted, updated_position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (entry_id) DO UPDATE SET kind = excluded.kind, title = excluded.title, body = excluded.body, tags = excluded.tags,
         mime_type = excluded.mime_type, text_sha256 = excluded.text_sha256, deleted = excluded.deleted, updated_position = excluded.updated_position`,
    );
    this.insertTag = db.prepare(`INSERT OR IGNORE INTO search_entry_tags (tag, entry_id) VALUES (?, ?)`);
    this.deleteTag = db.prepare(`DELETE FROM search_entry_tags WHERE tag = ? AND entry_id = ?`);
    this.chunkIds = db.prepare(`SELECT id FROM search_chunks WHERE entry_id = ?`).pluck();
    this.deleteChunks = db.prepare(`DELETE FROM search_chunks WHERE entry_id = ?`);
    this.deleteFts = db.prepare(`DELETE FROM search_fts WHERE rowid = ?`);
    this.dequeue = db.prepare(`DELETE FROM search_embed_queue WHERE chunk_id = ?`);
    this.insertChunk = db.prepare(`INSERT INTO search_chunks (entry_id, ord, source, start, end, text, input_hash) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.insertFts = db.prepare(`INSERT INTO search_fts (rowid, title, body, tags, pinyin) VALUES (?, ?, ?, ?, ?)`);
    this.enqueue = db.prepare(`INSERT OR IGNORE INTO search_embed_queue (chunk_id) VALUES (?)`);
  }

  /**
   * Each entry the batch touches is indexed from its merged state now, once per batch (an entry edited ten times in
   * one batch is analyzed once), and only if what the index holds for it changed.
   */
  apply(events: readonly RecordedEvent[], refold = false): void {
    const touched = new Map<string, number>();
    for (const event of events) if (event.aggregateType === entryAggregateType) touched.set(event.aggregateId, event.position);
    for (const [id, position] of touched) {
      const next = searchStateOf(this.states!.state(id));
      if (next) this.write(id, next, position, refold);
    }
  }

  /**
   * Writes an entry's row and tags, and (when its content changed) its chunks. A refold also indexes a document's
   * text that was not here when the document was indexed (it synced from another device after its events).
   */
  private write(id: string, next: EntryState, position: number, refold = false): void {
    const before = this.load(id);
    this.putEntry.run(id, next.kind, next.title, next.body, JSON.stringify(next.tags), next.mimeType, next.textSha256, next.deleted ? 1 : 0, position);
    const oldTags = before && !before.deleted ? before.tags : [];
    const newTags = next.deleted ? [] : next.tags;
    for (const tag of oldTags) if (!newTags.includes(tag)) this.deleteTag.run(tag, id);
    for (const tag of newTags) if (!oldTags.includes(tag)) this.insertTag.run(tag, id);
    if (before && !contentChanged(before, next) && !(refold && this.textArrived(id, next))) return;
    if (before) this.unindex(id);
    if (!next.deleted) this.index(id, next);
  }

  private load(id: string): EntryState | undefined {
    const row = this.getEntry.get(id) as SearchEntryRow | undefined;
    if (!row) return undefined;
    return {
      kind: row.kind,
      title: row.title,
      body: row.body,
      tags: JSON.parse(row.tags) as string[],
      mimeType: row.mime_type,
      textSha256: row.text_sha256,
      deleted: row.deleted === 1,
    };
  }

  /** The document's text is here now, but none of it is in the index. */
  private textArrived(id: string, entry: EntryState): boolean {
    if (!entry.textSha256 || entry.deleted || this.hasTextChunk.get(id) !== undefined) return false;
    return (this.readText(entry.textSha256)?.length ?? 0) > 0;
  }

  private unindex(id: string): void {
    for (const chunkId of this.chunkIds.all(id) as number[]) {
      this.deleteFts.run(chunkId);
      this.dequeue.run(chunkId);
    }
    this.deleteChunks.run(id);
  }

  /** Writes an entry's final state as a replay found it: its row, its tags, and (live) its chunks. */
  writeReplayed(id: string, entry: EntryState, position: number): void {
    this.putEntry.run(id, entry.kind, entry.title, entry.body, JSON.stringify(entry.tags), entry.mimeType, entry.textSha256, entry.deleted ? 1 : 0, position);
    if (entry.deleted) return;
    for (const tag of entry.tags) this.insertTag.run(tag, id);
    this.index(id, entry);
  }

  private index(id: string, entry: EntryState): void {
    const pieces: (PreparedChunk & { source: string })[] = prepareText(entry.body).map((c) => ({ source: 'body', ...c }));
    if (entry.textSha256) {
      const text = this.readText(entry.textSha256);
      if (text !== undefined) pieces.push(...text.map((c) => ({ source: 'text', ...c })));
    }
    // An entry with no text is still found by its title and tags.
    if (pieces.length === 0) pieces.push({ source: 'body', start: 0, end: 0, text: '', terms: '' });
    const title = indexText(entry.title);
    const tags = indexText(entry.tags.join(' '));
    // Titles and tags are also found by their pinyin (`shuju`, `sj` for 数据), in a column of their own so that the
    // scores of everything else stay as they were.
    const pinyin = `${pinyinText(entry.title)} ${pinyinText(entry.tags.join(' '))}`.trim();
    pieces.forEach((piece, ord) => {
      const hash = inputHash(embeddingInput(entry.title, piece.text));
      const chunkId = this.insertChunk.run(id, ord, piece.source, piece.start, piece.end, piece.text, hash).lastInsertRowid;
      this.insertFts.run(chunkId, title, piece.terms, tags, pinyin);
      this.enqueue.run(chunkId);
    });
  }
}

/** What the index keeps of an entry, from its merged state (undefined: the entry does not exist). */
export function searchStateOf(state: MergedEntryState): EntryState | undefined {
  if (!state.exists) return undefined;
  const document = state.document;
  const mime = document ? (document.processed?.mimeType ?? document.file.mimeType) : null;
  return {
    kind: state.kind,
    title: state.title,
    body: state.body,
    tags: [...state.tags],
    mimeType: mime ? normalizeMimeType(mime) : null,
    // A failed retry keeps the last good text (the merged state keeps `processed`).
    textSha256: document?.processed?.textSha256 ?? null,
    deleted: state.deleted,
  };
}

/**
 * Rebuilds the index stream by stream: folds an entry to its final state, then indexes it once (not
 * once per change, as catching up does), in entry id order.
 */
class SearchStreamReplayer implements StreamReplayer {
  private readonly handler: SearchHandler;

  constructor(
    private readonly db: Database,
    readText: TextReader,
  ) {
    this.handler = new SearchHandler(db, readText);
    // FTS5 merges its segments as they pile up; for a bulk load one merge at the end is cheaper
    // (250,000 chunks: 2.0 s instead of 2.7 s).
    db.exec(`INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)`);
  }

  applyStream({ events, state }: MergedStream): void {
    const indexed = searchStateOf(state);
    if (indexed) this.handler.writeReplayed(state.id, indexed, Math.max(...events.map((e) => e.position)));
  }

  finish(): void {
    this.db.exec(`INSERT INTO search_fts (search_fts) VALUES ('optimize')`);
    this.db.exec(`INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', ${ftsAutomerge})`);
  }
}
