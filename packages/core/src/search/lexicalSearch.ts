import type { Statement } from 'better-sqlite3';
import type { Database } from '../store/database.js';
import { chineseStopWords, englishStopWords } from './analyzer.js';
import { entryFilterSql } from './entryFilter.js';
import type { SearchQuery } from './queryParser.js';
import { bm25Weights } from './searchProjection.js';
import { TermScoreCache } from './termScores.js';

/** One entry found, through its best chunk. */
export interface EntryHit {
  readonly entryId: string;
  readonly chunkId: number;
  /** Higher is better; the scale depends on the list (BM25, cosine similarity, fused). */
  readonly score: number;
}

/** A chunk found, best first; `score` higher is better. */
export interface ChunkRow {
  readonly chunkId: number;
  readonly entryId: string;
  readonly score: number;
}

/** A page of chunks, and whether the index has no more beyond it. */
export interface ChunkPage {
  readonly rows: readonly ChunkRow[];
  readonly exhausted: boolean;
}

const rankFunction = `bm25(${bm25Weights.title}, ${bm25Weights.body}, ${bm25Weights.tags}, ${bm25Weights.pinyin})`;
const maxCandidates = 20_000;

/**
 * The FTS5 expression for a query: each term is a quoted string of analyzed characters (letters,
 * digits, marks, dots), so nothing typed can become FTS5 syntax. Words are alternatives (any may
 * match); phrases are required. Undefined when there is nothing to match.
 */
export function matchExpression(query: SearchQuery): string | undefined {
  const quote = (terms: readonly string[]) => `"${terms.join(' ')}"`;
  const any = query.terms.map((t) => quote([t])).join(' OR ');
  if (query.phrases.length === 0) return any || undefined;
  const all = query.phrases.map(quote).join(' AND ');
  // Phrases must match; the words still rank the entries that have them (`P AND (P OR words)`).
  return any ? `(${all}) AND (${query.phrases.map(quote).join(' OR ')} OR ${any})` : all;
}

/** An FTS5 expression matching any of the excluded words or phrases. */
export function exclusionExpression(query: SearchQuery): string | undefined {
  if (query.excluded.length === 0) return undefined;
  return query.excluded.map((terms) => `"${terms.join(' ')}"`).join(' OR ');
}

/**
 * Common-term pruning in large collections. FTS5 scores every row that matches any word, and a common
 * word matches a large share of a big collection (SciFact × 19, 100,000 chunks: a ten-word query
 * touches ~100,000 postings, ~1 µs each). From {@link largeCollection} chunks on, words found in more
 * than {@link commonTermShare} of the chunks are left out of the match when the query has rarer ones
 * (their IDF is small, so they move the ranking little). Measured (BENCHMARKS.md): the same rule
 * forced on the 5,183-document SciFact costs nDCG@10 0.706 → 0.676, and cuts the 100,000-chunk p95
 * by ~7×. Smaller collections get exact BM25 over every word.
 */
export const pruning = { largeCollection: 50_000, commonTermShare: 0.05 } as const;

/**
 * Words in at least this many chunks (and this share of them) are scored from {@link TermScoreCache}
 * when a query has them and its other words are in at most `maxRareRows` chunks together: exact BM25
 * over every word of the query, without FTS5 scoring each of their rows again. FTS5 costs ~1 µs a row
 * (it reads each row's column sizes); a kept word costs a few ns a row, or a lookup. At 100,000 chunks
 * (SciFact × 19) the words in ≥ 100 chunks are 6,600 and hold 11 M of the index's 11.6 M postings;
 * keeping them all rather than the 1,600 in ≥ 1,000 chunks made a query's median 3.2 → 2.0 ms.
 */
export const commonTerms = { minChunks: 100, share: 0.001, maxRareRows: 20_000 } as const;

/** BM25 search over chunks, one hit per entry (its best chunk), tag/kind/type filters in SQL. */
export class LexicalSearch {
  private readonly df = new Map<string, number>();
  private dfChunks = 0;
  private readonly countChunks: Statement;
  private readonly termDf: Statement;

