import type { Statement } from 'better-sqlite3';
import type { Database } from '../store/database.js';

/** Every chunk a term is in, with the term's BM25 contribution to that chunk's score. */
interface TermScores {
  readonly term: string;
  readonly chunkIds: Int32Array;
  readonly scores: Float32Array;
  /** The highest contribution: what the word can add to any chunk's score at most. */
  readonly max: number;
}

/** A chunk and its score (higher is better). */
export interface ScoredChunk {
  readonly chunkId: number;
  readonly score: number;
}

/**
 * Exact BM25 for queries with common words, without FTS5 scoring every chunk they are in.
 *
 * FTS5 ranks by scoring every row that matches (about a microsecond a row), so a word found in tens of
 * thousands of chunks costs tens of milliseconds a query. But FTS5's BM25 is a sum over the query's
 * words of a per-word contribution that depends only on the word and the chunk (its frequency in each
 * column, the chunk's length, the collection's size and average length). So the contributions of a
 * common word are computed once — by FTS5 itself, querying the word alone — and kept in memory for as
 * long as the index does not change (its version — the search checkpoint and the id of the index incarnation — is
 * given to {@link TermScoreCache.sync}). A query then
 * adds the kept contributions of its common words to FTS5's scores of its rare words (few rows):
 * the same scores as one FTS5 query over all its words, in a fraction of the time.
 *
 * Any change to the index drops everything kept. Computing a word's contributions costs about twice
 * what one FTS5 query with it costs, so it is done in the background, in slices of chunk ids (see
 * LexicalSearch), never while a query waits: until it is done, queries with the word run through FTS5
 * as before.
 */
export class TermScoreCache {
  /** Queries {@link best} answered without walking every kept word's list (for tests and metrics). */
  maxScoreQueries = 0;
  private readonly terms = new Map<string, TermScores>();
  private version: string | undefined;
  private heldPostings = 0;
  /** Per chunk id: the score being summed for the current query (reused between queries). */
  private sums = new Float64Array(0);
  private readonly touched: number[] = [];
  /** Per chunk id: the partial sums of {@link candidatesOutside} (all zero between calls). */
  private outsideSums = new Float64Array(0);
  private statement: Statement | undefined;
  private rareStatement: Statement | undefined;
  /** The word being computed, slice by slice. */
  private partial: { term: string; from: number; count: number; ids: Int32Array; scores: Float32Array } | undefined;

  constructor(
    private readonly db: Database,
    /** BM25 column weights, in the FTS table's column order. */
    private readonly weights: readonly number[],
    /**
     * `maxPostings`: how many contributions to keep at most (8 bytes each, ~96 MB); `shortList`: lists up
     * to this long are added up whole in {@link best}, like the rare words, rather than looked up.
     */
    private readonly limits = { maxPostings: 12_000_000, shortList: 1_024 },
  ) {}

  /** Forgets everything computed for an older index version. */
  sync(version: string): void {
    if (version === this.version) return;
    this.terms.clear();
    this.partial = undefined;
    this.heldPostings = 0;
    this.version = version;
  }

  has(term: string): boolean {
    return this.terms.has(term);
  }

  /** Room to keep `postings` more contributions (the cache holds at most ~96 MB). */
  hasRoomFor(postings: number): boolean {
    return this.heldPostings + postings <= this.limits.maxPostings;
  }

  /**
   * Computes the next slice of `term`'s contributions — a range of chunk ids holding about
   * `sliceRows` of its `chunks` chunks, a few milliseconds of work however common the word — and keeps
   * them once the range past `maxChunkId` is done. Returns true when the word is complete.
   */
  computeSlice(term: string, chunks: number, maxChunkId: number, sliceRows = 4_096): boolean {
    if (this.terms.has(term)) return true;
    // Typed arrays sized to the word's frequency: JS arrays of scores kept across slices would be
    // promoted garbage (millions of boxed numbers) that a major collection then sweeps during queries.
    if (this.partial?.term !== term) this.partial = { term, from: 0, count: 0, ids: new Int32Array(chunks), scores: new Float32Array(chunks) };
    const partial = this.partial;
    const to = partial.from + Math.max(1, Math.ceil((sliceRows * (maxChunkId + 1)) / Math.max(1, chunks)));
    this.statement ??= this.db
      .prepare(`SELECT rowid, -bm25(search_fts, ${this.weights.join(', ')}) FROM search_fts WHERE search_fts MATCH ? AND rowid >= ? AND rowid < ?`)
      .raw();
    for (const [id, score] of this.statement.all(`"${term}"`, partial.from, to) as [number, number][]) {
      if (partial.count === partial.ids.length) {
        // More rows than the frequency said (the caller's count was stale): grow.
        const size = Math.max(16, partial.count * 2);
        const ids = new Int32Array(size);
        const scores = new Float32Array(size);
        ids.set(partial.ids);
        scores.set(partial.scores);
        partial.ids = ids;
        partial.scores = scores;
      }
      partial.ids[partial.count] = id;
      partial.scores[partial.count++] = score;
    }
    partial.from = to;
    if (to <= maxChunkId) return false;
    const scores = partial.scores.slice(0, partial.count);
    this.terms.set(term, { term, chunkIds: partial.ids.slice(0, partial.count), scores, max: scores.reduce((max, score) => Math.max(max, score), 0) });
    this.heldPostings += partial.count;
    this.partial = undefined;
    return true;
  }

