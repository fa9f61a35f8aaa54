import type { Statement } from 'better-sqlite3';
import type { EntryKind } from '../domain/entry/events.js';
import { NotFoundError } from '../errors/cairnError.js';
import type { Database } from '../store/database.js';
import { analyze, analyzeMatching, chineseStopWords, hasCjk } from '../search/analyzer.js';
import { reciprocalRankFusion, type RankedList } from '../search/fusion.js';
import type { EntryHit } from '../search/lexicalSearch.js';
import type { SearchQuery } from '../search/queryParser.js';
import type { SearchService } from '../search/searchService.js';
import type { Dismissals } from './dismissals.js';

/** A word that sets an entry apart: its analyzed term, the word as the entry writes it most often, and its TF-IDF. */
export interface DistinctiveTerm {
  readonly term: string;
  readonly word: string;
  readonly weight: number;
}

/** An entry related to another, and why. */
export interface RelatedEntry {
  readonly entryId: string;
  readonly title: string;
  readonly kind: EntryKind;
  /** The fused score (reciprocal rank fusion of the word and meaning lists); higher is closer. */
  readonly score: number;
  /** The entry's distinctive words this one has too (as the first entry writes them), most distinctive first. */
  readonly sharedTerms: string[];
  /** Which lists found it: by words, by meaning (chunk vectors), or both. */
  readonly foundBy: ('words' | 'meaning')[];
}

export interface RelatedView {
  readonly entryId: string;
  readonly results: RelatedEntry[];
  /** True when the entry's chunk vectors were searched too (a model is ready and its chunks are embedded). */
  readonly usedVectors: boolean;
}

export const defaultRelatedLimit = 8;
export const maxRelatedLimit = 100;

/**
 * The tuning of related entries (CONTEXT.md, "Agents: related entries"): how many of an entry's words it is searched
 * by, how much of its text is read, and what a candidate must reach to count as related rather than merely sharing a
 * word.
 */
export const relatedTuning = {
  /** The entry's most distinctive words searched for (OR, BM25). */
  queryTerms: 10,
  /** Words kept as the entry's keywords (tag suggestions match against them). */
  keywords: 30,
  /** The text of at most this many chunks (and characters) is analyzed. */
  maxChunks: 40,
  maxChars: 40_000,
  /** Each list is this deep before fusion: `limit` times this, at least {@link relatedTuning.minDepth}. */
  depthFactor: 2,
  minDepth: 20,
  /** The list by meaning holds `limit` plus this many entries (the entry itself among them). */
  meaningExtra: 2,
  /** A candidate found by words must score at least this share of the entry's own best chunk's score… */
  minScoreShare: 0.15,
  /** …and share at least this many of its words (fewer when the entry has fewer). */
  minSharedTerms: 2,
  /** A candidate found by meaning only must be at least this similar (cosine) to the entry's mean chunk vector. */
  minSimilarity: 0.75,
} as const;

interface EntryRow {
  entry_id: string;
  title: string;
  kind: EntryKind;
}

interface ChunkRow {
  id: number;
  text: string;
  input_hash: string;
}

/** A word worth weighing: not a stop word, not a lone character or digit run. */
function isContentTerm(term: string, cjk: boolean, stop: boolean): boolean {
  if (stop || chineseStopWords.has(term)) return false;
  if (/^[\p{N}.]+$/u.test(term)) return false;
  return cjk ? [...term].length >= 2 : term.length >= 3;
}

/**
 * Counts of an entry's content words over its title and chunks: term frequency (the title counted twice), the
 * chunks each is in, and the word as written most often.
 */