  private readonly termScores: TermScoreCache;
  private counted = 0;
  private countedAt: string | undefined;
  /** The index version for the query in hand (see {@link search}). */
  private versionNow: string | undefined;
  /** Queries answered from kept common-word scores (for tests and metrics). */
  keptScoreQueries = 0;
  /** Common words whose scores queries would have used: computed in the background. */
  private readonly wanted = new Set<string>();
  private readonly entriesOfChunks: Statement;
  private readonly maxChunkId: Statement;

  constructor(
    private readonly db: Database,
    private readonly options: { largeCollection?: number; commonTermChunks?: number; version?: () => string } = {},
  ) {
    this.countChunks = db.prepare(`SELECT count(*) FROM search_chunks`).pluck();
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab USING fts5vocab(main, search_fts, 'row')`);
    this.termDf = db.prepare(`SELECT doc FROM temp.search_vocab WHERE term = ?`).pluck();
    this.termScores = new TermScoreCache(db, [bm25Weights.title, bm25Weights.body, bm25Weights.tags, bm25Weights.pinyin]);
    this.maxChunkId = db.prepare(`SELECT coalesce(max(id), 0) FROM search_chunks`).pluck();
    this.entriesOfChunks = db.prepare(`SELECT c.id, c.entry_id FROM json_each(?) j CROSS JOIN search_chunks c ON c.id = j.value`).raw();
  }

  /** How many chunks the index holds (counted once per index version: counting scans them all). */
  private chunkCount(): number {
    const version = this.versionNow ?? this.options.version?.();
    if (version === undefined || version !== this.countedAt) {
      this.counted = this.countChunks.get() as number;
      this.countedAt = version;
    }
    return this.counted;
  }

  /** How many chunks hold `term` (remembered until the collection grows or shrinks by a tenth). */
  private frequency(term: string): number {
    const chunks = this.chunkCount();
    if (Math.abs(chunks - this.dfChunks) > this.dfChunks / 10) {
      this.df.clear();
      this.dfChunks = chunks;
    }
    let df = this.df.get(term);
    if (df === undefined) {
      df = (this.termDf.get(term) as number | undefined) ?? 0;
      this.df.set(term, df);
    }
    return df;
  }

  /** The query's words minus the common ones, in a large collection (see {@link pruning}). */
  prune(query: SearchQuery): SearchQuery {
    if (query.terms.length < 2) return query;
    const chunks = this.chunkCount();
    if (chunks < (this.options.largeCollection ?? pruning.largeCollection)) return query;
    const frequency = (term: string) => this.frequency(term);
    const present = query.terms.filter((t) => frequency(t) > 0).sort((a, b) => frequency(a) - frequency(b));
    if (present.length === 0) return query;
    const rare = present.filter((t) => frequency(t) <= chunks * pruning.commonTermShare);
    return { ...query, terms: rare.length > 0 ? rare : present.slice(0, 1) };
  }

  search(fullQuery: SearchQuery, limit: number): EntryHit[] {
    // One query sees one index version: read it once, not for every word's frequency.
    this.versionNow = this.options.version?.();
    try {
      return this.searchNow(fullQuery, limit);
    } finally {
      this.versionNow = undefined;
    }
  }

  private searchNow(fullQuery: SearchQuery, limit: number): EntryHit[] {
    const common = this.searchWithCommonTerms(fullQuery, limit);
    if (common) return common;
    const query = this.prune(fullQuery);
    const match = matchExpression(query);
    if (match === undefined) return [];
    const excluded = this.excludedEntries(query);
    const filter = entryFilterSql(query);
    const statement = filter
      ? this.db.prepare(
          `SELECT f.rowid AS chunkId, c.entry_id AS entryId, -f.rank AS score
           FROM search_fts f JOIN search_chunks c ON c.id = f.rowid JOIN search_entries e ON e.entry_id = c.entry_id
           WHERE search_fts MATCH ? AND f.rank MATCH '${rankFunction}' AND ${filter.where}
           ORDER BY f.rank LIMIT ?`,
        )
      : this.db.prepare(
          `SELECT f.rowid AS chunkId, c.entry_id AS entryId, -f.rank AS score
           FROM (SELECT rowid, rank FROM search_fts WHERE search_fts MATCH ? AND rank MATCH '${rankFunction}' ORDER BY rank LIMIT ?) f
           JOIN search_chunks c ON c.id = f.rowid ORDER BY f.rank`,
        );
    return collectEntries(limit, excluded, (k) => {
      const rows = (filter ? statement.all(match, ...filter.params, k) : statement.all(match, k)) as ChunkRow[];
      return { rows, exhausted: rows.length < k };
    });
  }

  /**
   * Which live entries the query finds, by the same rules as a search — any of its words, every phrase, no excluded
   * word, the filters — without ranking, pruning or a limit: a saved search's alerts ask this of the entries that just
   * changed (each of their chunks checked by rowid, so the cost follows the entries asked about), and of the whole
   * index (`entryIds` undefined: one full-text query) when the search is saved.
   */
  matching(query: SearchQuery, entryIds: readonly string[] | undefined): Set<string> {
    const found = new Set<string>();
    const match = matchExpression(query);
    const filter = entryFilterSql(query);
    if (entryIds?.length === 0 || (match === undefined && !filter)) return found;
    const where = ['e.deleted = 0', ...(filter ? [filter.where] : [])].join(' AND ');
    let rows: string[];
    if (entryIds === undefined) {
      const sql =
        match === undefined
          ? `SELECT e.entry_id FROM search_entries e WHERE ${where}`
          : `SELECT DISTINCT e.entry_id FROM search_fts f JOIN search_chunks c ON c.id = f.rowid JOIN search_entries e ON e.entry_id = c.entry_id WHERE search_fts MATCH ? AND ${where}`;
      rows = this.db.prepare(sql).pluck().all(...(match === undefined ? [] : [match]), ...(filter?.params ?? [])) as string[];
    } else {
      const sql = `SELECT DISTINCT e.entry_id FROM json_each(?) j CROSS JOIN search_entries e ON e.entry_id = j.value WHERE ${where}
        ${match === undefined ? '' : `AND EXISTS (SELECT 1 FROM search_chunks c WHERE c.entry_id = e.entry_id AND EXISTS (SELECT 1 FROM search_fts f WHERE search_fts MATCH ? AND f.rowid = c.id))`}`;
      rows = this.db.prepare(sql).pluck().all(JSON.stringify(entryIds), ...(filter?.params ?? []), ...(match === undefined ? [] : [match])) as string[];
    }
    const excluded = this.excludedEntries(query);
    for (const id of rows) if (!excluded.has(id)) found.add(id);
    return found;
  }

  /**
   * Exact BM25 over all the words of a query that has common words, their scores taken from
   * {@link TermScoreCache}. Undefined when the query is not of that kind (no common word; phrases or
   * filters, which the FTS5 query handles) or a common word's scores are not computed yet for this
   * index version — it is then noted for {@link computeWanted} — unless that word is one the pruned
   * FTS5 query would leave out too: the query is then exact over its other words.
   */
  private searchWithCommonTerms(query: SearchQuery, limit: number): EntryHit[] | undefined {
    if (query.phrases.length > 0 || entryFilterSql(query) || query.terms.length === 0 || this.versionNow === undefined) return undefined;
    const common = query.terms.filter((term) => this.isCommon(term));
    if (common.length === 0) return undefined;
    this.termScores.sync(this.versionNow);
    const missing = common.filter((term) => !this.termScores.has(term));
    for (const term of missing) this.wanted.add(term);
    // A missing word the pruned FTS5 query would leave out anyway (see prune) is left out here too:
    // every other word still counts, exactly. Any other missing word sends the query to FTS5.
    if (missing.length > 0) {
      const prunedTerms = this.prune(query).terms;
      if (missing.some((term) => prunedTerms.includes(term))) return undefined;
    }
    const rare = query.terms.filter((term) => !common.includes(term) && this.frequency(term) > 0);
    const kept = common.filter((term) => !missing.includes(term));
    if (kept.length === 0 && rare.length === 0) return undefined;
    // The rare words' rows all come back from FTS5 with their scores (to add the kept ones exactly);
    // past a few thousand, the pruned FTS5 query below (ranked inside SQLite) is faster.
    if (rare.reduce((rows, term) => rows + this.frequency(term), 0) > commonTerms.maxRareRows) return undefined;
    this.keptScoreQueries++;
    return collectEntries(limit, this.excludedEntries(query), (k) => {
      const best = this.termScores.best(kept, rare, k);
      const entryOf = new Map(this.entriesOfChunks.all(JSON.stringify(best.map((b) => b.chunkId))) as [number, string][]);
      const rows: ChunkRow[] = [];
      for (const { chunkId, score } of best) {
        const entryId = entryOf.get(chunkId);
        if (entryId !== undefined) rows.push({ chunkId, entryId, score });
      }
      return { rows, exhausted: best.length < k };
    });
  }

  /** Chunks a word must be in to count as common here (see {@link commonTerms}). */
  private commonThreshold(): number {
    return Math.max(this.options.commonTermChunks ?? commonTerms.minChunks, this.chunkCount() * commonTerms.share);
  }

  private isCommon(term: string): boolean {
    return this.frequency(term) >= this.commonThreshold();
  }

  /** Whether common words wait for {@link computeWanted}. */
  get hasWanted(): boolean {
    return this.wanted.size > 0;
  }

  /**
   * Computes a slice of the scores of a common word that queries needed (or {@link wantAllCommonTerms}
   * asked for), for the current index version: a few milliseconds of work. Returns whether more waits.
   */
  computeWanted(): boolean {
    if (!this.options.version) return false;
    this.termScores.sync(this.options.version());
    for (const term of this.wanted) {
      const chunks = this.frequency(term);
      if (this.termScores.has(term) || !this.isCommon(term) || !this.termScores.hasRoomFor(chunks)) {
        this.wanted.delete(term);
        continue;
      }
      if (this.termScores.computeSlice(term, chunks, this.maxChunkId.get() as number)) this.wanted.delete(term);
      break;
    }
    return this.wanted.size > 0;
  }

  /** Notes the common words of the index, most frequent first, for {@link computeWanted} (a warm-up). */
  wantAllCommonTerms(): number {
    const terms = this.db.prepare(`SELECT term FROM temp.search_vocab WHERE doc >= ? ORDER BY doc DESC`).pluck().all(this.commonThreshold()) as string[];
    // Queries drop stop words (unless they have nothing else): the most frequent words, rarely needed.
    const wanted = terms.filter((term) => !englishStopWords.has(term) && !chineseStopWords.has(term));
    for (const term of wanted) this.wanted.add(term);
    return wanted.length;
  }

  /** Entries that contain an excluded word or phrase anywhere (in any chunk). */
  excludedEntries(query: SearchQuery): ReadonlySet<string> {
    const expression = exclusionExpression(query);
    if (expression === undefined) return new Set();
    const rows = this.db
      .prepare(`SELECT DISTINCT c.entry_id FROM search_fts f JOIN search_chunks c ON c.id = f.rowid WHERE search_fts MATCH ?`)
      .pluck()
      .all(expression) as string[];
    return new Set(rows);
  }
}

/**
 * Fetches chunks best-first until `limit` distinct entries (not excluded) are found or the index has
 * no more, keeping each entry's best chunk.
 */
export function collectEntries(limit: number, excluded: ReadonlySet<string>, fetch: (k: number) => ChunkPage, firstK = limit * 3 + 20): EntryHit[] {
  let k = Math.min(maxCandidates, firstK + excluded.size);
  for (;;) {
    const page = fetch(k);
    const best = new Map<string, EntryHit>();
    for (const row of page.rows) {
      if (excluded.has(row.entryId) || best.has(row.entryId)) continue;
      best.set(row.entryId, { entryId: row.entryId, chunkId: row.chunkId, score: row.score });
    }
    if (best.size >= limit || page.exhausted || k >= maxCandidates) return [...best.values()].slice(0, limit);
    k = Math.min(maxCandidates, k * 4);
  }
}
