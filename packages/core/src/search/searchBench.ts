import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import type { EntryCommand } from '../domain/entry/commands.js';
import { Engine } from '../engine/engine.js';
import { NotFoundError } from '../errors/cairnError.js';
import { inspectModelFolder } from '../embeddings/modelFolder.js';
import { runToEnd } from '../embeddings/partitions.js';
import { VectorStore, vectorFormats, type VectorFormat } from '../embeddings/vectorStore.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { percentile } from './beirEval.js';
import { embeddingInput } from './searchProjection.js';
import { parseQuery } from './queryParser.js';

/**
 * `cairn bench search`: the search targets of issue 3 on a 100,000-chunk index (SciFact replicated;
 * each copy's titles carry the copy number, so every chunk is distinct), in one run:
 *
 * - lexical search p50/p95 (through the engine, cache misses, snippets included);
 * - vector KNN p95 per storage format (float32, int8 and binary with re-ranking) over as many
 *   vectors, and their recall@10 against exact float32 search. The vectors are synthetic —
 *   each source chunk's copies cluster around one random direction — because embedding 100,000
 *   passages with a 12-layer model takes hours on two cores; KNN cost does not depend on the values;
 * - hybrid end-to-end p95, including the query embedding by the real model in its worker;
 * - embedding throughput of the back-fill pipeline against a bare transformers.js loop with the
 *   same model, batch size and texts;
 * - the process's peak RSS.
 */
export interface SearchBenchOptions {
  /** BEIR SciFact folder (default `../shared/eval/scifact` from the working directory). */
  readonly scifactDir?: string;
  /** A 384-d model folder for timing (default `../shared/models/e5-small-shape-random`). */
  readonly modelDir?: string;
  readonly chunks?: number;
  readonly queries?: number;
  /** Texts for the throughput comparison. */
  readonly embedTexts?: number;
  readonly batchSize?: number;
  readonly vectorFormat?: VectorFormat;
  readonly workDir?: string;
  readonly log?: (message: string) => void;
}

export interface SearchBenchResult {
  readonly machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  /** `commonTerms`: words whose scores are kept in memory (TermScoreCache), computed in `warmUpSeconds`. */
  /** `partitions`: of the vector table after `organizeSeconds` of partitioning (what a long-running host does after the back-fill). */
  readonly index: { entries: number; chunks: number; vectors: number; seconds: number; commonTerms: number; warmUpSeconds: number; partitions: number; organizeSeconds: number };
  readonly lexical: { queries: number; p50Ms: number; p95Ms: number };
  readonly vectorKnn: Record<string, { p50Ms: number; p95Ms: number; recallAt10: number; partitions: number }>;
  readonly vectorFormat: VectorFormat;
  readonly semanticKnn: { queries: number; p50Ms: number; p95Ms: number };
  readonly hybrid: { queries: number; p50Ms: number; p95Ms: number; model: string };
  /** Measured in two child processes (their peak RSS here too): the bare loop and the engine's back-fill. */
  readonly embedding: { texts: number; batchSize: number; bareTextsPerSecond: number; pipelineTextsPerSecond: number; ratio: number; bareMaxRssMB: number; pipelineMaxRssMB: number };
  /** Peak RSS of the process (worker threads included; the throughput run's child processes not, see `embedding`). */
  readonly maxRssMB: number;
  /** Peak anonymous RSS (sampled between phases): RSS without file pages such as the memory-mapped database. */
  readonly maxAnonymousRssMB: number;
  /** Anonymous RSS at the end of each phase. */
  readonly anonymousRssByPhaseMB: Record<string, number>;
  readonly targets: Record<string, { target: string; met: boolean }>;
}

interface SciDoc {
  _id: string;
  title: string;
  text: string;
}

const ms = (start: number) => performance.now() - start;
const round = (n: number) => Math.round(n * 100) / 100;