export function termCounts(title: string, chunks: readonly string[]): Map<string, { tf: number; chunks: number; forms: Map<string, number> }> {
  const counts = new Map<string, { tf: number; chunks: number; forms: Map<string, number> }>();
  const titleTerms = new Set<string>();
  const add = (text: string, weight: number, seen: Set<string>) => {
    for (const token of analyze(text)) {
      if (!isContentTerm(token.term, token.cjk, token.stop)) continue;
      let count = counts.get(token.term);
      if (!count) counts.set(token.term, (count = { tf: 0, chunks: 0, forms: new Map() }));
      count.tf += weight;
      const form = text.slice(token.start, token.end).normalize('NFKC').toLowerCase();
      count.forms.set(form, (count.forms.get(form) ?? 0) + 1);
      seen.add(token.term);
    }
  };
  add(title, 2, titleTerms);
  for (const text of chunks) {
    const seen = new Set<string>();
    add(text, 1, seen);
    for (const term of seen) counts.get(term)!.chunks++;
  }
  // A title word is in every chunk's title column.
  for (const term of titleTerms) counts.get(term)!.chunks = Math.max(1, chunks.length);
  return counts;
}

/**
 * The words that set an entry apart, by TF-IDF: (1 + ln tf) · ln(N / df), N the chunks in the index and df the
 * chunks holding the word (FTS5's own counts). Words no other chunk has are left out (they cannot find another
 * entry), and so are words every chunk has (weight 0).
 */
export function rankTerms(
  counts: ReturnType<typeof termCounts>,
  documentFrequency: (term: string) => number,
  totalChunks: number,
): DistinctiveTerm[] {
  const ranked: DistinctiveTerm[] = [];
  for (const [term, { tf, chunks, forms }] of counts) {
    const df = documentFrequency(term);
    if (df - chunks <= 0) continue;
    const weight = (1 + Math.log(tf)) * Math.log(Math.max(totalChunks, df) / df);
    if (weight <= 0) continue;
    const word = [...forms].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    ranked.push({ term, word, weight });
  }
  return ranked.sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1));
}

/** Words whose document frequency is kept at most (~20 MB). */
const maxKeptFrequencies = 200_000;

function termQuery(terms: readonly string[]): SearchQuery {
  return { terms, phrases: [], excluded: [], tags: [], excludedTags: [], kinds: [], types: [], semanticText: '', notices: [] };
}

/**
 * Related entries ("see also") and an entry's distinctive words, computed when asked from the search index — no
 * read model of its own (CONTEXT.md says why): the entry's most distinctive words are searched for (BM25), its chunk
 * vectors' mean is searched among the vectors when a model is ready, and the two lists are fused (RRF).
 */
export class RelatedEntries {
  private readonly entry: Statement;
  private readonly chunks: Statement;
  private readonly chunkText: Statement;
  private readonly entries: Statement;
  private readonly termDf: Statement;
  private readonly chunkCount: Statement;
  private readonly checkpoint: Statement;
  private counted: { at: number; chunks: number } | undefined;
  /**
   * Document frequencies already looked up, kept until the index grows or shrinks by a tenth (as LexicalSearch keeps
   * its own): FTS5's vocabulary table counts a word's chunks by walking its whole posting list, ~1 ms for a word in
   * every chunk of 100,000, and an entry has hundreds of words.
   */
  private readonly df = new Map<string, number>();
  private dfChunks = 0;
  private range: Statement | undefined;

