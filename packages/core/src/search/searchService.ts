import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Statement } from 'better-sqlite3';
import type { EntryKind } from '../domain/entry/events.js';
import { UnsupportedError, ValidationError } from '../errors/cairnError.js';
import { Embedder } from '../embeddings/embedder.js';
import { defaultModelName, downloadModel, type DownloadOptions } from '../embeddings/modelDownload.js';
import { inspectModelFolder, unmeasuredModelWeight, type ModelCheck, type ModelInfo } from '../embeddings/modelFolder.js';
import { VectorBackfill } from '../embeddings/vectorBackfill.js';
import { VectorStore, type VectorFormat, type VectorPartitioning } from '../embeddings/vectorStore.js';
import type { Database } from '../store/database.js';
import { entryFilterSql } from './entryFilter.js';
import { reciprocalRankFusion } from './fusion.js';
import { collectEntries, LexicalSearch, type ChunkRow, type EntryHit } from './lexicalSearch.js';
import { QueryCache, normalizeQueryText } from './queryCache.js';
import { hasFilters, hasSearchText, parseQuery, type SearchQuery } from './queryParser.js';
import { searchProjectionName } from './searchProjection.js';
import type { EmbedResult, ModelStatus, SearchMode, SearchParams, SearchResponse, SearchResult, SearchStatus } from './searchViews.js';
import { makeSnippet, snippetMarkup } from './snippet.js';

export interface SearchServiceOptions {
  readonly db: Database;
  readonly dataDir: string;
  /** Brings the async read models (the search index among them) up to the head of the log. */
  readonly catchUp: () => void;
  /** What a search runs instead, when given: the number of changes the index could not take in yet (0: none). */
  readonly catchUpForSearch?: () => number;
  /** A model folder given for this process (`--model-dir`, `CAIRN_MODEL_DIR`); wins over the setting. */
  readonly modelDir?: string;
  /** Embed new chunks in the background after each change (long-running processes). */
  readonly backgroundEmbedding: boolean;
  readonly vectorFormat?: VectorFormat;
  readonly vectorPartitions?: VectorPartitioning;
  /** Threads for the model (default: the ONNX runtime's choice, all cores). */
  readonly modelThreads?: number;
  /** The semantic list's weight in hybrid fusion (BM25's is 1); default: the model's declared weight. */
  readonly semanticWeight?: number;
  readonly onProgress?: (task: string, done: number, total: number) => void;
  /** An entry's summary (the summaries agent), the snippet of a hit whose words are in its title only. */
  readonly summaryOf?: (entryId: string) => string | undefined;
  readonly onBackgroundError?: (error: unknown) => void;
}

export const defaultSearchLimit = 20;
export const maxSearchLimit = 1_000;

interface ResolvedModel {
  readonly check: ModelCheck | undefined;
  readonly source: ModelStatus['source'];
}

interface ChunkDetail {
  id: number;
  entry_id: string;
  source: 'body' | 'text';
  start: number;
  end: number;
  text: string;
  title: string;
  kind: EntryKind;
  tags: string;
}

/**
 * Search over the index the search projection keeps: lexical (FTS5 BM25), semantic (vectors of the
 * chunks, nearest to the query's vector) and hybrid (reciprocal rank fusion of both), one result per
 * entry, with snippets; a query cache keyed by the index version; and the embedding model's life
 * cycle (which model, loading it in a worker, back-filling vectors, download).
 */
export class SearchService {
  private readonly lexical: LexicalSearch;
  /** Settles when the background computation of common-word scores has nothing left to do. */
  private commonTermsDone: Promise<void> = Promise.resolve();
  private computingCommonTerms = false;
  /** Settles when the background partitioning of the vectors has finished. */
  private organizing: Promise<boolean> | undefined;
  private stopOrganizing: (() => void) | undefined;
  private readonly vectors: VectorStore;
  private readonly backfill: VectorBackfill;
  private readonly cache = new QueryCache<Omit<SearchResponse, 'tookMs' | 'cached'>>();
  private readonly checkpoint: Statement;
  private readonly chunkDetails: Statement;
  private resolved: ResolvedModel | undefined;
  private embedder: Promise<Embedder> | undefined;
  private loadError: string | undefined;
  private running: Promise<number> | undefined;
  private closed = false;
  private readonly refolds: () => string;

