import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { NEAR_DUPLICATE_MATCHES, NEAR_DUPLICATE_THRESHOLD, SIGNATURE_SIZE, signText } from '../agents/minhash.js';
import { createNearDuplicatesProjection, NearDuplicateIndex } from '../agents/nearDuplicateProjection.js';
import { chunkText } from '../search/chunker.js';
import { percentile } from '../search/beirEval.js';
import { seededRandom } from '../testing/seededRandom.js';
import { editWords, generateWords, toText, type CorpusLanguage } from './nearDuplicateCorpus.js';

export interface NearDuplicateBenchOptions {
  /** Chunks (the search chunker's) in the library the checks run against; default 100,000. */
  readonly chunks?: number;
  /** Checks of a new document timed; default 300. */
  readonly checks?: number;
  /** Originals per language in the precision/recall set (each with one copy per edit rate); default 150. */
  readonly originals?: number;
  readonly log?: (message: string) => void;
}

export interface ThresholdQuality {
  readonly threshold: number;
  readonly precision: number;
  /** Share of the (original, copy) pairs found, per edit rate. */
  readonly recall: Record<string, number>;
  readonly falsePairs: number;
}

export interface NearDuplicateBenchResult {
  readonly library: {
    readonly chunks: number;
    readonly entries: number;
    readonly characters: number;
    /** How the index was filled: through the read model's index directly, not by importing through the engine. */
    readonly path: string;
    readonly buildSeconds: number;
    readonly signMBPerSecond: number;
  };
  readonly check: {
    readonly checks: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly maxMs: number;
    /** The process's CPU time per check (user + system), p95: what a check costs when the machine is not shared. */
    readonly cpuP95Ms: number;
    /** The two halves of a check: signing the text, and finding and verifying the candidates. */
    readonly signP95Ms: number;
    readonly lookupP95Ms: number;
    readonly documentCharactersP95: number;
    readonly targetP95Ms: number;
    /** Entries sharing a band key with the new document, each of them verified. */
    readonly meanCandidates: number;
    readonly candidatesP95: number;
    readonly meanDocumentChunks: number;
    /** Library texts with a tenth of their words changed, checked against the library, and how many found their original. */
    readonly editedCopiesChecked: number;
    readonly editedCopiesFound: number;
    /** Near copies the check of a new unrelated document found in the library (false positives at scale). */
    readonly nearCopiesOfUnrelatedDocuments: number;
  };
  /** What `duplicates` (the whole library's pairs) costs. */
  readonly librarySweep: { readonly seconds: number; readonly pairs: number };
  /** Precision and recall per language at the engine's threshold, and at others for comparison. */
  readonly quality: Record<CorpusLanguage, { readonly pairs: number; readonly atThreshold: ThresholdQuality; readonly sweep: readonly ThresholdQuality[] }>;
  readonly threshold: number;
  /** `loadAverage`: the machine's 1-minute load when the checks ran (other work on a shared machine slows every figure). */
  readonly machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadAverage: number };
  readonly seconds: number;
}

const EDIT_RATES = [0.05, 0.1, 0.2, 0.3, 0.5] as const;
const SWEEP = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7];
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A document of the library: a short note (one chunk) half the time, else 2–40 chunks; a fifth of them Chinese. */
function libraryText(random: () => number): { language: CorpusLanguage; text: string } {
  const language: CorpusLanguage = random() < 0.2 ? 'zh' : 'en';
  const words = random() < 0.5 ? 60 + Math.floor(random() * 300) : 400 + Math.floor(random() * 12_000 * random());
  return { language, text: toText(language, generateWords(language, words, random), random) };
}

/**
 * `cairn bench duplicates`: fills a scratch near-duplicate index with a generated library of ~100,000 chunks (English
 * and Chinese, notes and long documents), times the check of a new document against it (sign + LSH candidates +
 * verification, what the projection does for each new or changed entry before it writes), then measures precision and
 * recall on a generated set of originals, each with copies at edit rates 5–50% (words replaced) and unrelated texts.
 */
