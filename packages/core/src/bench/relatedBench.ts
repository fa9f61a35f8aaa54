import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EntryCommand } from '../domain/entry/commands.js';
import { Engine } from '../engine/engine.js';
import { NotFoundError } from '../errors/cairnError.js';
import { inspectModelFolder } from '../embeddings/modelFolder.js';
import { uuidv7 } from '../ids/uuidv7.js';

export interface RelatedBenchOptions {
  /** Chunks in the library (default 100,000). */
  readonly chunks?: number;
  /** Entries whose related entries are timed (default 300). */
  readonly samples?: number;
  /**
   * A model folder: synthetic vectors (clustered by topic) are stored for it, so related entries search the chunk
   * vectors too. Default `../shared/models/e5-small-shape-random` when it exists; without one, words only.
   */
  readonly modelDir?: string | null;
  readonly workDir?: string;
  readonly log?: (message: string) => void;
}

interface Timing {
  readonly calls: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface RelatedBenchResult {
  readonly machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  readonly library: { entries: number; chunks: number; topics: number; seconds: number; built: string };
  /** related() with words only, in a process that just opened the library (other sampled entries). */
  readonly wordsOnlyCold: Timing & { precisionAt8: number };
  /** `warmUpRelated()`: every word's document frequency looked up (cairn serve does it after start). */
  readonly warmUp: { words: number; seconds: number };
  /** related() with words only (no model), after the warm-up. */
  readonly wordsOnly: Timing & { precisionAt8: number };
  /** related() with the chunk vectors too (synthetic vectors for the model), when a model folder was given. */
  readonly withVectors: (Timing & { precisionAt8: number; vectors: number; partitions: number; model: string }) | null;
  readonly suggestTags: Timing;
  readonly maxRssMB: number;
  readonly targets: Record<string, { target: string; met: boolean }>;
}

const topicsPerThousandChunks = 5;
const wordsPerParagraph = 230; // ~300 model tokens: one chunk each (chunks are 200–500 tokens)

/**
 * `cairn bench related`: a library of generated topical notes (~100,000 chunks, built through the engine's normal
 * command path and search projection), then `related()` for sampled entries — words only, and with the chunk vectors
 * when a model folder is there — and `suggestTags()`, with p50/p95 and the process's peak RSS. Precision@8 says how
 * many of the related entries are on the sampled entry's topic (the generator knows).
 */
export async function runRelatedBench(options: RelatedBenchOptions = {}): Promise<RelatedBenchResult> {
  const log = options.log ?? (() => undefined);
  const targetChunks = options.chunks ?? 100_000;
  const sampleCount = options.samples ?? 300;
  const modelDir = options.modelDir === null ? undefined : resolve(options.modelDir ?? '../shared/models/e5-small-shape-random');
  const model = modelDir !== undefined && existsSync(modelDir) ? inspectModelFolder(modelDir) : undefined;
  if (options.modelDir && !model?.ok) throw new NotFoundError(`${model && !model.ok ? model.reason : 'no model folder'} at ${modelDir}`);
  const root = mkdtempSync(join(options.workDir ?? tmpdir(), 'cairn-related-bench-'));
  let maxRss = 0;
  const sampleRss = () => (maxRss = Math.max(maxRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024));
  try {
    const topics = Math.max(4, Math.round((targetChunks / 1_000) * topicsPerThousandChunks));
    const next = seeded('cairn related bench');
    const common = Array.from({ length: 3_000 }, (_, i) => pseudoWord(`common ${i}`));
    const topicWords = Array.from({ length: topics }, (_, t) => Array.from({ length: 40 }, (_, i) => pseudoWord(`topic ${t} word ${i}`)));
    const topicTags = Array.from({ length: topics }, (_, t) => pseudoWord(`tag ${t}`));

    log(`building a library of ~${targetChunks} chunks in ${topics} topics`);
    const engine = Engine.open({
      dataDir: join(root, 'library'),
      autoCatchUp: false,
      backgroundEmbedding: false,
      ...(model?.ok && { modelDir: model.info.dir }),
    });
    const topicOf = new Map<string, number>();
    const started = performance.now();
    let chunks = 0;
    let entries = 0;
    while (chunks < targetChunks) {
      const batch: EntryCommand[] = [];
      for (let i = 0; i < 1_000; i++) {
        const topic = Math.floor(next() * topics);
        const paragraphs = 1 + Math.floor(next() * 7); // 1–7, about 4 chunks an entry
        const body = Array.from({ length: paragraphs }, () => paragraph(next, common, topicWords[topic]!)).join('\n\n');
        const entryId = uuidv7();
        topicOf.set(entryId, topic);
        const title = `${pick(next, topicWords[topic]!)} ${pick(next, common)} ${pick(next, topicWords[topic]!)}`;
        batch.push({ type: 'CreateEntry', entryId, title, body, ...(next() < 0.3 && { tags: [topicTags[topic]!] }) });
      }
      engine.executeBatch(batch);
      engine.catchUp();
      entries += batch.length;
      chunks = engine.search.status().chunks;
      sampleRss();
      if (entries % 5_000 === 0) log(`  ${entries} entries, ${chunks} chunks`);
    }
    const buildSeconds = (performance.now() - started) / 1000;
    log(`built: ${entries} entries, ${chunks} chunks in ${buildSeconds.toFixed(1)} s`);

    const ids = [...topicOf.keys()];
    const step = ids.length / sampleCount;
    const coldSamples = Array.from({ length: sampleCount }, (_, i) => ids[Math.floor(i * step)]!);
    const samples = Array.from({ length: sampleCount }, (_, i) => ids[Math.floor(i * step + step / 2)]!);

    // First, as a process that just opened the library: every word's document frequency looked up on first use.
    log('related entries, words only, cold');
    const cold = timeRelated(engine, coldSamples, topicOf);
    sampleRss();
    // What `cairn serve` does a few seconds after it starts.
    log('warming up: every word\'s document frequency');
    const warmStarted = performance.now();
    const words = await engine.warmUpRelated();
    const warmUpSeconds = (performance.now() - warmStarted) / 1000;
    sampleRss();

    log('related entries, words only');
    const wordsOnly = timeRelated(engine, samples, topicOf);
    sampleRss();
    log('tag suggestions');
    const tagTimes = samples.map((id) => time(() => engine.suggestTags(id)));
    sampleRss();

    let withVectors: RelatedBenchResult['withVectors'] = null;
    if (model?.ok) {
      log(`storing synthetic vectors for ${model.info.name} (clustered by topic)`);
      const dims = model.info.dims;
      // A title starts with one of its topic's words.
      const topicOfWord = new Map(topicWords.flatMap((words, t) => words.map((w) => [w, t] as const)));
      const rows = Array.from(engine.search.chunks(), (r) => ({ inputHash: r.inputHash, topic: topicOfWord.get(r.title.split(' ')[0]!) ?? 0 }));
      for (let i = 0; i < rows.length; i += 5_000) {
        engine.search.storeVectors(rows.slice(i, i + 5_000).map((r) => ({ inputHash: r.inputHash, vector: clusteredVector(`topic ${r.topic}`, r.inputHash, dims) })));
      }
      log('partitioning the vectors');
      await engine.search.organizeVectors();
      sampleRss();
      log('related entries, words and vectors');
      const timed = timeRelated(engine, samples, topicOf);
      const status = engine.search.modelStatus();
      withVectors = { ...timed, vectors: status.vectors.embedded, partitions: status.vectors.partitions, model: model.info.name };
      sampleRss();
    }
    engine.close();

    const maxRssMB = Math.round(maxRss / 2 ** 20);
    const p95 = withVectors ? Math.max(wordsOnly.p95Ms, withVectors.p95Ms) : wordsOnly.p95Ms;
    return {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
      library: { entries, chunks, topics, seconds: round(buildSeconds), built: 'CreateEntry commands in batches of 1,000, search projection caught up after each' },
      wordsOnlyCold: cold,
      warmUp: { words, seconds: round(warmUpSeconds) },
      wordsOnly,
      withVectors,
      suggestTags: timing(tagTimes),
      maxRssMB,
      targets: {
        related: { target: 'p95 <= 50 ms at 100,000 chunks (after the warm-up)', met: chunks >= 100_000 && p95 <= 50 },
        rss: { target: '<= 1024 MB', met: maxRssMB <= 1024 },
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function timeRelated(engine: Engine, samples: readonly string[], topicOf: ReadonlyMap<string, number>): Timing & { precisionAt8: number } {
  const times: number[] = [];
  let onTopic = 0;
  let found = 0;
  for (const id of samples) {
    let results: { entryId: string }[] = [];
    times.push(time(() => (results = engine.related(id, 8).results)));
    found += results.length;
    onTopic += results.filter((r) => topicOf.get(r.entryId) === topicOf.get(id)).length;
  }
  return { ...timing(times), precisionAt8: round(found === 0 ? 0 : onTopic / found) };
}

function time(run: () => unknown): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

function timing(times: readonly number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { calls: times.length, p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), maxMs: round(sorted[sorted.length - 1] ?? 0) };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** About a quarter topic words, the rest common words drawn with a Zipf-like skew. */
function paragraph(next: () => number, common: readonly string[], topic: readonly string[]): string {
  const words: string[] = [];
  for (let i = 0; i < wordsPerParagraph; i++) {
    words.push(next() < 0.25 ? pick(next, topic) : common[Math.floor(common.length * next() ** 2.5)]!);
    if (i % 15 === 14) words[words.length - 1] += '.';
  }
  return words.join(' ');
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** A pronounceable made-up word (letters only, so the analyzer keeps it one term), the same for the same seed. */
function pseudoWord(seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  const consonants = 'bcdfghjklmnprstvz';
  const vowels = 'aeiou';
  let word = '';
  for (let i = 0; i < 3 + (bytes[0]! % 2); i++) word += consonants[bytes[1 + 2 * i]! % consonants.length]! + vowels[bytes[2 + 2 * i]! % vowels.length]!;
  return word;
}

function seeded(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** A unit vector near the topic's direction, perturbed per chunk (deterministic). */
function clusteredVector(cluster: string, member: string, dims: number): Float32Array {
  const base = gaussian(cluster, dims);
  const noise = gaussian(member, dims);
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    v[i] = base[i]! + 0.5 * noise[i]!;
    norm += v[i]! * v[i]!;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) v[i]! /= norm;
  return v;
}

function gaussian(seed: string, dims: number): Float32Array {
  const next = seeded(seed);
  const out = new Float32Array(dims);
  for (let i = 0; i < dims; i++) out[i] = Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return out;
}
