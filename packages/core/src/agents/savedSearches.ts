import type { Statement } from 'better-sqlite3';
import type { EntryKind } from '../domain/entry/events.js';
import { NotFoundError, ValidationError } from '../errors/cairnError.js';
import type { SearchMode } from '../search/searchViews.js';
import type { Database } from '../store/database.js';

/** A query (with its filters) a person saved, and whether new matches should alert them. */
export interface SavedSearch {
  readonly id: string;
  readonly name: string;
  readonly query: string;
  readonly mode: SearchMode | null;
  readonly tag: string | null;
  readonly kind: EntryKind | null;
  readonly type: string | null;
  readonly alerts: boolean;
  readonly createdAt: number;
}

export type SavedSearchInput = Omit<SavedSearch, 'id' | 'createdAt'>;

/** A saved search found an entry it had not found before. */
export interface SavedSearchAlert {
  readonly searchId: string;
  readonly name: string;
  readonly entryId: string;
  readonly title: string;
}

/** What alerts need of search: which of some entries (undefined: of all) a saved search finds by its words and filters. */
export type AlertMatcher = (search: SavedSearch, entryIds: readonly string[] | undefined) => ReadonlySet<string>;

export const savedSearchLimits = { nameMaxChars: 200, queryMaxChars: 2_000, searches: 200 } as const;

interface Row {
  id: string;
  name: string;
  query: string;
  mode: SearchMode | null;
  tag: string | null;
  kind: EntryKind | null;
  type: string | null;
  alerts: number;
  created_at: number;
}

/**
 * Saved searches and their alerts, this device's (schema migration 4; beside the log like dismissed suggestions:
 * they are how one person looks at the knowledge base, not knowledge, and a team's members each keep their own).
 *
 * Alerts: after the search index catches up, the entries changed since a search's checkpoint (new ones, edited ones,
 * ones that came with a sync) are checked against each search that asked for alerts, by its words and filters; an entry
 * it finds that it never found before alerts once (`saved_search_hits` remembers it). The entries a search finds when it
 * is saved are remembered without alerting: they are not new.
 */
export class SavedSearches {
  private readonly all: Statement;
  private readonly byId: Statement;
  private readonly insert: Statement;
  private readonly remove: Statement;
  private readonly removeHits: Statement;
  private readonly withAlerts: Statement;
  private readonly changedSince: Statement;
  private readonly titleOf: Statement;
  private readonly remember: Statement;
  private readonly setChecked: Statement;
  private readonly head: Statement;

  constructor(private readonly db: Database) {
    this.all = db.prepare(`SELECT * FROM saved_searches ORDER BY created_at, id`);
    this.byId = db.prepare(`SELECT * FROM saved_searches WHERE id = ?`);
    this.insert = db.prepare(
      `INSERT INTO saved_searches (id, name, query, mode, tag, kind, type, alerts, created_at, checked_position) VALUES (@id, @name, @query, @mode, @tag, @kind, @type, @alerts, @createdAt, @checked)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, query = excluded.query, mode = excluded.mode, tag = excluded.tag, kind = excluded.kind, type = excluded.type, alerts = excluded.alerts, checked_position = excluded.checked_position`,
    );
    this.remove = db.prepare(`DELETE FROM saved_searches WHERE id = ?`);
    this.removeHits = db.prepare(`DELETE FROM saved_search_hits WHERE search_id = ?`);
    this.withAlerts = db.prepare(`SELECT *, checked_position FROM saved_searches WHERE alerts = 1 AND checked_position < ? ORDER BY created_at, id`);
    this.changedSince = db.prepare(`SELECT DISTINCT aggregate_id FROM events WHERE position > ? AND position <= ? AND aggregate_type = 'entry'`).pluck();
    this.titleOf = db.prepare(`SELECT title FROM entries WHERE id = ?`).pluck();
    this.remember = db.prepare(`INSERT OR IGNORE INTO saved_search_hits (search_id, entry_id, alerted) VALUES (?, ?, ?)`);
    this.setChecked = db.prepare(`UPDATE saved_searches SET checked_position = ? WHERE id = ?`);
    this.head = db.prepare(`SELECT coalesce(max(position), 0) FROM events`).pluck();
  }

  list(): SavedSearch[] {
    return (this.all.all() as Row[]).map(toSavedSearch);
  }

  get(id: string): SavedSearch {
    const row = this.byId.get(id) as Row | undefined;
    if (!row) throw new NotFoundError(`no saved search with id ${id}`, { id });
    return toSavedSearch(row);
  }

  /**
   * Saves a new search (or changes one, by id). What it finds when saved is not news: those entries never alert (nor,
   * when a changed query finds them, do they alert again).
   */
  save(id: string, input: SavedSearchInput, matcher: AlertMatcher, now = Date.now()): SavedSearch {
    const checked = validate(input);
    const before = this.byId.get(id) as Row | undefined;
    if (!before && this.list().length >= savedSearchLimits.searches) throw new ValidationError(`at most ${savedSearchLimits.searches} searches can be saved`);
    const search: SavedSearch = { ...checked, id, createdAt: before?.created_at ?? now };
    const head = this.head.get() as number;
    this.db.transaction(() => {
      const current = matcher(search, undefined);
      this.insert.run({ ...search, alerts: search.alerts ? 1 : 0, checked: head });
      for (const entryId of current) this.remember.run(id, entryId, 0);
    })();
    return search;
  }

  delete(id: string): void {
    this.get(id);
    this.db.transaction(() => {
      this.removeHits.run(id);
      this.remove.run(id);
    })();
  }

  /** Whether a search that alerts has not looked at the newest events yet. */
  behind(): boolean {
    return this.withAlerts.get(this.head.get()) !== undefined;
  }

  /** The alerts of the entries changed since each alerting search last looked, up to the head; each entry alerts once per search. */
  check(matcher: AlertMatcher): SavedSearchAlert[] {
    const head = this.head.get() as number;
    const alerts: SavedSearchAlert[] = [];
    for (const row of this.withAlerts.all(head) as (Row & { checked_position: number })[]) {
      const search = toSavedSearch(row);
      const changed = this.changedSince.all(row.checked_position, head) as string[];
      const found = matcher(search, changed);
      this.db.transaction(() => {
        for (const entryId of found) {
          if (this.remember.run(search.id, entryId, 1).changes === 0) continue; // found before
          alerts.push({ searchId: search.id, name: search.name, entryId, title: (this.titleOf.get(entryId) as string | undefined) ?? '' });
        }
        this.setChecked.run(head, search.id);
      })();
    }
    return alerts;
  }
}

function validate(input: SavedSearchInput): SavedSearchInput {
  const name = input.name.trim();
  if (name === '' || name.length > savedSearchLimits.nameMaxChars) throw new ValidationError(`a saved search needs a name of 1 to ${savedSearchLimits.nameMaxChars} characters`);
  if (input.query.length > savedSearchLimits.queryMaxChars) throw new ValidationError(`a saved query has at most ${savedSearchLimits.queryMaxChars} characters`);
  if (input.query.trim() === '' && input.tag === null && input.kind === null && input.type === null) throw new ValidationError('a saved search needs words or a filter to search for');
  return { ...input, name };
}

function toSavedSearch(row: Row): SavedSearch {
  return { id: row.id, name: row.name, query: row.query, mode: row.mode, tag: row.tag, kind: row.kind, type: row.type, alerts: row.alerts === 1, createdAt: row.created_at };
}
