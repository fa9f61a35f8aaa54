import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { openDatabase, type Database } from '../store/database.js';
import { makeTempDir } from '../testing/tempDir.js';
import { LexicalSearch } from './lexicalSearch.js';
import { parseQuery } from './queryParser.js';
import { TermScoreCache } from './termScores.js';

const words = 'alpha beta gamma delta sync graph paper model'.split(' ');
let dir: { path: string; remove: () => void };
let engine: Engine;
let db: Database;

beforeEach(() => {
  dir = makeTempDir();
  engine = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false });
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (n: number) => Array.from({ length: n }, () => words[Math.floor(random() * words.length)]!).join(' ');
  for (let i = 0; i < 80; i++) {
    engine.execute({ type: 'CreateEntry', entryId: uuidv7(), title: `${pick(2)} ${i}`, body: pick(3 + Math.floor(random() * 40)), tags: i % 3 === 0 ? [words[i % 8]!] : [] });
  }
  engine.catchUp();
  db = openDatabase(join(dir.path, 'data'));
});
afterEach(() => {
  db.close();
  engine.close();
  dir.remove();
});

const checkpoint = () => String(db.prepare(`SELECT position FROM checkpoints WHERE name = 'search'`).pluck().get());

describe('common words scored from kept contributions', () => {
  it('gives the same ranking and scores as one FTS5 query over every word', () => {
    const exact = new LexicalSearch(db);
    const kept = new LexicalSearch(db, { commonTermChunks: 2, version: checkpoint });
    expect(kept.search(parseQuery('alpha'), 100)).toEqual(exact.search(parseQuery('alpha'), 100)); // not computed yet: the FTS5 query
    const texts = ['alpha', 'beta paper', 'graph model sync 17', 'delta gamma', '42 alpha -beta'];
    for (const text of texts) {
      const query = parseQuery(text);
      const expected = exact.search(query, 100);
      kept.search(query, 100); // notes the common words it would need
      while (kept.computeWanted());
      const answered = kept.keptScoreQueries;
      const fast = kept.search(query, 100);
      expect(kept.keptScoreQueries).toBe(answered + 1); // from the kept scores
      expect(fast.length).toBeGreaterThan(0);
      expect(fast.map((h) => h.entryId).sort()).toEqual(expected.map((h) => h.entryId).sort());
      // Kept contributions are float32: the same scores to ~7 digits, the same order but for near-ties.
      fast.forEach((hit, i) => expect(Math.abs(hit.score - expected[i]!.score)).toBeLessThan(1e-5 * Math.max(1, expected[i]!.score)));
      if (expected.length < 2 || expected[0]!.score - expected[1]!.score > 1e-4) expect(fast[0]!.entryId).toBe(expected[0]!.entryId);
    }
    expect(exact.keptScoreQueries).toBe(0);
  });

  it('drops what it kept when the index changes, so new entries are found at once', () => {
    const kept = new LexicalSearch(db, { commonTermChunks: 2, version: checkpoint });
    kept.search(parseQuery('alpha'), 10);
    while (kept.computeWanted());
    const before = kept.search(parseQuery('alpha'), 200).length;
    expect(kept.keptScoreQueries).toBe(1);
    const id = uuidv7();
    engine.execute({ type: 'CreateEntry', entryId: id, title: 'alpha alpha alpha', body: 'alpha' });
    engine.catchUp();
    const after = kept.search(parseQuery('alpha'), 200);
    expect(after).toHaveLength(before + 1);
    expect(after[0]!.entryId).toBe(id);
    expect(kept.keptScoreQueries).toBe(1); // the kept scores were for the old index
  });

  it('computes a word slice by slice, to the same scores as in one go', () => {
    const maxChunkId = db.prepare(`SELECT max(id) FROM search_chunks`).pluck().get() as number;
    const chunks = db.prepare(`SELECT count(*) FROM search_fts WHERE search_fts MATCH '"alpha"'`).pluck().get() as number;
    const whole = new TermScoreCache(db, [4, 1, 2]);
    const sliced = new TermScoreCache(db, [4, 1, 2]);
    whole.sync('v');
    sliced.sync('v');
    expect(whole.computeSlice('alpha', chunks, maxChunkId, 1_000_000)).toBe(true);
    let slices = 1;
    while (!sliced.computeSlice('alpha', chunks, maxChunkId, 5)) slices++;
    expect(slices).toBeGreaterThan(3);
    expect(sliced.best(['alpha'], [], 200)).toEqual(whole.best(['alpha'], [], 200));
    expect(whole.best(['alpha'], [], 200)).toHaveLength(chunks);
  });
  it('skips the lists of words that cannot lift a chunk into the top k, to the same result as adding up every list', () => {
    // Words of Zipf-like frequencies in titles and bodies of varied length: frequent words of every
    // weight, and rare ones in short and in long chunks.
    const vocabulary = Array.from({ length: 200 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${i}`);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const skewed = () => vocabulary[Math.floor(vocabulary.length * random() ** 2.5)]!;
    const words = (n: number) => Array.from({ length: n }, skewed).join(' ');
    for (let i = 0; i < 150; i++) engine.execute({ type: 'CreateEntry', entryId: uuidv7(), title: words(1 + Math.floor(random() * 3)), body: words(1 + Math.floor(random() * (i % 5 === 0 ? 60 : 12))) });
    engine.catchUp();
    const weights = [4, 1, 2];
    const scoresOf = (expression: string) =>
      new Map(db.prepare(`SELECT rowid, -bm25(search_fts, ${weights.join(', ')}) FROM search_fts WHERE search_fts MATCH ?`).raw().all(expression) as [number, number][]);
    const maxChunkId = db.prepare(`SELECT max(id) FROM search_chunks`).pluck().get() as number;
    const cache = new TermScoreCache(db, weights, { maxPostings: 1_000_000, shortList: 6 });
    cache.sync('v');
    const frequency = (term: string) => scoresOf(`"${term}"`).size;
    const present = vocabulary.filter((term) => frequency(term) > 0).sort((a, b) => frequency(b) - frequency(a));
    const common = present.slice(0, 8);
    const rare = present.slice(8);
    for (const term of common) cache.computeSlice(term, frequency(term), maxChunkId, 1_000_000);
    /** Every chunk summed in full, in the order best() sums: the rare words, then each kept word (as float32) from the shortest list. */
    const bruteForce = (terms: readonly string[], rareTerms: readonly string[], k: number) => {
      const sums = new Map<number, number>();
      if (rareTerms.length > 0) for (const [id, score] of scoresOf(rareTerms.map((t) => `"${t}"`).join(' OR '))) sums.set(id, score);
      const shortestFirst = [...terms].sort((a, b) => frequency(a) - frequency(b) || (a < b ? -1 : a > b ? 1 : 0));
      for (const term of shortestFirst) for (const [id, score] of scoresOf(`"${term}"`)) sums.set(id, (sums.get(id) ?? 0) + Math.fround(score));
      return [...sums]
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, k)
        .map(([chunkId, score]) => ({ chunkId, score }));
    };
    let withoutRare = 0;
    for (let q = 0; q < 300; q++) {
      const terms = common.filter(() => random() < 0.4);
      const rareTerms = rare.filter(() => random() < 1.5 / rare.length);
      const k = [1, 2, 3, 5, 10, 20][q % 6]!;
      const expected = bruteForce(terms, rareTerms, k);
      expect(cache.best(terms, rareTerms, k)).toEqual(expected);
      const rareChunks = rareTerms.length > 0 ? scoresOf(rareTerms.map((t) => `"${t}"`).join(' OR ')) : new Map();
      if (rareChunks.size >= k) withoutRare += expected.filter((hit) => !rareChunks.has(hit.chunkId)).length;
    }
    expect(cache.maxScoreQueries).toBeGreaterThan(20); // lists were skipped
    expect(withoutRare).toBeGreaterThan(20); // and chunks without a rare word still made the top k
  });
  it('gives a tie at the bar to the lower chunk id, as the full sum does', () => {
    const tie = new BetterSqlite3(':memory:');
    tie.exec(`CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tags)`);
    const insert = tie.prepare(`INSERT INTO search_fts (rowid, title, body, tags) VALUES (?, '', ?, '')`);
    ['bbb ccc', 'aaa bbb', 'aaa zzz', 'ccc zzz'].forEach((body, i) => insert.run(i + 1, body));
    // Chunks 1 and 2 score the same; with no list walked whole, chunk 2 is the bar and chunk 1 must reach it.
    const cache = new TermScoreCache(tie, [4, 1, 2], { maxPostings: 1_000, shortList: 0 });
    cache.sync('v');
    for (const term of ['aaa', 'bbb', 'ccc']) cache.computeSlice(term, 2, 4, 1_000);
    const [best] = cache.best(['aaa', 'bbb', 'ccc'], [], 1);
    expect(best!.chunkId).toBe(1);
    tie.close();
  });

  it('leaves a missing common word out only where the pruned FTS5 query leaves it out too', () => {
    for (let i = 0; i < 60; i++) {
      const body = [i < 20 ? 'zebra zebra' : '', i >= 15 ? 'lion' : '', i % 30 === 0 ? 'okapi' : '', 'filler'].join(' ');
      engine.execute({ type: 'CreateEntry', entryId: uuidv7(), title: `note ${i}`, body });
    }
    engine.catchUp();
    const kept = new LexicalSearch(db, { commonTermChunks: 3, largeCollection: 10, version: checkpoint });
    const pruned = new LexicalSearch(db, { largeCollection: 10 });
    kept.search(parseQuery('lion'), 10);
    while (kept.computeWanted()); // "lion" is kept, "zebra" is not
    // Both are in more than 5% of the chunks: the pruned query keeps the rarer, "zebra", so its scores are needed.
    const answered = kept.keptScoreQueries;
    const both = kept.search(parseQuery('zebra lion'), 5);
    expect(kept.keptScoreQueries).toBe(answered);
    expect(both).toEqual(pruned.search(parseQuery('zebra lion'), 5));
    expect(both[0]!.score).toBeGreaterThan(0);
    // With a rare word ("okapi", 2 chunks) the pruned query drops both; the kept scores still count "lion".
    kept.search(parseQuery('okapi zebra lion'), 5);
    expect(kept.keptScoreQueries).toBe(answered + 1);
  });
});