  constructor(private readonly options: SearchServiceOptions) {
    const { db } = options;
    db.exec(`CREATE TABLE IF NOT EXISTS search_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
    this.checkpoint = db.prepare(`SELECT position FROM checkpoints WHERE name = ?`).pluck();
    // The projection's checkpoint moves with every change to the index; its id with a rebuild (which drops
    // and creates the tables, so chunk ids are new even where the checkpoint is not). Not the schema
    // version: partitioning the vectors creates and drops tables without changing a word of the index.
    // Sync refolds entries when something they depend on arrives later (a document's text) without moving the
    // checkpoint: it counts them in the sync state.
    const indexId = db.prepare(`SELECT id FROM search_index_id`).pluck();
    const refolds = db.prepare(`SELECT value FROM sync_state WHERE key = 'refolds'`).pluck();
    this.refolds = () => (refolds.get() as string | undefined) ?? '0';
    this.lexical = new LexicalSearch(db, {
      version: () => `${(this.checkpoint.get(searchProjectionName) as number | undefined) ?? 0}:${this.refolds()}:${(indexId.get() as string | undefined) ?? ''}`,
    });
    this.vectors = new VectorStore(db, { ...options.vectorPartitions, ...(options.vectorFormat !== undefined && { format: options.vectorFormat }) });
    this.backfill = new VectorBackfill(db, this.vectors, () => !this.closed);
    this.chunkDetails = db.prepare(
      `SELECT c.id, c.entry_id, c.source, c.start, c.end, c.text, e.title, e.kind, e.tags
       FROM json_each(?) j CROSS JOIN search_chunks c ON c.id = j.value CROSS JOIN search_entries e ON e.entry_id = c.entry_id`,
    );
  }

  // ── search ────────────────────────────────────────────────────────────────────────────────────

  async search(params: SearchParams): Promise<SearchResponse> {
    const started = performance.now();
    const limit = params.limit ?? defaultSearchLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxSearchLimit) throw new ValidationError(`limit must be between 1 and ${maxSearchLimit}`);
    const query = parseParams(params);
    const unindexed = this.options.catchUpForSearch ? this.options.catchUpForSearch() : (this.options.catchUp(), 0);
    const notices = [...query.notices];
    if (unindexed > 0) notices.push(`${unindexed} recent changes are still being indexed; they may be missing from these results`);
    const model = this.resolveModel();
    const modelReason = this.unavailableReason(model);
    let mode: SearchMode = params.mode ?? (modelReason === undefined ? 'hybrid' : 'lexical');
    if (mode !== 'lexical' && modelReason !== undefined) {
      if (mode === 'semantic') throw new UnsupportedError(`semantic search needs an embedding model: ${modelReason}`);
      mode = 'lexical';
      notices.push(`lexical results only: ${modelReason}`);
    }
    const key = JSON.stringify([normalizeQueryText(params.query), [...query.tags].sort(), [...query.kinds].sort(), params.type ?? null, mode, limit]);
    const version = this.indexVersion();
    const cached = this.cache.get(version, key);
    if (cached) return { ...cached, tookMs: elapsed(started), cached: true };

    let hits: EntryHit[];
    if (!hasSearchText(query)) {
      hits = hasFilters(query) ? this.filteredEntries(query, limit) : [];
      if (!hasFilters(query)) notices.push(params.query.trim() === '' ? 'type something to search for' : 'the query has no words to search for');
    } else if (mode === 'lexical') {
      hits = this.lexical.search(query, limit);
    } else {
      const depth = Math.max(limit, 50);
      // The worker embeds the query while this thread runs the lexical search.
      const queryVector = this.embedQuery(query);
      queryVector.catch(() => undefined);
      const lexicalHits = mode === 'hybrid' ? this.lexical.search(query, depth) : [];
      let semanticHits: EntryHit[] | undefined;
      try {
        semanticHits = this.nearestEntries(await queryVector, query, mode === 'hybrid' ? depth : limit);
      } catch (error) {
        if (mode === 'semantic') throw error;
        notices.push(`lexical results only: ${(error as Error).message}`);
        mode = 'lexical';
      }
      hits =
        semanticHits === undefined
          ? lexicalHits.slice(0, limit)
          : mode === 'semantic'
            ? semanticHits
            : reciprocalRankFusion(
                [
                  { name: 'lexical', hits: lexicalHits, weight: 1 },
                  { name: 'semantic', hits: semanticHits, weight: this.semanticWeight() },
                ],
                limit,
              );
      const pending = this.backfill.pending();
      if (pending > 0 && semanticHits !== undefined) notices.push(`${pending} chunks are still waiting for vectors; they are found by words only`);
    }
    const response = { results: this.toResults(hits, query), mode, notices };
    this.cache.set(version, key, response);
    this.computeCommonTermsSoon();
    return { ...response, tookMs: elapsed(started), cached: false };
  }

  /**
   * Entries whose indexed text may mention a title (the links agent checks each exactly): the title as a phrase, then
   * any of its words by BM25, by words only and without the cache. Analyzed like any query, so Chinese works.
   */
  mentionCandidates(title: string, limit: number): string[] {
    this.options.catchUp();
    const words = title.replace(/["()]/gu, ' ').trim();
    if (words === '') return [];
    const ids = new Set<string>();
    for (const text of [`"${words}"`, words]) {
      const query = parseQuery(text);
      if (!hasSearchText(query)) continue;
      for (const hit of this.lexical.search(query, limit)) ids.add(hit.entryId);
    }
    return [...ids];
  }

  /** The semantic list's weight in hybrid fusion: given for this process, else declared by the model. */
  semanticWeight(): number {
    const check = this.resolveModel().check;
    return this.options.semanticWeight ?? (check?.ok ? check.info.hybridWeight : undefined) ?? unmeasuredModelWeight;
  }

  /** Changes whenever the index does: new events in the search projection, new vectors, another model. */
  indexVersion(): string {
    const position = (this.checkpoint.get(searchProjectionName) as number | undefined) ?? 0;
    return `${position}:${this.refolds()}:${this.vectors.generation()}`;
  }

  status(): SearchStatus {
    this.options.catchUp();
    const count = (sql: string) => this.options.db.prepare(sql).pluck().get() as number;
    return {
      entries: count(`SELECT count(*) FROM search_entries WHERE deleted = 0`),
      chunks: count(`SELECT count(*) FROM search_chunks`),
      indexVersion: this.indexVersion(),
      cache: this.cache.stats(),
      model: this.modelStatus(),
    };
  }

  private async embedQuery(query: SearchQuery): Promise<Float32Array> {
    const embedder = await this.loadEmbedder();
    const text = query.semanticText || query.phrases.map((p) => p.join(' ')).join(' ');
    const [vector] = await embedder.embedQueries([text]);
    return vector!;
  }

  /** The entries whose chunks are nearest to `vector`, one per entry, filters and exclusions applied. */
  nearestEntries(vector: Float32Array, query: SearchQuery, limit: number): EntryHit[] {
    const filter = entryFilterSql(query);
    const excluded = this.lexical.excludedEntries(query);
    // json_each first: the planner must look up the few neighbours, not scan the chunks.
    const mapChunks = this.options.db.prepare(
      `SELECT v.id AS vectorId, c.id AS chunkId, c.entry_id AS entryId
       FROM json_each(?) j CROSS JOIN search_vectors v ON v.id = j.value CROSS JOIN search_chunks c ON c.input_hash = v.input_hash
       ${filter ? `JOIN search_entries e ON e.entry_id = c.entry_id WHERE ${filter.where}` : ''}`,
    );
    return collectEntries(
      limit,
      excluded,
      (k) => {
        const neighbours = this.vectors.nearest(vector, k);
        const order = new Map(neighbours.map((n, i) => [n.vectorId, i]));
        const rows = mapChunks.all(JSON.stringify(neighbours.map((n) => n.vectorId)), ...(filter?.params ?? [])) as { vectorId: number; chunkId: number; entryId: string }[];
        rows.sort((a, b) => order.get(a.vectorId)! - order.get(b.vectorId)! || a.chunkId - b.chunkId);
        const page: ChunkRow[] = rows.map((r) => ({ chunkId: r.chunkId, entryId: r.entryId, score: neighbours[order.get(r.vectorId)!]!.similarity }));
        return { rows: page, exhausted: neighbours.length < k };
      },
      // Filters are applied after the nearest-neighbour search: look further ahead when they are set.
      filter ? limit * 20 + 100 : limit * 3 + 20,
    );
  }

  /** BM25 hits for an analyzed query (agents build theirs from an entry's terms: related entries). */
  lexicalEntries(query: SearchQuery, limit: number): EntryHit[] {
    this.options.catchUp();
    return this.lexical.search(query, limit);
  }

  /**
   * The stored vectors of these embedding inputs (an entry's chunks), when a model is ready and they are of
   * its vectors; undefined otherwise (no model, or none of them embedded yet).
   */
  vectorsOf(inputHashes: readonly string[]): Float32Array[] | undefined {
    const check = this.resolveModel().check;
    if (this.unavailableReason(this.resolveModel()) !== undefined || !check?.ok || this.vectors.model()?.modelId !== check.info.modelId) return undefined;
    const found = inputHashes.map((hash) => this.vectors.vectorOf(hash)).filter((v): v is Float32Array => v !== undefined);
    return found.length > 0 ? found : undefined;
  }

  /**
   * Stores precomputed vectors for the current model (benchmarks and tools; normal operation embeds
   * through the back-fill). Chunks whose input now has a vector leave the queue.
   */
  storeVectors(items: readonly { inputHash: string; vector: Float32Array }[]): void {
    const check = this.resolveModel().check;
    if (!check?.ok) throw new UnsupportedError(this.unavailableReason(this.resolveModel()) ?? 'no model');
    if (this.vectors.prepare(check.info.modelId, check.info.dims)) this.backfill.requeueAll();
    this.options.db.transaction(() => {
      this.vectors.put(items);
      this.vectors.touch();
    })();
    this.options.db.prepare(`DELETE FROM search_embed_queue WHERE chunk_id IN (SELECT c.id FROM search_chunks c JOIN search_vectors v ON v.input_hash = c.input_hash)`).run();
  }

  /** Indexed chunks in id order, one at a time: embedding-input key, entry title and text (benchmarks and tools). */
  *chunks(limit = Number.MAX_SAFE_INTEGER): Generator<{ inputHash: string; title: string; text: string }> {
    const rows = this.options.db
      .prepare(`SELECT c.input_hash AS inputHash, e.title, c.text FROM search_chunks c JOIN search_entries e ON e.entry_id = c.entry_id ORDER BY c.id LIMIT ?`)
      .iterate(limit) as Iterable<{ inputHash: string; title: string; text: string }>;
    yield* rows;
  }

  /** Query vectors from the current model (what a search embeds), for benchmarks and tools. */
  async embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return (await this.loadEmbedder()).embedQueries(texts);
  }

  /** Which of `entryIds` (undefined: of all entries) a query finds by its words and filters (see {@link LexicalSearch.matching}). */
  matching(params: Omit<SearchParams, 'mode' | 'limit'>, entryIds: readonly string[] | undefined): Set<string> {
    return this.lexical.matching(parseParams(params), entryIds);
  }

  /** Entries that pass the filters, most recently changed first (a query of filters only). */
  private filteredEntries(query: SearchQuery, limit: number): EntryHit[] {
    const filter = entryFilterSql(query)!;
    const excluded = this.lexical.excludedEntries(query);
    const rows = this.options.db
      .prepare(
        `SELECT e.entry_id AS entryId, (SELECT min(c.id) FROM search_chunks c WHERE c.entry_id = e.entry_id) AS chunkId
         FROM search_entries e WHERE e.deleted = 0 AND ${filter.where} ORDER BY e.updated_position DESC LIMIT ?`,
      )
      .all(...filter.params, limit + excluded.size) as { entryId: string; chunkId: number }[];
    return rows.filter((r) => !excluded.has(r.entryId) && r.chunkId !== null).slice(0, limit).map((r) => ({ ...r, score: 0 }));
  }

  private toResults(hits: readonly EntryHit[], query: SearchQuery): SearchResult[] {
    if (hits.length === 0) return [];
    const details = new Map((this.chunkDetails.all(JSON.stringify(hits.map((h) => h.chunkId))) as ChunkDetail[]).map((d) => [d.id, d]));
    const terms = new Set([...query.terms, ...query.phrases.flat()]);
    const results: SearchResult[] = [];
    for (const hit of hits) {
      const detail = details.get(hit.chunkId);
      if (!detail) continue;
      results.push({
        entryId: hit.entryId,
        title: detail.title,
        snippet: this.snippetOf(hit.entryId, detail, terms),
        score: Math.round(hit.score * 1e6) / 1e6,
        kind: detail.kind,
        tags: JSON.parse(detail.tags) as string[],
        chunk: { source: detail.source, start: detail.start, end: detail.end },
      });
    }
    return results;
  }

  /**
   * The chunk's text around the matched words; when none of them is in the chunk but some are in the title (the
   * entry was found by its title), the entry's summary says more than the chunk's first lines.
   */
  private snippetOf(entryId: string, detail: ChunkDetail, terms: ReadonlySet<string>): string {
    const snippet = makeSnippet(detail.text, terms);
    if (terms.size === 0 || snippet.includes(snippetMarkup.open) || !makeSnippet(detail.title, terms).includes(snippetMarkup.open)) return snippet;
    const summary = this.options.summaryOf?.(entryId);
    return summary === undefined ? snippet : makeSnippet(summary, terms);
  }

  // ── the embedding model ───────────────────────────────────────────────────────────────────────

  modelStatus(): ModelStatus {
    this.options.catchUp();
    const resolved = this.resolveModel();
    const stored = this.vectors.model();
    const pending = this.backfill.pending();
    const chunks = this.options.db.prepare(`SELECT count(*) FROM search_chunks`).pluck().get() as number;
    const info = resolved.check?.ok ? resolved.check.info : undefined;
    const current = info !== undefined && stored?.modelId === info.modelId;
    const reason = this.unavailableReason(resolved) ?? null;
    return {
      state: resolved.check === undefined ? 'missing' : !resolved.check.ok ? 'invalid' : this.loadError !== undefined ? 'error' : 'ready',
      name: info?.name ?? null,
      dir: info?.dir ?? null,
      source: resolved.source,
      dims: info?.dims ?? null,
      modelId: info?.modelId ?? null,
      hybridWeight: info ? this.semanticWeight() : null,
      reason,
      vectors: {
        embedded: current ? chunks - pending : 0,
        pending: current ? pending : chunks,
        modelId: stored?.modelId ?? null,
        format: stored?.format ?? null,
        partitions: this.vectors.ready ? this.vectors.partitions() : 1,
      },
    };
  }

  /** Makes `dir` the model of this data directory (remembered), and queues re-embedding if it differs. */
  async useModel(dir: string): Promise<ModelStatus> {
    const check = inspectModelFolder(dir);
    if (!check.ok) throw new ValidationError(check.reason, { dir });
    this.options.db
      .prepare(`INSERT INTO search_settings (key, value) VALUES ('model_dir', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
      .run(check.info.dir);
    await this.resetModel();
    this.kick();
    return this.modelStatus();
  }

  /** Downloads the default model into `<data>/models/` (resumable, checksummed), then uses it unless another model is set. */
  async downloadModel(options: Omit<DownloadOptions, 'modelsDir'> = {}): Promise<ModelStatus> {
    await downloadModel({
      ...options,
      modelsDir: join(this.options.dataDir, 'models'),
      onProgress: options.onProgress ?? ((done, total) => this.options.onProgress?.('model-download', done, total)),
    });
    await this.resetModel();
    this.kick();
    return this.modelStatus();
  }

  /** Embeds queued chunks now (up to `max`), reporting progress. */
  async embedPending(options: { max?: number; batchSize?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<EmbedResult> {
    this.options.catchUp();
    const reason = this.unavailableReason(this.resolveModel());
    if (reason !== undefined) throw new UnsupportedError(`cannot compute vectors: ${reason}`);
    if (this.running) await this.running.catch(() => 0);
    const total = Math.min(this.backfill.pending(), options.max ?? Number.POSITIVE_INFINITY);
    const report = options.onProgress ?? ((done: number, all: number) => this.options.onProgress?.('embed', done, all));
    const embedded = await this.runBackfill({
      ...(options.max !== undefined && { max: options.max }),
      ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
      onProgress: (p) => report(p.embedded, total),
    });
    return { embedded, pending: this.backfill.pending() };
  }

  /** After the index changed: back-fill vectors in the background, when enabled and a model is there. */
  kick(): void {
    if (!this.options.backgroundEmbedding || this.closed || this.running) return;
    if (this.unavailableReason(this.resolveModel()) !== undefined || this.backfill.pending() === 0) return;
    this.runBackfill({}).catch((error: unknown) => this.options.onBackgroundError?.(error));
  }

  /**
   * Computes the scores of every common word of the index (see TermScoreCache), in slices between
   * other work; resolves, once they are done, with how many words it asked for. `cairn serve` warms up
   * with it at start.
   */
  async warmUpCommonTerms(): Promise<number> {
    this.options.catchUp();
    const count = this.lexical.wantAllCommonTerms();
    this.computeCommonTermsSoon();
    await this.commonTermsDone;
    return count;
  }

  /** Computes wanted common-word scores in the background, a slice per turn of the event loop. */
  private computeCommonTermsSoon(): void {
    if (this.computingCommonTerms || this.closed || !this.lexical.hasWanted) return;
    this.computingCommonTerms = true;
    this.commonTermsDone = new Promise((resolve) => {
      const step = () => {
        let more = false;
        try {
          more = !this.closed && this.lexical.computeWanted();
        } catch (error) {
          this.options.onBackgroundError?.(error);
        }
        if (more) setImmediate(step);
        else {
          this.computingCommonTerms = false;
          resolve();
        }
      };
      setImmediate(step);
    });
  }

  /**
   * Partitions the stored vectors once there are enough of them (see VectorStore.organize), in slices
   * between other work; resolves with true when it re-filed them. Long-running hosts do it after the
   * back-fill and at start.
   */
  organizeVectors(): Promise<boolean> {
    if (this.organizing) return this.organizing;
    if (this.closed || !this.vectors.needsOrganizing()) return Promise.resolve(false);
    const steps = this.vectors.organize();
    const run = new Promise<boolean>((resolve, reject) => {
      // close() stops it before the database closes (the half-filled table is dropped).
      this.stopOrganizing = () => {
        steps.return(false);
        resolve(false);
      };
      const step = () => {
        try {
          if (this.closed) return;
          const next = steps.next();
          if (next.done) resolve(next.value);
          else setImmediate(step);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      setImmediate(step);
    });
    this.organizing = run;
    const clear = () => {
      this.organizing = undefined;
      this.stopOrganizing = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  close(): void {
    this.closed = true;
    this.stopOrganizing?.();
    const embedder = this.embedder;
    this.embedder = undefined;
    if (embedder) void embedder.then((e) => e.close()).catch(() => undefined);
  }

  private runBackfill(options: { max?: number; batchSize?: number; onProgress?: (p: { embedded: number; pending: number }) => void }): Promise<number> {
    const run = (async () => {
      const embedder = await this.loadEmbedder();
      const count = await this.backfill.run(embedder, options);
      if (!this.closed && this.backfill.pending() === 0 && this.vectors.collectGarbage() > 0) this.vectors.touch();
      if (this.options.backgroundEmbedding && !this.closed) this.organizeVectors().catch((error: unknown) => this.options.onBackgroundError?.(error));
      return count;
    })();
    this.running = run;
    const clear = () => {
      if (this.running === run) this.running = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  /** The model to use: the folder given for this process, else the one set with `model use`, else the downloaded default. */
  private resolveModel(): ResolvedModel {
    if (this.resolved) return this.resolved;
    let resolved: ResolvedModel;
    const setting = this.options.db.prepare(`SELECT value FROM search_settings WHERE key = 'model_dir'`).pluck().get() as string | undefined;
    const downloaded = join(this.options.dataDir, 'models', defaultModelName);
    if (this.options.modelDir) resolved = { check: inspectModelFolder(resolve(this.options.modelDir)), source: 'option' };
    else if (setting) resolved = { check: inspectModelFolder(setting), source: 'setting' };
    else if (existsSync(downloaded)) resolved = { check: inspectModelFolder(downloaded), source: 'downloaded' };
    else resolved = { check: undefined, source: null };
    this.resolved = resolved;
    return resolved;
  }

  private unavailableReason(resolved: ResolvedModel): string | undefined {
    if (resolved.check === undefined) {
      return `no embedding model; run "cairn model download" (or set CAIRN_MODEL_DIR / --model-dir to a local model folder)`;
    }
    if (!resolved.check.ok) return resolved.check.reason;
    return this.loadError;
  }

  /** Starts the worker once; makes the vector tables fit the model (re-queueing every chunk when it changed). */
  private loadEmbedder(): Promise<Embedder> {
    if (this.embedder) return this.embedder;
    const check = this.resolveModel().check;
    if (!check?.ok) return Promise.reject(new UnsupportedError(this.unavailableReason(this.resolveModel()) ?? 'no model'));
    const info: ModelInfo = check.info;
    if (this.vectors.prepare(info.modelId, info.dims)) this.backfill.requeueAll();
    const started = Embedder.start(info, this.options.modelThreads === undefined ? {} : { threads: this.options.modelThreads });
    this.embedder = started;
    started.catch((error: unknown) => {
      this.loadError = (error as Error).message;
      if (this.embedder === started) this.embedder = undefined;
    });
    return started;
  }

  private async resetModel(): Promise<void> {
    const embedder = this.embedder;
    this.embedder = undefined;
    this.resolved = undefined;
    this.loadError = undefined;
    if (this.running) await this.running.catch(() => 0);
    if (embedder) await embedder.then((e) => e.close()).catch(() => undefined);
    const check = this.resolveModel().check;
    if (check?.ok && this.vectors.prepare(check.info.modelId, check.info.dims)) this.backfill.requeueAll();
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** A search's text and its filter parameters as one parsed query (`tag:`, `kind:`, `type:` may be in either). */
function parseParams(params: Omit<SearchParams, 'mode' | 'limit'>): SearchQuery {
  const tags = params.tag === undefined ? [] : typeof params.tag === 'string' ? [params.tag] : [...params.tag];
  return parseQuery(params.query, { tags, kinds: params.kind ? [params.kind] : [], types: params.type ? [params.type] : [] });
}