export async function runNearDuplicateBench(options: NearDuplicateBenchOptions = {}): Promise<NearDuplicateBenchResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const targetChunks = options.chunks ?? 100_000;
  const checks = options.checks ?? 300;
  const originals = options.originals ?? 150;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-neardup-bench-'));
  try {
    const db = new BetterSqlite3(join(dir, 'bench.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(createNearDuplicatesProjection(() => undefined).schema);
    // As the engine opens its database (store/database.ts): a 64 MiB page cache.
    db.pragma('cache_size = -65536');
    const index = new NearDuplicateIndex(db);

    // The library, in transactions of 500 entries.
    const random = seededRandom(1);
    let chunks = 0;
    let entries = 0;
    let characters = 0;
    let signMs = 0;
    const buildStarted = performance.now();
    const kept: string[] = [];
    while (chunks < targetChunks) {
      db.transaction(() => {
        for (let i = 0; i < 500 && chunks < targetChunks; i++) {
          const { text } = libraryText(random);
          chunks += chunkText(text).length;
          characters += text.length;
          const t0 = performance.now();
          const signature = signText(text);
          signMs += performance.now() - t0;
          if (signature) index.put(`entry-${String(entries).padStart(7, '0')}`, `bench:${entries}`, signature);
          // Some library texts come back later, edited, as the "new documents" of the timed checks.
          if (kept.length < checks && entries % 7 === 0 && text.length < 40_000) kept.push(text);
          entries++;
        }
      })();
      if (entries % 5_000 < 500) log(`library: ${chunks} chunks, ${entries} entries`);
      // Lets the log reach the terminal (and a host's timers run) between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    db.pragma('wal_checkpoint(TRUNCATE)');
    log(`library built: ${chunks} chunks, ${entries} entries, ${(characters / 1e6).toFixed(0)} M characters in ${buildSeconds.toFixed(1)} s`);

    // Timed checks: half new unrelated documents, half edited copies of library texts.
    const checkRandom = seededRandom(2);
    const newDocuments = Array.from({ length: checks }, (_, i) => {
      if (i % 2 === 1 && kept[i]) {
        const language: CorpusLanguage = /[\u4e00-\u9fff]/.test(kept[i].slice(0, 20)) ? 'zh' : 'en';
        const words = language === 'en' ? kept[i].split(' ') : Array.from(kept[i]);
        return language === 'en' ? editWords('en', words, 0.1, checkRandom).join(' ') : editWords('zh', words, 0.1, checkRandom).join('');
      }
      return libraryText(checkRandom).text;
    });
    for (const text of newDocuments.slice(0, 20)) index.nearMatches(signText(text) ?? new Uint32Array(SIGNATURE_SIZE));
    const times: number[] = [];
    const signTimes: number[] = [];
    const cpuTimes: number[] = [];
    const lookupTimes: number[] = [];
    let candidates = 0;
    const candidateCounts: number[] = [];
    let documentChunks = 0;
    let unrelatedFound = 0;
    let copiesFound = 0;
    for (const [i, text] of newDocuments.entries()) {
      documentChunks += chunkText(text).length;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const signature = signText(text);
      const t1 = performance.now();
      const matches = signature ? index.nearMatches(signature, undefined, 0) : [];
      const t2 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
      times.push(t2 - t0);
      signTimes.push(t1 - t0);
      lookupTimes.push(t2 - t1);
      candidates += matches.length;
      candidateCounts.push(matches.length);
      const near = matches.filter((m) => m.matches >= NEAR_DUPLICATE_MATCHES).length;
      if (i % 2 === 1 && kept[i]) copiesFound += near > 0 ? 1 : 0;
      else unrelatedFound += near;
    }
    const check = {
      checks,
      p50Ms: round(percentile(times, 0.5), 2),
      p95Ms: round(percentile(times, 0.95), 2),
      maxMs: round(Math.max(...times), 2),
      cpuP95Ms: round(percentile(cpuTimes, 0.95), 2),
      signP95Ms: round(percentile(signTimes, 0.95), 2),
      lookupP95Ms: round(percentile(lookupTimes, 0.95), 2),
      documentCharactersP95: percentile(newDocuments.map((t) => t.length), 0.95),
      targetP95Ms: 10,
      meanCandidates: round(candidates / checks, 1),
      candidatesP95: percentile(candidateCounts, 0.95),
      meanDocumentChunks: round(documentChunks / checks, 1),
      editedCopiesChecked: newDocuments.filter((_, i) => i % 2 === 1 && kept[i]).length,
      editedCopiesFound: copiesFound,
      nearCopiesOfUnrelatedDocuments: unrelatedFound,
    };
    const loadAverage = round(loadavg()[0]!, 1);
    log(`check of a new document: p95 ${check.p95Ms} ms (p50 ${check.p50Ms} ms, CPU p95 ${check.cpuP95Ms} ms, ${check.meanCandidates} candidates on average, load ${loadAverage})`);
    // The library-wide sweep `duplicates` makes (every band key's entries taken together).
    const sweepStarted = performance.now();
    let sweepPairs = 0;
    index.forEachPair(() => sweepPairs++);
    const librarySweep = { seconds: round((performance.now() - sweepStarted) / 1000, 1), pairs: sweepPairs };
    log(`library-wide sweep: ${librarySweep.seconds} s, ${sweepPairs} pairs`);
    db.close();

    const quality = {
      en: qualityOn('en', originals, dir),
      zh: qualityOn('zh', originals, dir),
    };
    log(`quality at ${NEAR_DUPLICATE_THRESHOLD}: en ${JSON.stringify(quality.en.atThreshold)}, zh ${JSON.stringify(quality.zh.atThreshold)}`);
    return {
      library: {
        chunks,
        entries,
        characters,
        path: 'generated texts signed and put straight into the near_duplicates read model’s index (NearDuplicateIndex), not imported through the engine',
        buildSeconds: round(buildSeconds, 1),
        signMBPerSecond: round(characters / 1e6 / (signMs / 1000), 1),
      },
      check,
      librarySweep,
      quality,
      threshold: NEAR_DUPLICATE_THRESHOLD,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform, loadAverage },
      seconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Precision and recall in one language: `originals` texts of 100–3,000 words, each with one copy per edit rate (the
 * copies of one original are near copies of each other too: a family), and as many unrelated texts. Every text goes
 * through the index as the projection puts it; the pairs it finds at the lowest threshold of the sweep are then
 * counted at each threshold.
 */
function qualityOn(language: CorpusLanguage, originals: number, dir: string): { pairs: number; atThreshold: ThresholdQuality; sweep: ThresholdQuality[] } {
  const db = new BetterSqlite3(join(dir, `quality-${language}.db`));
  db.exec(createNearDuplicatesProjection(() => undefined).schema);
  const index = new NearDuplicateIndex(db);
  const random = seededRandom(language === 'en' ? 3 : 4);
  const family = new Map<string, number>();
  const texts: { id: string; text: string }[] = [];
  for (let f = 0; f < originals; f++) {
    const words = generateWords(language, 100 + Math.floor(random() * 2_900), random);
    texts.push({ id: `o${f}`, text: toText(language, words, random) });
    family.set(`o${f}`, f);
    for (const rate of EDIT_RATES) {
      const id = `o${f}-${rate}`;
      texts.push({ id, text: toText(language, editWords(language, words, rate, random), random) });
      family.set(id, f);
    }
    texts.push({ id: `u${f}`, text: toText(language, generateWords(language, 100 + Math.floor(random() * 2_900), random), random) });
  }
  // Shuffled, so the pairs found do not depend on copies coming after their original.
  for (let i = texts.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [texts[i], texts[j]] = [texts[j]!, texts[i]!];
  }
  const found = new Map<string, number>();
  db.transaction(() => {
    for (const { id, text } of texts) {
      const signature = signText(text);
      if (!signature) continue;
      for (const match of index.nearMatches(signature, id, Math.ceil(SWEEP[0]! * SIGNATURE_SIZE))) found.set([id, match.entryId].sort().join('|'), match.matches);
      index.put(id, id, signature);
    }
  })();
  db.close();
  const at = (threshold: number): ThresholdQuality => {
    const bins = Math.ceil(threshold * SIGNATURE_SIZE);
    let truePairs = 0;
    let falsePairs = 0;
    const recall: Record<string, number> = {};
    for (const [pair, matches] of found) {
      if (matches < bins) continue;
      const [a, b] = pair.split('|') as [string, string];
      if (family.has(a) && family.get(a) === family.get(b)) truePairs++;
      else falsePairs++;
    }
    for (const rate of EDIT_RATES) {
      let hits = 0;
      for (let f = 0; f < originals; f++) if ((found.get([`o${f}`, `o${f}-${rate}`].sort().join('|')) ?? 0) >= bins) hits++;
      recall[`${rate * 100}%`] = round(hits / originals);
    }
    return { threshold, precision: truePairs + falsePairs === 0 ? 1 : round(truePairs / (truePairs + falsePairs)), recall, falsePairs };
  };
  return { pairs: originals * EDIT_RATES.length, atThreshold: at(NEAR_DUPLICATE_THRESHOLD), sweep: SWEEP.map(at) };
}