  /**
   * The `k` best chunks for the sum of `common` words (kept: see {@link computeSlice}) and `rare` words
   * (scored by FTS5 now), best first; ties go to the lower chunk id.
   *
   * Every chunk's contributions are summed in one order — the rare words, then the kept ones from the
   * shortest list to the longest — however it is found, so the result is the one adding up every list
   * would give, to the last bit. The rare words' chunks and the short lists (walked whole) are the
   * first candidates. Then MaxScore: the candidates' long-list words are looked up, and the k-th best
   * of them is a bar the others must reach to matter. A word adds at most its {@link TermScores.max} to
   * a chunk, so the words whose maxima together stay below the bar cannot lift a chunk over it alone:
   * only chunks in the lists of the other words are candidates, and only those whose sum over those
   * words plus the maxima of the rest reaches the bar are scored in full.
   */
  best(common: readonly string[], rare: readonly string[], k: number): ScoredChunk[] {
    const kept = common
      .map((term) => {
        const scores = this.terms.get(term);
        if (!scores) throw new Error(`the scores of "${term}" are not computed`);
        return scores;
      })
      .sort((a, b) => a.chunkIds.length - b.chunkIds.length || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
    for (const { chunkIds } of kept) if (chunkIds.length > 0) this.ensureRoom(chunkIds[chunkIds.length - 1]!); // ids ascend, as FTS5 gave them
    try {
      if (rare.length > 0) {
        for (const [id, score] of this.scoresOf(rare.map((term) => `"${term}"`).join(' OR '))) this.add(id, score);
      }
      let walked = 0;
      while (walked < kept.length && (kept[walked]!.chunkIds.length <= this.limits.shortList || this.touched.length < k)) this.addAll(kept[walked++]!);
      const long = kept.slice(walked);
      if (long.length === 0) return this.top(k);
      const found = Int32Array.from(this.touched).sort();
      for (const scores of long) this.addMatching(scores, found);
      const bar = this.kthBest(k);
      // A margin far above rounding: a chunk exactly at the bar could still win a tie.
      const below = bar - 1e-9 * Math.abs(bar);
      const byMax = [...long].sort((a, b) => a.max - b.max);
      let lifting = 0; // the maxima of the words that cannot lift a chunk to the bar alone
      let alone = 0;
      while (alone < byMax.length && lifting + byMax[alone]!.max < below) lifting += byMax[alone++]!.max;
      const candidates = this.candidatesOutside(byMax.slice(alone), below - lifting);
      if (candidates.length > 0) {
        candidates.sort();
        for (const id of candidates) this.touched.push(id);
        for (const scores of long) this.addMatching(scores, candidates);
      }
      if (alone > 0) this.maxScoreQueries++;
      return this.top(k);
    } finally {
      for (const id of this.touched) this.sums[id] = 0;
      this.touched.length = 0;
    }
  }

  /**
   * Chunks without a rare word (their sum is 0 so far) whose sum over `lists` reaches `need`: the only
   * ones, besides those with a rare word, that can be in the top k.
   */
  private candidatesOutside(lists: readonly TermScores[], need: number): Int32Array {
    if (lists.length === 0) return new Int32Array(0);
    const sums = this.sums;
    if (this.outsideSums.length < sums.length) this.outsideSums = new Float64Array(sums.length);
    const partial = this.outsideSums;
    const seen: number[] = [];
    for (const { chunkIds, scores } of lists) {
      for (let i = 0; i < chunkIds.length; i++) {
        const id = chunkIds[i]!;
        if (sums[id] !== 0) continue;
        if (partial[id] === 0) seen.push(id);
        partial[id]! += scores[i]!;
      }
    }
    const found: number[] = [];
    for (const id of seen) {
      if (partial[id]! >= need) found.push(id);
      partial[id] = 0;
    }
    return Int32Array.from(found);
  }

  /** Adds `scores` for the chunks among `candidates` (ascending ids) that have the word: a galloping merge. */
  private addMatching({ chunkIds, scores }: TermScores, candidates: Int32Array): void {
    const sums = this.sums;
    const n = chunkIds.length;
    let at = 0;
    for (let c = 0; c < candidates.length && at < n; c++) {
      const id = candidates[c]!;
      // Gallop to a range that holds the first id >= this one, then search it.
      let step = 1;
      let high = at;
      while (high < n && chunkIds[high]! < id) {
        at = high + 1;
        high += step;
        step *= 2;
      }
      let low = at;
      high = Math.min(high, n);
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (chunkIds[middle]! < id) low = middle + 1;
        else high = middle;
      }
      at = low;
      if (at < n && chunkIds[at] === id) sums[id]! += scores[at]!;
    }
  }