export async function runSearchBench(options: SearchBenchOptions = {}): Promise<SearchBenchResult> {
  const log = options.log ?? (() => undefined);
  const scifact = resolve(options.scifactDir ?? '../shared/eval/scifact');
  const modelDir = resolve(options.modelDir ?? '../shared/models/e5-small-shape-random');
  if (!existsSync(join(scifact, 'corpus.jsonl'))) throw new NotFoundError(`no SciFact corpus at ${scifact} (give --scifact DIR)`);
  const model = inspectModelFolder(modelDir);
  if (!model.ok) throw new NotFoundError(`${model.reason} (give --model-dir DIR)`);
  const targetChunks = options.chunks ?? 100_000;
  const queryCount = options.queries ?? 300;
  const batchSize = options.batchSize ?? 16;
  const format = options.vectorFormat ?? 'float32';
  const docs = readFileSync(join(scifact, 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SciDoc);
  const queries = readFileSync(join(scifact, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text).slice(0, queryCount);
  const root = mkdtempSync(join(options.workDir ?? tmpdir(), 'cairn-search-bench-'));
  let maxRss = 0;
  let maxAnon = 0;
  const anonByPhase: Record<string, number> = {};
  const sampleRss = (phase?: string) => {
    maxRss = Math.max(maxRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const anon = anonymousRss();
    maxAnon = Math.max(maxAnon, anon);
    if (phase) anonByPhase[phase] = Math.round(anon / 2 ** 20);
  };
  try {
    // 1. The index: copies of SciFact until it holds the target number of chunks.
    log(`indexing SciFact copies up to ${targetChunks} chunks`);
    const engine = Engine.open({ dataDir: join(root, 'large'), autoCatchUp: false, backgroundEmbedding: false, modelDir, vectorFormat: format });
    const started = performance.now();
    let chunks = 0;
    let entries = 0;
    for (let copy = 1; chunks < targetChunks; copy++) {
      let batch: EntryCommand[] = [];
      for (const doc of docs) {
        batch.push({ type: 'CreateEntry', entryId: uuidv7(), kind: 'document', title: `${doc.title || doc._id} (copy ${copy})`, body: doc.text, attributes: { _id: doc._id } });
        if (batch.length === 1_000) {
          engine.executeBatch(batch);
          batch = [];
        }
      }
      if (batch.length) engine.executeBatch(batch);
      engine.catchUp();
      entries += docs.length;
      chunks = engine.search.status().chunks;
      sampleRss();
      log(`  copy ${copy}: ${chunks} chunks`);
    }
    const indexSeconds = ms(started) / 1000;
    sampleRss('indexed');
    // What `cairn serve` does at start: the scores of the index's common words are kept in memory.
    log('computing the scores of common words');
    const warmStarted = performance.now();
    const commonTerms = await engine.search.warmUpCommonTerms();
    const warmUpSeconds = ms(warmStarted) / 1000;
    sampleRss('common words kept');

    // 2. Lexical.
    log('lexical queries');
    const lexicalTimes = await timeQueries(queries, (q) => engine.search.search({ query: q, mode: 'lexical', limit: 10 }));
    sampleRss('lexical');

    // 3. Vectors: synthetic, clustered per source chunk, stored for the benchmark model.
    log('storing synthetic vectors');
    const rows = engineChunks(engine);
    const dims = model.info.dims;
    for (let i = 0; i < rows.length; i += 5_000) engine.search.storeVectors(rows.slice(i, i + 5_000).map((r) => ({ inputHash: r.inputHash, vector: syntheticVector(r.textHash, r.inputHash, dims) })));
    sampleRss();
    log('partitioning the vectors');
    const organizeStarted = performance.now();
    await engine.search.organizeVectors();
    const organizeSeconds = ms(organizeStarted) / 1000;
    const partitions = engine.search.modelStatus().vectors.partitions;
    sampleRss('vectors partitioned');

    // 4. KNN per format on the same vectors, outside the engine, with recall against exact search.
    log('vector formats');
    // A query lies near the chunks it is about: a noisier member of a random chunk's cluster.
    const queryVectors = queries.map((_, i) => syntheticVector(rows[(i * 7_919) % rows.length]!.textHash, `q${i}`, dims, 0.8));
    const vectorKnn: SearchBenchResult['vectorKnn'] = {};
    let exact: number[][] = [];
    // The exact reference first (one partition: every vector compared), then each format partitioned as the engine keeps it.
    for (const [name, format, partitionFrom] of [['float32 exact', 'float32', Number.POSITIVE_INFINITY], ...vectorFormats.map((f) => [f, f, undefined] as const)] as const) {
      const db = new BetterSqlite3(join(root, `vectors-${name.replace(' ', '-')}.db`));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -65536'); // as the engine's connection
      const store = new VectorStore(db, { format, ...(partitionFrom !== undefined && { partitionFrom }) });
      store.prepare('bench', dims);
      for (let i = 0; i < rows.length; i += 5_000) {
        db.transaction(() => store.put(rows.slice(i, i + 5_000).map((r) => ({ inputHash: r.inputHash, vector: syntheticVector(r.textHash, r.inputHash, dims) }))))();
      }
      runToEnd(store.organize());
      const found: number[][] = [];
      const times: number[] = [];
      for (const vector of queryVectors) {
        const t0 = performance.now();
        found.push(store.nearest(vector, 10).map((n) => n.vectorId));
        times.push(ms(t0));
      }
      if (name === 'float32 exact') exact = found;
      const recall = found.reduce((sum, ids, i) => sum + ids.filter((id) => exact[i]!.includes(id)).length / 10, 0) / found.length;
      vectorKnn[name] = { p50Ms: round(percentile(times, 0.5)), p95Ms: round(percentile(times, 0.95)), recallAt10: round(recall), partitions: store.partitions() };
      sampleRss(`format ${name}`);
      db.close();
    }

    // 5. Semantic KNN inside the engine (entries, filters, one per entry) and hybrid end to end.
    log('semantic and hybrid queries (real query embeddings)');
    // One at a time, as searches embed them (one batch of 300 would grow the runtime's memory arena for nothing).
    const embedded: Float32Array[] = [];
    for (const query of queries) embedded.push(...(await engine.search.embedQueries([query])));
    const parsed = queries.map((q) => parseQuery(q));
    const knnTimes: number[] = [];
    embedded.forEach((vector, i) => {
      const t0 = performance.now();
      engine.search.nearestEntries(vector, parsed[i]!, 10);
      knnTimes.push(ms(t0));
    });
    sampleRss();
    await engine.search.search({ query: 'warm up', mode: 'hybrid', limit: 10 });
    const hybridTimes = await timeQueries(queries, (q) => engine.search.search({ query: `${q} `, mode: 'hybrid', limit: 10 }));
    sampleRss('hybrid');
    const vectorCount = engine.search.modelStatus().vectors.embedded;
    engine.close();

    // 6. Embedding throughput: the back-fill pipeline against a bare loop, same texts and batch size.
    log('embedding throughput');
    const embedding = measureThroughput(docs, modelDir, options.embedTexts ?? 256, batchSize, join(root, 'throughput'), log);
    sampleRss('throughput');

    const lexical = { queries: lexicalTimes.length, p50Ms: round(percentile(lexicalTimes, 0.5)), p95Ms: round(percentile(lexicalTimes, 0.95)) };
    const semanticKnn = { queries: knnTimes.length, p50Ms: round(percentile(knnTimes, 0.5)), p95Ms: round(percentile(knnTimes, 0.95)) };
    const hybrid = { queries: hybridTimes.length, p50Ms: round(percentile(hybridTimes, 0.5)), p95Ms: round(percentile(hybridTimes, 0.95)), model: model.info.name };
    const maxRssMB = Math.round(maxRss / 2 ** 20);
    const maxAnonymousRssMB = Math.round(maxAnon / 2 ** 20);
    return {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
      index: { entries, chunks, vectors: vectorCount, seconds: round(indexSeconds), commonTerms, warmUpSeconds: round(warmUpSeconds), partitions, organizeSeconds: round(organizeSeconds) },
      lexical,
      vectorKnn,
      vectorFormat: format,
      semanticKnn,
      hybrid,
      embedding,
      maxRssMB,
      maxAnonymousRssMB,
      anonymousRssByPhaseMB: anonByPhase,
      targets: {
        lexical: { target: 'p95 <= 10 ms', met: lexical.p95Ms <= 10 },
        vectorKnn: { target: 'p95 <= 30 ms', met: semanticKnn.p95Ms <= 30 },
        hybrid: { target: 'p95 <= 60 ms including the query embedding', met: hybrid.p95Ms <= 60 },
        embedding: { target: 'pipeline >= 90% of a bare loop', met: embedding.ratio >= 0.9 },
        rss: { target: '<= 1024 MB', met: maxRssMB <= 1024 },
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** RssAnon from /proc (Linux); 0 elsewhere. */
function anonymousRss(): number {
  try {
    const match = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function timeQueries(queries: readonly string[], run: (query: string) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (const query of queries) {
    const t0 = performance.now();
    await run(query);
    times.push(ms(t0));
  }
  return times;
}

function engineChunks(engine: Engine): { inputHash: string; textHash: string }[] {
  return Array.from(engine.search.chunks(), (r) => ({ inputHash: r.inputHash, textHash: hashText(r.text) }));
}

function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A unit vector near the direction seeded by `cluster`, perturbed by `member` (deterministic). */
function syntheticVector(cluster: string, member: string, dims: number, spread = 0.35): Float32Array {
  const base = seededGaussian(cluster, dims);
  const noise = seededGaussian(member, dims);
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    v[i] = base[i]! + spread * noise[i]!;
    norm += v[i]! * v[i]!;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) v[i]! /= norm;
  return v;
}

function seededGaussian(seed: string, dims: number): Float32Array {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4_294_967_296;
  };
  const out = new Float32Array(dims);
  for (let i = 0; i < dims; i++) out[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return out;
}

function measureThroughput(docs: readonly SciDoc[], modelDir: string, count: number, batchSize: number, dataDir: string, log: (m: string) => void): SearchBenchResult['embedding'] {
  const engine = Engine.open({ dataDir, autoCatchUp: false, backgroundEmbedding: false, modelDir });
  let texts: string[];
  try {
    engine.executeBatch(docs.slice(0, count).map((doc) => ({ type: 'CreateEntry', entryId: uuidv7(), kind: 'document', title: doc.title || doc._id, body: doc.text })));
    engine.catchUp();
    texts = Array.from(engine.search.chunks(count))
      .map((r) => `passage: ${embeddingInput(r.title, r.text).slice(0, 4_000)}`)
      .sort((a, b) => a.length - b.length);
  } finally {
    engine.close();
  }
  // Both sides in child processes of their own: the same model, texts (in the order the back-fill
  // batches them) and batch size; neither model copy counts in this process's memory.
  const textsFile = `${dataDir}-texts.json`;
  writeFileSync(textsFile, JSON.stringify(texts));
  const child = (script: string, args: string[]) => {
    const run = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as { textsPerSecond: number; maxRssMB: number };
  };
  log(`  bare loop: ${texts.length} texts`);
  const bare = child('./bareEmbedLoop.js', [modelDir, String(batchSize), textsFile]);
  log(`  pipeline: ${texts.length} texts`);
  const pipeline = child('./pipelineEmbedLoop.js', [dataDir, modelDir, String(batchSize)]);
  return {
    texts: texts.length,
    batchSize,
    bareTextsPerSecond: round(bare.textsPerSecond),
    pipelineTextsPerSecond: round(pipeline.textsPerSecond),
    ratio: round(pipeline.textsPerSecond / bare.textsPerSecond),
    bareMaxRssMB: bare.maxRssMB,
    pipelineMaxRssMB: pipeline.maxRssMB,
  };
}