  constructor(
    private readonly db: Database,
    private readonly search: SearchService,
    private readonly dismissals: Dismissals,
    private readonly catchUp: () => void,
  ) {
    this.entry = db.prepare(`SELECT entry_id, title, kind, deleted FROM search_entries WHERE entry_id = ?`);
    this.chunks = db.prepare(`SELECT id, text, input_hash FROM search_chunks WHERE entry_id = ? ORDER BY ord LIMIT ?`);
    this.chunkText = db.prepare(`SELECT text FROM search_chunks WHERE id = ?`).pluck();
    // Only the columns before the body: the ones after it are read through the row's overflow pages.
    this.entries = db.prepare(`SELECT e.entry_id, e.title, e.kind FROM json_each(?) j CROSS JOIN search_entries e ON e.entry_id = j.value`);
    // The search service made this vocabulary table on the connection (temp schema), for the same use.
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab USING fts5vocab(main, search_fts, 'row')`);
    this.termDf = db.prepare(`SELECT doc FROM temp.search_vocab WHERE term = ?`).pluck();
    this.chunkCount = db.prepare(`SELECT count(*) FROM search_chunks`).pluck();
    this.checkpoint = db.prepare(`SELECT position FROM checkpoints WHERE name = 'search'`).pluck();
  }

  /**
   * Looks up the document frequency of every word in the index ahead of use, a slice of words per turn of the event
   * loop (what `cairn serve` does a few seconds after it starts): a first `related()` then pays no walk of a common
   * word's postings. Returns how many words are known; stops early when `keepGoing` says so.
   */
  async warmUp(keepGoing: () => boolean = () => true, slice = 2_000): Promise<number> {
    const total = this.totalChunks();
    if (Math.abs(total - this.dfChunks) > this.dfChunks / 10) {
      this.df.clear();
      this.dfChunks = total;
    }
    this.range ??= this.db.prepare(`SELECT term, doc FROM temp.search_vocab WHERE term > ? ORDER BY term LIMIT ?`).raw();
    let after = '';
    for (;;) {
      if (!keepGoing()) break;
      const rows = this.range.all(after, slice) as [string, number][];
      for (const [term, doc] of rows) this.df.set(term, doc);
      if (rows.length < slice || this.df.size > maxKeptFrequencies) break;
      after = rows[rows.length - 1]![0];
      await new Promise((resolve) => setImmediate(resolve));
    }
    return this.df.size;
  }

  /** The entry's most distinctive words, most distinctive first (at most {@link relatedTuning.keywords}). */
  keywords(entryId: string): DistinctiveTerm[] {
    this.catchUp();
    return this.distinctive(this.liveEntry(entryId), this.readChunks(entryId)).slice(0, relatedTuning.keywords);
  }

  related(entryId: string, limit = defaultRelatedLimit): RelatedView {
    this.catchUp();
    const entry = this.liveEntry(entryId);
    const chunks = this.readChunks(entryId);
    const terms = this.distinctive(entry, chunks).slice(0, relatedTuning.queryTerms);
    const dismissed = this.dismissals.dismissed(entryId, 'related');
    const skip = (id: string) => id === entryId || dismissed.has(id);
    const lists: RankedList[] = [];

    const depth = Math.max(limit * relatedTuning.depthFactor, relatedTuning.minDepth);
    const byWords = terms.length > 0 ? this.search.lexicalEntries(termQuery(terms.map((t) => t.term)), depth + 1) : [];
    const own = byWords.find((hit) => hit.entryId === entryId)?.score ?? byWords[0]?.score ?? 0;
    const shared = new Map<string, string[]>();
    const needShared = Math.min(relatedTuning.minSharedTerms, terms.length);
    const wordHits: EntryHit[] = [];
    for (const hit of byWords) {
      if (skip(hit.entryId) || hit.score < own * relatedTuning.minScoreShare) continue;
      // The best chunk first; the title (a row read, its columns ahead of the body) only when that is not enough.
      let words = this.sharedWords(hit.chunkId, '', terms);
      if (words.length < needShared) words = this.sharedWords(hit.chunkId, this.rowsOf([hit.entryId]).get(hit.entryId)?.title ?? '', terms);
      if (words.length < needShared) continue;
      shared.set(hit.entryId, words);
      wordHits.push(hit);
    }
    lists.push({ name: 'words', hits: wordHits, weight: 1 });

    const vectors = this.search.vectorsOf(chunks.map((c) => c.input_hash));
    if (vectors) {
      // Shallower than the word list: a KNN costs in proportion to how many neighbours it is asked for, and the nearest
      // chunks are mostly the entry's own and its closest neighbours' (several chunks each).
      const found = this.search.nearestEntries(meanVector(vectors), termQuery([]), limit + relatedTuning.meaningExtra);
      const meaningHits = found.filter((hit) => !skip(hit.entryId) && (shared.has(hit.entryId) || hit.score >= relatedTuning.minSimilarity));
      lists.push({ name: 'meaning', hits: meaningHits, weight: this.search.semanticWeight() });
    }

    const fused = reciprocalRankFusion(lists, limit);
    const rows = this.rowsOf(fused.map((f) => f.entryId));
    const results: RelatedEntry[] = [];
    for (const hit of fused) {
      // Deleted entries have no chunks in the index, so no list finds them.
      const row = rows.get(hit.entryId);
      if (!row) continue;
      results.push({
        entryId: hit.entryId,
        title: row.title,
        kind: row.kind,
        score: hit.score,
        sharedTerms: shared.get(hit.entryId) ?? [],
        foundBy: (['words', 'meaning'] as const).filter((name) => hit.ranks[name] !== undefined),
      });
    }
    return { entryId, results, usedVectors: vectors !== undefined };
  }

  /** The entry as the search index has it; deleted and unknown entries have no related entries. */
  private liveEntry(entryId: string): EntryRow {
    const row = this.entry.get(entryId) as (EntryRow & { deleted: number }) | undefined;
    if (!row || row.deleted) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
    return row;
  }

  private readChunks(entryId: string): ChunkRow[] {
    const rows = this.chunks.all(entryId, relatedTuning.maxChunks) as ChunkRow[];
    let chars = 0;
    const kept: ChunkRow[] = [];
    for (const row of rows) {
      if (chars >= relatedTuning.maxChars) break;
      kept.push(row);
      chars += row.text.length;
    }
    return kept;
  }

  private distinctive(entry: EntryRow, chunks: readonly ChunkRow[]): DistinctiveTerm[] {
    const counts = termCounts(entry.title, chunks.map((c) => c.text));
    const total = this.totalChunks();
    if (Math.abs(total - this.dfChunks) > this.dfChunks / 10 || this.df.size > maxKeptFrequencies) {
      this.df.clear();
      this.dfChunks = total;
    }
    return rankTerms(counts, (term) => this.frequency(term), total);
  }

  private frequency(term: string): number {
    let df = this.df.get(term);
    if (df === undefined) {
      df = (this.termDf.get(term) as number | undefined) ?? 0;
      this.df.set(term, df);
    }
    return df;
  }

  /** The chunks in the index, counted once per change of the index. */
  private totalChunks(): number {
    const at = (this.checkpoint.get() as number | undefined) ?? 0;
    if (this.counted?.at !== at) this.counted = { at, chunks: this.chunkCount.get() as number };
    return this.counted.chunks;
  }

  private rowsOf(entryIds: readonly string[]): Map<string, EntryRow> {
    if (entryIds.length === 0) return new Map();
    return new Map((this.entries.all(JSON.stringify(entryIds)) as EntryRow[]).map((row) => [row.entry_id, row]));
  }

  /** Which of `terms` a candidate's title and best chunk have, as the first entry writes them. */
  private sharedWords(chunkId: number, title: string, terms: readonly DistinctiveTerm[]): string[] {
    const text = (this.chunkText.get(chunkId) as string | undefined) ?? '';
    const wanted = new Set(terms.map((t) => t.term));
    // Without CJK, only the words that begin like one of the terms are analyzed (analyzeMatching).
    const tokens = (s: string) => (hasCjk(s) ? analyze(s) : analyzeMatching(s, wanted));
    const present = new Set([...tokens(title), ...tokens(text)].map((t) => t.term));
    return terms.filter((t) => present.has(t.term)).map((t) => t.word);
  }
}

/** The normalized mean of unit vectors: what an entry of several chunks is about as a whole. */
function meanVector(vectors: readonly Float32Array[]): Float32Array {
  const mean = new Float32Array(vectors[0]!.length);
  for (const vector of vectors) for (let i = 0; i < mean.length; i++) mean[i]! += vector[i]!;
  let norm = 0;
  for (let i = 0; i < mean.length; i++) norm += mean[i]! * mean[i]!;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < mean.length; i++) mean[i]! /= norm;
  return mean;
}
