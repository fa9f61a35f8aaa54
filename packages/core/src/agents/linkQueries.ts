import type { Statement } from 'better-sqlite3';
import type { EntryKind } from '../domain/entry/events.js';
import { linkKey } from '../domain/entry/links.js';
import type { Database } from '../store/database.js';
import { contextAround, findMentions, mentionable } from './mentions.js';

/** A piece of text around a link or a mention. */
export interface TextContext {
  readonly before: string;
  readonly match: string;
  readonly after: string;
}

/** A link in an entry's body and where it leads now. */
export interface LinkView {
  readonly start: number;
  readonly end: number;
  /** The title as written. */
  readonly title: string;
  readonly label: string | null;
  /** The entry it leads to (the one recorded when written while it is live, else the live entry with that title now); null: missing. */
  readonly targetId: string | null;
  /** That entry's title now. */
  readonly targetTitle: string | null;
  /** No live entry: following it creates one with this title. */
  readonly missing: boolean;
}

/** An entry that links to this one. */
export interface BacklinkView {
  readonly entryId: string;
  readonly title: string;
  readonly kind: EntryKind;
  /** Each link, with the text around it. */
  readonly links: readonly (TextContext & { readonly start: number; readonly end: number })[];
}

/** An entry that mentions this one's title without linking it. */
export interface MentionView {
  readonly entryId: string;
  readonly title: string;
  readonly kind: EntryKind;
  /** Where: the note's body (which "Link" edits), or a document's extracted text (which cannot be edited). */
  readonly source: 'body' | 'text';
  /** The first mention. */
  readonly start: number;
  readonly end: number;
  readonly context: TextContext;
  /** How many plain mentions that text has. */
  readonly count: number;
  /** Whether `linkMention` can turn it into a link (mentions in a body can; in extracted text, not). */
  readonly linkable: boolean;
}

export interface EntryLinksView {
  readonly entryId: string;
  readonly links: readonly LinkView[];
  readonly backlinks: readonly BacklinkView[];
  readonly mentions: readonly MentionView[];
}

/** Entry ids whose indexed text may hold these words (the search index; analyzed, so Chinese works). */
export type MentionCandidates = (title: string, limit: number) => readonly string[];

interface EntryRow {
  id: string;
  title: string;
  kind: EntryKind;
  body: string;
  deleted: number;
}

/** How many candidate entries the search index is asked for when looking for an entry's unlinked mentions. */
export const mentionCandidateLimit = 200;

/**
 * Link resolution and queries over the `entry_links` read model. Titles are looked up here, at query time, and by the
 * command handler when an edit is decided (the ids it finds go into the event): never by the projection.
 */
export class LinkQueries {
  private readonly byTitles: Statement;
  private readonly entry: Statement;
  private readonly outgoing: Statement;
  private readonly incoming: Statement;
  private readonly linking: Statement;

  constructor(private readonly db: Database) {
    // Through the index on lower(title). SQLite's lower() folds ASCII only, so the title as written is asked for folded
    // that way too (an exact spelling of a non-ASCII title), and every row found is checked by linkKey.
    this.byTitles = db.prepare(`SELECT id, title, deleted FROM entries WHERE lower(title) IN (SELECT value FROM json_each(?)) ORDER BY id`);
    this.entry = db.prepare(`SELECT id, title, kind, body, deleted FROM entries WHERE id = ?`);
    this.outgoing = db.prepare(`SELECT target_id, title, label, start_offset, end_offset FROM entry_links WHERE source_id = ? ORDER BY ordinal`);
    this.incoming = db.prepare(
      `SELECT source_id, start_offset, end_offset, 1 AS by_id FROM entry_links WHERE target_id = ?
       UNION ALL SELECT source_id, start_offset, end_offset, 0 AS by_id FROM entry_links
         WHERE target_key = ? AND (target_id IS NULL OR target_id NOT IN (SELECT id FROM entries WHERE deleted = 0))
       ORDER BY source_id, start_offset`,
    );
    this.linking = db.prepare(`SELECT source_id FROM entry_links WHERE target_id = ? UNION SELECT source_id FROM entry_links WHERE target_key = ?`).pluck();
  }

  /**
   * The live entries the titles name now, by link key: of several with one title, the oldest (the smallest id). What
   * the command handler records in an edit's `links`.
   */
  resolve(titles: readonly string[]): Record<string, string> {
    if (titles.length === 0) return {};
    const keys = [...new Set(titles.map(linkKey))];
    const asciiFolded = titles.map((title) => title.normalize('NFC').replace(/\s+/gu, ' ').trim().replace(/[A-Z]/gu, (c) => c.toLowerCase()));
    const wanted = new Set(keys);
    const found: Record<string, string> = {};
    for (const row of this.byTitles.all(JSON.stringify([...new Set([...keys, ...asciiFolded])])) as { id: string; title: string; deleted: number }[]) {
      const key = linkKey(row.title);
      if (row.deleted === 0 && wanted.has(key) && !Object.hasOwn(found, key)) found[key] = row.id;
    }
    return found;
  }

