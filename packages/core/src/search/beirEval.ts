import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { EntryCommand } from '../domain/entry/commands.js';
import { entryLimits } from '../domain/entry/events.js';
import { Engine } from '../engine/engine.js';
import { NotFoundError, ValidationError } from '../errors/cairnError.js';
import type { VectorFormat, VectorPartitioning } from '../embeddings/vectorStore.js';
import { toTraditional } from './chineseScript.js';
import { uuidv7 } from '../ids/uuidv7.js';
import type { SearchMode } from './searchViews.js';

/**
 * `cairn eval beir`: imports a BEIR folder (`corpus.jsonl`, `queries.jsonl` or `queries.<split>.jsonl`,
 * `qrels/<split>.tsv`) into a temporary data directory — each document an entry of kind `document`
 * whose `_id` attribute keeps the BEIR id — runs every query that has judgments in the split, and
 * scores the rankings with the standard formulas (as trec_eval / pytrec_eval compute them):
 *
 * - nDCG@10 = DCG@10 / IDCG@10 with DCG@k = Σ_{i≤k} rel_i / log2(i + 1) (linear gain), the ideal
 *   ranking taken from the judgments;
 * - Recall@100 = relevant documents in the top 100 / relevant documents judged;
 *
 * each averaged over the queries. Latencies are per query, through the engine's search (cache misses).
 */
export interface BeirEvalOptions {
  readonly dir: string;
  /** Default: `test` when `qrels/test.tsv` exists, else the only split there. */
  readonly split?: string;
  /** Default: hybrid with a model, lexical without. */
  readonly mode?: SearchMode;
  readonly modelDir?: string;
  readonly vectorFormat?: VectorFormat;
  /** Partition the vectors from this many on, this many per partition (to measure what partitioning costs on a small set). */
  readonly vectorPartitions?: VectorPartitioning;
  /** The semantic list's weight in hybrid fusion (default: the model's declared weight). */
  readonly semanticWeight?: number;
  /** Where the temporary data directory goes (default: the OS temp folder). */
  readonly workDir?: string;
  /** Only the first N judged queries (for quick runs). */
  readonly maxQueries?: number;
  /** Ask the (Simplified Chinese) questions converted to Traditional: how well one script finds the other. */
  readonly queryScript?: 'as-given' | 'traditional';
  readonly log?: (message: string) => void;
  readonly onProgress?: (task: string, done: number, total: number) => void;
}

export interface BeirEvalResult {
  readonly 'ndcg@10': number;
  readonly 'recall@100': number;
  readonly queries: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly mode: SearchMode;
  readonly split: string;
  readonly queryScript: 'as-given' | 'traditional';
  readonly documents: number;
  readonly chunks: number;
  readonly model: string | null;
  /** The semantic weight used in hybrid fusion. */
  readonly semanticWeight: number | null;
  /** Partitions of the vector table (1: every query compared with every vector); null in lexical mode. */
  readonly vectorPartitions: number | null;
  readonly indexSeconds: number;
  readonly embedSeconds: number | null;
}

interface BeirDocument {
  _id: string;
  title?: string;
  text?: string;
}

