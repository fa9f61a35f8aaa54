import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import { entryIdsIn, type EntryStates, type MergedStream, type ProjectionDefinition, type ProjectionHandler, type StreamReplayer } from '../projections/projection.js';
import type { Database } from '../store/database.js';
import { longEnough, summarize, type Span } from './summary.js';

/** A document's extracted text by its blob hash; undefined while the blob is not on this device. */
export type RawTextReader = (sha256: string) => string | undefined;

/** What an entry is summarized from: a processed document's extracted text, else its body. */
export type SummarySource = 'text' | 'body';

export interface SummaryView {
  readonly entryId: string;
  readonly source: SummarySource;
  /** The summary's sentences, joined. */
  readonly text: string;
  /** Each sentence with its offsets into the source (the document's text or the entry's body). */
  readonly sentences: readonly (Span & { readonly text: string })[];
}

export const summariesProjectionName = 'summaries';

/**
 * The summary agent: an async subscriber of the log that keeps an extractive summary (summary.ts) of every live entry
 * with enough text — a document's extracted text, else the body — in `entry_summaries`. Cheap enough to run in the
 * catch-up itself (ranking is capped at 400 sentences, a book costs what a chapter does), and rebuildable: the rows
 * depend on each entry's merged state and its text alone.
 */
export function createSummariesProjection(readText: RawTextReader): ProjectionDefinition {
  return {
    name: summariesProjectionName,
    version: 1,
    schema: `
      CREATE TABLE IF NOT EXISTS entry_summaries (
        entry_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        input_hash TEXT NOT NULL,
        spans TEXT NOT NULL,
        summary TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
    tables: ['entry_summaries'],
    digestQueries: [`SELECT entry_id, source, input_hash, spans, summary FROM entry_summaries ORDER BY entry_id`],
    createHandler: (db, states) => new SummariesHandler(db, readText, states),
    createStreamReplayer: (db) => {
      const handler = new SummariesHandler(db, readText);
      return { applyStream: ({ state }: MergedStream) => handler.write(state), finish: () => undefined } satisfies StreamReplayer;
    },
  };
}

class SummariesHandler implements ProjectionHandler {
  private readonly getInput: Statement;
  private readonly put: Statement;
  private readonly remove: Statement;

  constructor(
    db: Database,
    private readonly readText: RawTextReader,
    private readonly states?: EntryStates,
  ) {
    this.getInput = db.prepare(`SELECT input_hash FROM entry_summaries WHERE entry_id = ?`).pluck();
    this.put = db.prepare(
      `INSERT INTO entry_summaries (entry_id, source, input_hash, spans, summary) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (entry_id) DO UPDATE SET source = excluded.source, input_hash = excluded.input_hash, spans = excluded.spans, summary = excluded.summary`,
    );
    this.remove = db.prepare(`DELETE FROM entry_summaries WHERE entry_id = ?`);
  }

  apply(events: readonly RecordedEvent[]): void {
    const touched = entryIdsIn(events);
    for (const id of touched) this.write(this.states!.state(id));
  }

  /**
   * Summarizes the entry as it is now, unless it was summarized from the same input (a tag change does not summarize a
   * book again). Short texts cost a length check: most notes never get further.
   */
  write(state: EntryState): void {
    const input = state.exists && !state.deleted ? this.sourceOf(state) : undefined;
    if (!input || !longEnough(input.text)) {
      this.remove.run(state.id);
      return;
    }
    if (this.getInput.get(state.id) === input.hash) return;
    const summary = summarize(input.text);
    if (summary) this.put.run(state.id, input.source, input.hash, JSON.stringify(summary.sentences.map((s) => [s.start, s.end, input.text.slice(s.start, s.end)])), summary.text);
    else this.remove.run(state.id);
  }

  private sourceOf(state: EntryState): EntryText | undefined {
    return entryText(state, this.readText, () => true);
  }
}

/** What an agent reads of an entry: its source, the text, and a key that changes when the text does. */
export interface EntryText {
  readonly source: SummarySource;
  readonly text: string;
  readonly hash: string;
}

/**
 * A processed document's extracted text, else the body when `bodyWorthIt` says so (undefined: nothing to read). A
 * document whose text synced without its blob has none yet: the engine refolds the entry when the blob arrives.
 */
export function entryText(state: EntryState, readText: RawTextReader, bodyWorthIt: (body: string) => boolean): EntryText | undefined {
  const sha = state.document?.processed?.textSha256;
  if (sha) {
    const text = readText(sha);
    if (text !== undefined) return { source: 'text', text, hash: `text:${sha}` };
  }
  return state.body && bodyWorthIt(state.body) ? { source: 'body', text: state.body, hash: `body:${createHash('sha256').update(state.body).digest('hex').slice(0, 32)}` } : undefined;
}

/** The entry's summary from the read model (undefined: none, or not summarized yet). */
export function readSummary(db: Database, entryId: string): SummaryView | undefined {
  const row = db.prepare(`SELECT source, spans, summary FROM entry_summaries WHERE entry_id = ?`).get(entryId) as { source: SummarySource; spans: string; summary: string } | undefined;
  if (!row) return undefined;
  const spans = JSON.parse(row.spans) as [number, number, string][];
  return { entryId, source: row.source, text: row.summary, sentences: spans.map(([start, end, text]) => ({ start, end, text })) };
}