  /** The current titles of entries (deleted ones too): id → title. */
  titles(ids: Iterable<string>): Record<string, string> {
    const titles: Record<string, string> = {};
    for (const id of new Set(ids)) {
      const row = this.entry.get(id) as EntryRow | undefined;
      if (row) titles[id] = row.title;
    }
    return titles;
  }

  /** A live entry's id, title and kind, or undefined. */
  live(id: string): { id: string; title: string; kind: EntryKind; body: string } | undefined {
    const row = this.entry.get(id) as EntryRow | undefined;
    return row && row.deleted === 0 ? row : undefined;
  }

  /** The links of an entry's body and where each leads now. */
  links(entryId: string): LinkView[] {
    const rows = this.outgoing.all(entryId) as { target_id: string | null; title: string; label: string | null; start_offset: number; end_offset: number }[];
    const recorded = new Map(rows.map((row) => [row.target_id, row.target_id === null ? undefined : this.live(row.target_id)]));
    // A link leads to the entry it recorded while that is live, else to the live entry with its title now.
    const byTitle = this.resolve(rows.filter((row) => !recorded.get(row.target_id)).map((row) => row.title));
    return rows.map((row) => {
      const target = recorded.get(row.target_id) ?? this.live(byTitle[linkKey(row.title)] ?? '');
      return { start: row.start_offset, end: row.end_offset, title: row.title, label: row.label, targetId: target ? target.id : null, targetTitle: target?.title ?? null, missing: !target };
    });
  }

  /**
   * The live entries linking to this one: by its id (recorded when the link was written), or — links written before
   * it existed, or whose recorded entry was deleted — by its title now.
   */
  backlinks(entryId: string): BacklinkView[] {
    const target = this.live(entryId);
    if (!target) return [];
    const rows = this.incoming.all(entryId, linkKey(target.title)) as { source_id: string; start_offset: number; end_offset: number; by_id: number }[];
    // A link that resolved to nothing when written leads to the entry its title names now: of several, the oldest.
    const ownsTitle = rows.some((row) => row.by_id === 0) && this.resolve([target.title])[linkKey(target.title)] === entryId;
    const bySource = new Map<string, { start: number; end: number }[]>();
    for (const row of rows) {
      if (row.by_id === 0 && !ownsTitle) continue;
      bySource.set(row.source_id, [...(bySource.get(row.source_id) ?? []), { start: row.start_offset, end: row.end_offset }]);
    }
    const backlinks: BacklinkView[] = [];
    for (const [sourceId, spans] of bySource) {
      const source = this.live(sourceId);
      if (!source) continue;
      backlinks.push({ entryId: sourceId, title: source.title, kind: source.kind, links: spans.map((span) => ({ ...span, ...contextAround(source.body, span.start, span.end) })) });
    }
    return backlinks.sort((a, b) => a.title.localeCompare(b.title) || a.entryId.localeCompare(b.entryId));
  }

  /**
   * Other live entries whose text holds this one's title outside a link, found through the search index (candidates)
   * and checked exactly (findMentions). Entries already linking here are backlinks, not mentions; `dismissed` are
   * mentioning entries a person chose not to be shown.
   */
  mentions(entryId: string, candidates: MentionCandidates, readText: (entryId: string) => string | undefined, dismissed: ReadonlySet<string>): MentionView[] {
    const target = this.live(entryId);
    if (!target || !mentionable(target.title)) return [];
    const linking = new Set(this.linking.all(entryId, linkKey(target.title)) as string[]);
    const mentions: MentionView[] = [];
    for (const id of candidates(target.title, mentionCandidateLimit)) {
      if (id === entryId || linking.has(id) || dismissed.has(id)) continue;
      const source = this.live(id);
      if (!source) continue;
      const inBody = findMentions(source.body, target.title);
      const text = inBody.length > 0 ? undefined : readText(id);
      const found = inBody.length > 0 ? inBody : text === undefined ? [] : findMentions(text, target.title);
      const first = found[0];
      if (!first) continue;
      const where = inBody.length > 0 ? source.body : text!;
      mentions.push({
        entryId: id,
        title: source.title,
        kind: source.kind,
        source: inBody.length > 0 ? 'body' : 'text',
        start: first.start,
        end: first.end,
        context: contextAround(where, first.start, first.end),
        count: found.length,
        linkable: inBody.length > 0,
      });
    }
    return mentions.sort((a, b) => a.title.localeCompare(b.title) || a.entryId.localeCompare(b.entryId));
  }
}
