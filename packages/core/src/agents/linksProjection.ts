import type { Statement } from 'better-sqlite3';
import { parseLinks } from '../domain/entry/links.js';
import type { EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import { entryIdsIn, type EntryStates, type MergedStream, type ProjectionDefinition, type ProjectionHandler, type StreamReplayer } from '../projections/projection.js';
import type { Database } from '../store/database.js';

export const linksProjectionName = 'entry_links';

/**
 * The links agent's read model: every `[[Title]]` / `[[Title|label]]` in every live entry's body, with the id it
 * resolved to when it was written (the entry's merged `links`; null when the title named no entry then), the title
 * as written and its key, the label, and its offsets in the body (UTF-16 code units, as JavaScript strings count).
 * Rows depend on each entry's merged state alone, so a rebuild reproduces them and every synced device has the same;
 * titles are looked up only when queried (a missing link resolves once an entry with its title exists).
 */
export const linksProjection: ProjectionDefinition = {
  name: linksProjectionName,
  version: 1,
  schema: `
    CREATE TABLE IF NOT EXISTS entry_links (
      source_id TEXT NOT NULL,
      ordinal INTEGER NOT NULL,
      target_id TEXT,
      target_key TEXT NOT NULL,
      title TEXT NOT NULL,
      label TEXT,
      start_offset INTEGER NOT NULL,
      end_offset INTEGER NOT NULL,
      PRIMARY KEY (source_id, ordinal)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS entry_links_by_target ON entry_links (target_id) WHERE target_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS entry_links_by_key ON entry_links (target_key);
  `,
  tables: ['entry_links'],
  digestQueries: [`SELECT source_id, ordinal, target_id, target_key, title, label, start_offset, end_offset FROM entry_links ORDER BY source_id, ordinal`],
  createHandler: (db, states) => new LinksHandler(db, states),
  createStreamReplayer: (db) => {
    const handler = new LinksHandler(db);
    return { applyStream: ({ state }: MergedStream) => handler.write(state), finish: () => undefined } satisfies StreamReplayer;
  },
};

class LinksHandler implements ProjectionHandler {
  private readonly insert: Statement;
  private readonly remove: Statement;

  constructor(
    db: Database,
    private readonly states?: EntryStates,
  ) {
    this.insert = db.prepare(
      `INSERT INTO entry_links (source_id, ordinal, target_id, target_key, title, label, start_offset, end_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.remove = db.prepare(`DELETE FROM entry_links WHERE source_id = ?`);
  }

  apply(events: readonly RecordedEvent[]): void {
    const touched = entryIdsIn(events);
    for (const id of touched) this.write(this.states!.state(id));
  }

  /** Replaces the entry's rows with the links of its body now (none while it is deleted). */
  write(state: EntryState): void {
    this.remove.run(state.id);
    if (!state.exists || state.deleted || !state.body.includes('[[')) return;
    const resolved = state.links ?? {};
    parseLinks(state.body).forEach((link, ordinal) => {
      this.insert.run(state.id, ordinal, Object.hasOwn(resolved, link.key) ? resolved[link.key]! : null, link.key, link.title, link.label, link.start, link.end);
    });
  }
}