export async function runBeirEval(options: BeirEvalOptions): Promise<BeirEvalResult> {
  const log = options.log ?? (() => undefined);
  const corpusFile = join(options.dir, 'corpus.jsonl');
  if (!existsSync(corpusFile)) throw new NotFoundError(`${options.dir} is not a BEIR folder: it has no corpus.jsonl`);
  const split = options.split ?? defaultSplit(options.dir);
  const qrelsFile = join(options.dir, 'qrels', `${split}.tsv`);
  if (!existsSync(qrelsFile)) throw new NotFoundError(`${options.dir} has no judgments for split "${split}" (qrels/${split}.tsv)`);
  const queriesFile = existsSync(join(options.dir, `queries.${split}.jsonl`)) ? join(options.dir, `queries.${split}.jsonl`) : join(options.dir, 'queries.jsonl');
  if (!existsSync(queriesFile)) throw new NotFoundError(`${options.dir} has no queries.jsonl`);

  const qrels = await readQrels(qrelsFile);
  const queries = new Map<string, string>();
  for await (const query of readJsonLines<{ _id: string; text: string }>(queriesFile)) {
    if (qrels.has(String(query._id))) queries.set(String(query._id), options.queryScript === 'traditional' ? toTraditional(query.text) : query.text);
  }
  let judged = [...qrels.keys()].filter((id) => queries.has(id));
  if (options.maxQueries !== undefined) judged = judged.slice(0, options.maxQueries);
  if (judged.length === 0) throw new ValidationError(`no query in ${queriesFile} has judgments in qrels/${split}.tsv`);

  const root = mkdtempSync(join(options.workDir ?? tmpdir(), 'cairn-eval-'));
  const engine = Engine.open({
    dataDir: join(root, 'data'),
    autoCatchUp: false,
    backgroundEmbedding: false,
    ...(options.modelDir !== undefined && { modelDir: options.modelDir }),
    ...(options.vectorFormat !== undefined && { vectorFormat: options.vectorFormat }),
    ...(options.vectorPartitions !== undefined && { vectorPartitions: options.vectorPartitions }),
    ...(options.semanticWeight !== undefined && { semanticWeight: options.semanticWeight }),
  });
  try {
    log(`importing ${corpusFile}`);
    let started = performance.now();
    const idOf = new Map<string, string>();
    let batch: EntryCommand[] = [];
    for await (const doc of readJsonLines<BeirDocument>(corpusFile)) {
      const entryId = uuidv7();
      idOf.set(entryId, String(doc._id));
      const text = doc.text ?? '';
      const title = (doc.title ?? '').trim() || text.slice(0, 80).trim() || String(doc._id);
      batch.push({ type: 'CreateEntry', entryId, kind: 'document', title: title.slice(0, entryLimits.titleMaxChars), body: text, attributes: { _id: String(doc._id) } });
      if (batch.length === 1_000) {
        engine.executeBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) engine.executeBatch(batch);
    engine.catchUp();
    const indexSeconds = (performance.now() - started) / 1000;
    const model = engine.search.modelStatus();
    const mode: SearchMode = options.mode ?? (model.state === 'ready' ? 'hybrid' : 'lexical');
    let embedSeconds: number | null = null;
    if (mode !== 'lexical') {
      if (model.state !== 'ready') throw new ValidationError(`--mode ${mode} needs an embedding model: ${model.reason}`);
      log(`embedding ${model.vectors.pending} chunks with ${model.name}`);
      started = performance.now();
      await engine.search.embedPending({ onProgress: (done, total) => options.onProgress?.('embed', done, total) });
      await engine.search.organizeVectors();
      embedSeconds = (performance.now() - started) / 1000;
    }
    log(`running ${judged.length} queries (${mode})`);
    let ndcgSum = 0;
    let recallSum = 0;
    const times: number[] = [];
    for (const [i, queryId] of judged.entries()) {
      const t0 = performance.now();
      const response = await engine.search.search({ query: queries.get(queryId)!, mode, limit: 100 });
      times.push(performance.now() - t0);
      const ranking = response.results.map((r) => idOf.get(r.entryId)!);
      const judgments = qrels.get(queryId)!;
      ndcgSum += ndcgAt(ranking, judgments, 10);
      recallSum += recallAt(ranking, judgments, 100);
      options.onProgress?.('queries', i + 1, judged.length);
    }
    const status = engine.search.status();
    return {
      'ndcg@10': round(ndcgSum / judged.length, 4),
      'recall@100': round(recallSum / judged.length, 4),
      queries: judged.length,
      p50Ms: round(percentile(times, 0.5), 2),
      p95Ms: round(percentile(times, 0.95), 2),
      mode,
      split,
      queryScript: options.queryScript ?? 'as-given',
      documents: idOf.size,
      chunks: status.chunks,
      model: mode === 'lexical' ? null : model.name,
      semanticWeight: mode === 'hybrid' ? engine.search.semanticWeight() : null,
      vectorPartitions: mode === 'lexical' ? null : engine.search.modelStatus().vectors.partitions,
      indexSeconds: round(indexSeconds, 2),
      embedSeconds: embedSeconds === null ? null : round(embedSeconds, 2),
    };
  } finally {
    engine.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** nDCG@k with linear gain (trec_eval's `ndcg_cut`). */
export function ndcgAt(ranking: readonly string[], judgments: ReadonlyMap<string, number>, k: number): number {
  let dcg = 0;
  ranking.slice(0, k).forEach((id, i) => {
    dcg += (judgments.get(id) ?? 0) / Math.log2(i + 2);
  });
  const ideal = [...judgments.values()].filter((r) => r > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, rel, i) => sum + rel / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Recall@k: the share of relevant (rel > 0) documents found in the top k. */
export function recallAt(ranking: readonly string[], judgments: ReadonlyMap<string, number>, k: number): number {
  const relevant = [...judgments.entries()].filter(([, rel]) => rel > 0).map(([id]) => id);
  if (relevant.length === 0) return 0;
  const top = new Set(ranking.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function defaultSplit(dir: string): string {
  const qrelsDir = join(dir, 'qrels');
  if (!existsSync(qrelsDir)) throw new NotFoundError(`${dir} is not a BEIR folder: it has no qrels/`);
  const splits = readdirSync(qrelsDir).filter((f) => f.endsWith('.tsv')).map((f) => f.slice(0, -4));
  if (splits.includes('test')) return 'test';
  if (splits.length === 1) return splits[0]!;
  throw new ValidationError(`${dir} has several splits (${splits.join(', ')}); choose one with --split`);
}

async function readQrels(file: string): Promise<Map<string, Map<string, number>>> {
  const qrels = new Map<string, Map<string, number>>();
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    const [queryId, docId, score] = line.split('\t');
    if (!queryId || !docId || score === undefined || !/^-?\d+$/.test(score.trim())) continue; // the header, blank lines
    const judgments = qrels.get(queryId) ?? new Map<string, number>();
    judgments.set(docId, Number(score));
    qrels.set(queryId, judgments);
  }
  return qrels;
}

async function* readJsonLines<T>(file: string): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as T;
    } catch {
      throw new ValidationError(`${file} line ${n} is not JSON`);
    }
  }
}