  /** The k-th highest sum among the touched chunks (there are at least k). */
  private kthBest(k: number): number {
    const values = new Float64Array(this.touched.length);
    for (let i = 0; i < values.length; i++) values[i] = this.sums[this.touched[i]!]!;
    return values.sort()[values.length - k]!;
  }

  /** Rows of (chunk id, score): FTS5's BM25 is negative, lower is better, so it is negated. */
  private scoresOf(expression: string): [number, number][] {
    this.rareStatement ??= this.db.prepare(`SELECT rowid, -bm25(search_fts, ${this.weights.join(', ')}) FROM search_fts WHERE search_fts MATCH ?`).raw();
    return this.rareStatement.all(expression) as [number, number][];
  }

  /** {@link add} for a kept word's contributions: the hot loop of a query, kept tight. */
  private addAll({ chunkIds, scores }: TermScores): void {
    this.ensureRoom(chunkIds.length > 0 ? chunkIds[chunkIds.length - 1]! : 0); // FTS5 gave the ids in ascending order
    const sums = this.sums;
    const touched = this.touched;
    for (let i = 0; i < chunkIds.length; i++) {
      const id = chunkIds[i]!;
      if (sums[id] === 0) touched.push(id);
      sums[id]! += scores[i]!;
    }
  }

  private ensureRoom(id: number): void {
    if (id < this.sums.length) return;
    const grown = new Float64Array(Math.max(id + 1, this.sums.length * 2, 1_024));
    grown.set(this.sums);
    this.sums = grown;
  }

  private add(id: number, score: number): void {
    this.ensureRoom(id);
    if (this.sums[id] === 0) this.touched.push(id);
    // A contribution is never exactly 0 (FTS5 floors the IDF at 1e-6), so 0 means "not touched yet".
    this.sums[id]! += score;
  }

  /** The `k` touched chunks with the highest sums, best first (a bounded min-heap over all of them). */
  private top(k: number): ScoredChunk[] {
    const heap: number[] = [];
    const better = (a: number, b: number) => this.sums[a]! > this.sums[b]! || (this.sums[a] === this.sums[b] && a < b);
    for (const id of this.touched) {
      if (heap.length < k) {
        heap.push(id);
        siftUp(heap, heap.length - 1, better);
      } else if (better(id, heap[0]!)) {
        heap[0] = id;
        siftDown(heap, 0, better);
      }
    }
    return heap.sort((a, b) => (better(a, b) ? -1 : 1)).map((id) => ({ chunkId: id, score: this.sums[id]! }));
  }
}

/** Min-heap by `better` (the worst of the kept chunks at the root). */
function siftUp(heap: number[], i: number, better: (a: number, b: number) => boolean): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!better(heap[parent]!, heap[i]!)) break;
    [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
    i = parent;
  }
}

function siftDown(heap: number[], i: number, better: (a: number, b: number) => boolean): void {
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let worst = i;
    if (left < heap.length && better(heap[worst]!, heap[left]!)) worst = left;
    if (right < heap.length && better(heap[worst]!, heap[right]!)) worst = right;
    if (worst === i) return;
    [heap[worst], heap[i]] = [heap[i]!, heap[worst]!];
    i = worst;
  }
}
