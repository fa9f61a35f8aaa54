import type { Statement } from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { StorageError } from '../errors/cairnError.js';
import type { Database } from '../store/database.js';
import { nearestPartitions, partitionOf, trainCentroids, type Centroids } from './partitions.js';

/**
 * Chunk vectors in a sqlite-vec `vec0` table. Vectors are keyed by the chunk's embedding input
 * (`search_chunks.input_hash`), not by chunk id: a rebuild of the search index, an edit that keeps
 * a paragraph, or two identical chunks reuse one vector. The tables hold one model's vectors at a
 * time; `search_vector_state` records which model (and format) made them, and a different model
 * empties them so everything is embedded again.
 *
 * The `vec0` table has a partition key (an inverted-file index, see partitions.ts): below
 * `partitionFrom` vectors everything is in partition 0 and KNN is exact; from there on, `organize()`
 * finds centroids and re-files the vectors into a new table, and a query scans the partitions of its
 * nearest centroids. The active table's name is in `search_vector_state` (`table`), so a re-filed
 * table replaces the old one in one transaction, and other connections notice and follow.
 *
 * Formats (chosen by measurement, see BENCHMARKS.md): `float32` (exact distances), `int8` (scaled
 * int8 KNN re-ranked with float32 copies) and `bit` (binary Hamming KNN re-ranked with float32 copies).
 */
export const vectorFormats = ['float32', 'int8', 'bit'] as const;
export type VectorFormat = (typeof vectorFormats)[number];
export const defaultVectorFormat: VectorFormat = 'float32';

export interface VectorPartitioning {
  /** Vectors from which the table is partitioned (default 20,000; `Infinity`: never, every query exact). */
  readonly partitionFrom?: number;
  /** About this many vectors per partition (default 1,000). */
  readonly partitionSize?: number;
}

export interface VectorStoreOptions extends VectorPartitioning {
  readonly format?: VectorFormat;
}

export interface VectorNeighbour {
  readonly vectorId: number;
  /** Cosine similarity to the query (1 = same direction). */
  readonly similarity: number;
}

const loaded = new WeakSet<Database>();

/** Loads the sqlite-vec extension into a connection (once). */
export function loadVectorExtension(db: Database): void {
  if (loaded.has(db)) return;
  sqliteVec.load(db);
  loaded.add(db);
}

/** How many approximate candidates a quantized format fetches per wanted neighbour, for re-ranking. */
const rerankFactor: Record<VectorFormat, number> = { float32: 1, int8: 4, bit: 10 };
const maxK = 4_096;
const defaultPartitionFrom = 20_000;
const defaultPartitionSize = 1_000;
/** A query scans this share of the partitions, and at least `minProbes`. */
const probeShare = 0.1;
const minProbes = 8;
/** Training vectors per partition (k-means runs on a sample). */
const samplePerPartition = 40;
/** Vectors re-filed per transaction while organizing (a few milliseconds each). */
const copySlice = 100;
/** The one table of vectors before they had partitions. */
const legacyTable = 'search_vec';
const tableName = /^search_vec(?:_[0-9]+)?$/;

interface Statements {
  insertMeta: Statement;
  insertVec: Statement;
  hasHash: Statement;
  knn: Statement;
  knnParts: Statement;
  floats: Statement;
}

/** What the state says about the active layout. */
interface Layout {
  readonly table: string;
  readonly centroids: Centroids | undefined;
  /** Vectors when the centroids were found. */
  readonly trainedOn: number;
}

export class VectorStore {
  readonly format: VectorFormat;
  private readonly partitionFrom: number;
  private readonly partitionSize: number;
  private statements: Statements | undefined;
  private layout: Layout | undefined;
  private dims = 0;
  private organizing = false;
  /** Read on every search (the generation, the active table): prepared once. */
  private readonly stateRead: Statement;
  private readonly stateWrite: Statement;
  private readonly schemaHas: Statement;
  /** Reads a vector back from the active vec0 table (for {@link vectorOf}), prepared once per table. */
  private readEmbedding: { table: string; statement: Statement } | undefined;

  constructor(
    private readonly db: Database,
    options: VectorStoreOptions | VectorFormat = {},
  ) {
    const resolved = typeof options === 'string' ? { format: options } : options;
    this.format = resolved.format ?? defaultVectorFormat;
    this.partitionFrom = resolved.partitionFrom ?? defaultPartitionFrom;
    this.partitionSize = resolved.partitionSize ?? defaultPartitionSize;
    loadVectorExtension(db);
    db.exec(`
      CREATE TABLE IF NOT EXISTS search_vector_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS search_vector_partitions (part INTEGER PRIMARY KEY, centroid BLOB NOT NULL);
    `);
    this.stateRead = db.prepare(`SELECT value FROM search_vector_state WHERE key = ?`).pluck();
    this.stateWrite = db.prepare(`INSERT INTO search_vector_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    this.schemaHas = db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = ?`).pluck();
    const model = this.model();
    if (model && this.readState('table') === undefined) this.upgradeUnpartitioned();
    if (model && this.tablesExist()) this.bind(model.dims);
  }

  /**
   * Vectors stored before tables had partitions stay in their table (`search_vec`, no partition key):
   * it becomes the active table, searched whole, until organize() re-files it in the background.
   */
  private upgradeUnpartitioned(): void {
    if (this.tableExists(legacyTable) && this.tableExists('search_vectors')) this.writeState('table', legacyTable);
  }

  /** The model that made the stored vectors, if any. */
  model(): { modelId: string; dims: number; format: VectorFormat } | undefined {
    const modelId = this.readState('model_id');
    const dims = Number(this.readState('dims'));
    const format = this.readState('format') as VectorFormat | undefined;
    return modelId && dims > 0 && format ? { modelId, dims, format } : undefined;
  }

  /**
   * Makes the tables hold vectors of this model. Returns true when they were emptied (no vectors yet,
   * or vectors of another model or format), so that every chunk must be embedded again.
   */
  prepare(modelId: string, dims: number): boolean {
    const current = this.model();
    if (current && current.modelId === modelId && current.dims === dims && current.format === this.format && this.tablesExist()) {
      if (this.dims !== dims) this.bind(dims);
      return false;
    }
    this.db.transaction(() => {
      this.dropVectorTables();
      this.db.exec(`CREATE TABLE search_vectors (id INTEGER PRIMARY KEY, input_hash TEXT NOT NULL UNIQUE, vector BLOB)`);
      const table = this.createVecTable(dims);
      this.writeState('model_id', modelId);
      this.writeState('dims', String(dims));
      this.writeState('format', this.format);
      this.writeState('table', table);
      this.writeState('generation', String(this.generation() + 1));
    })();
    this.bind(dims);
    return true;
  }

  get ready(): boolean {
    return this.statements !== undefined;
  }

  has(inputHash: string): boolean {
    return this.statements !== undefined && this.statements.hasHash.get(inputHash) !== undefined;
  }

  /** Stores vectors (inside the caller's transaction); an input already stored is skipped. */
  put(items: readonly { inputHash: string; vector: Float32Array }[]): number {
    this.follow();
    const s = this.require();
    const centroids = this.layout?.centroids;
    let stored = 0;
    for (const { inputHash, vector } of items) {
      if (s.hasHash.get(inputHash) !== undefined) continue;
      const keep = this.format === 'float32' ? null : Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
      const id = s.insertMeta.run(inputHash, keep).lastInsertRowid;
      if (this.layout!.table === legacyTable) s.insertVec.run(BigInt(id), this.encode(vector));
      else s.insertVec.run(BigInt(id), BigInt(centroids ? partitionOf(centroids, vector) : 0), this.encode(vector));
      stored++;
    }
    return stored;
  }

  /** Bumps the generation (part of the search index version) after vectors changed. */
  touch(): void {
    this.writeState('generation', String(this.generation() + 1));
  }

  generation(): number {
    return Number(this.readState('generation') ?? 0);
  }

  count(): number {
    return this.tablesExist() ? (this.db.prepare(`SELECT count(*) FROM search_vectors`).pluck().get() as number) : 0;
  }

  /** Partitions of the active table (1 while it is not partitioned). */
  partitions(): number {
    this.follow();
    return this.layout?.centroids?.count ?? 1;
  }

  /** The `k` nearest stored vectors to `query` (normalized), most similar first. */
  nearest(query: Float32Array, k: number): VectorNeighbour[] {
    this.follow();
    const s = this.require();
    const fetch = Math.min(maxK, Math.max(1, k * rerankFactor[this.format]));
    const encoded = this.encode(query);
    const centroids = this.layout?.centroids;
    let rows: { rowid: number; distance: number }[];
    if (centroids) {
      const probes = Math.min(centroids.count, Math.max(minProbes, Math.ceil(centroids.count * probeShare)));
      // vec0 answers `part IN (…)` one partition at a time, `fetch` rows each: merge them.
      rows = (s.knnParts.all(encoded, fetch, JSON.stringify(nearestPartitions(centroids, query, probes))) as { rowid: number; distance: number }[])
        .sort((a, b) => a.distance - b.distance)
        .slice(0, fetch);
    } else {
      rows = s.knn.all(encoded, fetch) as { rowid: number; distance: number }[];
    }
    // For unit vectors, cosine similarity = 1 − d²/2.
    if (this.format === 'float32') return rows.slice(0, k).map((r) => ({ vectorId: r.rowid, similarity: 1 - (r.distance * r.distance) / 2 }));
    // Quantized: re-rank the candidates by exact cosine similarity on their float32 copies.
    const scored: VectorNeighbour[] = [];
    for (const r of rows) {
      const blob = s.floats.get(r.rowid) as Buffer | undefined;
      if (!blob) continue; // deleted meanwhile by another connection
      const vector = toFloats(blob);
      let dot = 0;
      for (let i = 0; i < vector.length; i++) dot += vector[i]! * query[i]!;
      scored.push({ vectorId: r.rowid, similarity: dot });
    }
    return scored.sort((a, b) => b.similarity - a.similarity).slice(0, k);
  }

  /** The stored vector of an embedding input (read back from the vec0 table, or the float32 copy of a quantized one). */
  vectorOf(inputHash: string): Float32Array | undefined {
    this.follow();
    if (!this.statements || !this.layout) return undefined;
    const id = this.statements.hasHash.get(inputHash) as number | undefined;
    if (id === undefined) return undefined;
    if (this.readEmbedding?.table !== this.layout.table) this.readEmbedding = { table: this.layout.table, statement: this.db.prepare(`SELECT embedding FROM ${this.layout.table} WHERE rowid = ?`).pluck() };
    const read = this.format === 'float32' ? this.readEmbedding.statement : this.statements.floats;
    const blob = read.get(id) as Buffer | undefined;
    return blob ? toFloats(blob) : undefined;
  }

  /** Deletes vectors no chunk uses any more (after edits and deletions). Returns how many. */
  collectGarbage(): number {
    if (!this.tablesExist() || this.organizing) return 0;
    this.follow();
    const orphans = this.db.prepare(`SELECT v.id FROM search_vectors v WHERE NOT EXISTS (SELECT 1 FROM search_chunks c WHERE c.input_hash = v.input_hash)`).pluck().all() as number[];
    if (orphans.length === 0) return 0;
    const deleteMeta = this.db.prepare(`DELETE FROM search_vectors WHERE id = ?`);
    const deleteVec = this.db.prepare(`DELETE FROM ${this.layout!.table} WHERE rowid = ?`);
    this.db.transaction(() => {
      for (const id of orphans) {
        deleteMeta.run(id);
        deleteVec.run(BigInt(id));
      }
    })();
    return orphans.length;
  }

  /**
   * True when the vectors should be (re-)partitioned: there are enough of them and no centroids yet,
   * or their number doubled or halved since the centroids were found.
   */
  needsOrganizing(): boolean {
    if (!this.statements || this.organizing) return false;
    this.follow();
    const count = this.count();
    const trainedOn = this.layout?.centroids ? this.layout.trainedOn : 0;
    if (trainedOn === 0) return count >= Math.max(this.partitionFrom, 4);
    return count >= trainedOn * 2 || count * 2 < trainedOn;
  }

  /**
   * Finds centroids for the stored vectors and re-files every vector into a new partitioned table,
   * a slice at a time (yielding between slices), then makes it the active table in one transaction —
   * with the vectors stored meanwhile, by this or another connection. Returns false when it had
   * nothing to do or the tables changed under it (another model, another organizer), which leaves
   * the active table as it was.
   */
  *organize(): Generator<void, boolean> {
    if (!this.needsOrganizing()) return false;
    this.organizing = true;
    const { dims } = this;
    const old = this.layout!.table;
    /** Another model, or another connection's organize, replaced the table: give up. */
    const moved = () => this.activeTable() !== old || !this.tableExists(old);
    let next: string | undefined;
    try {
      const count = this.count();
      const parts = Math.max(2, Math.round(count / this.partitionSize));
      const sampleSize = Math.min(count, parts * samplePerPartition);
      // What is filed: each id with its input (ids can be reused after a deletion), checked again at the switch.
      const snapshot = this.db.prepare(`SELECT id, input_hash FROM search_vectors ORDER BY id`).raw().all() as [number, string][];
      const ids = snapshot.map(([id]) => id);
      this.dropLeftoverTables(old);
      // An even spread of the stored vectors (by id) is the training sample.
      const sample = new Float32Array(sampleSize * dims);
      // float32 vectors are read from vec0 itself; the quantized formats keep float32 copies.
      const readVector = this.db.prepare(this.format === 'float32' ? `SELECT embedding FROM ${old} WHERE rowid = ?` : `SELECT vector FROM search_vectors WHERE id = ?`).pluck();
      for (let i = 0; i < sampleSize; i++) {
        const blob = readVector.get(ids[Math.floor((i * ids.length) / sampleSize)]!) as Buffer | undefined;
        if (blob) sample.set(toFloats(blob), i * dims);
        if (i % copySlice === copySlice - 1) {
          yield;
          if (moved()) return false;
        }
      }
      const centroids = yield* trainCentroids(sample, dims, parts);
      if (moved()) return false;
      // Which partition each vector goes to (a slice of vectors at a time)…
      const filed = new Int32Array(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const blob = readVector.get(ids[i]!) as Buffer | undefined;
        filed[i] = blob ? partitionOf(centroids, toFloats(blob)) : -1;
        if (i % copySlice === copySlice - 1) {
          yield;
          if (moved()) return false;
        }
      }
      // …then a new table filled one partition after another: vec0 appends to each partition's chunk.
      next = this.db.transaction(() => this.createVecTable(dims))();
      const insert = this.db.prepare(`INSERT INTO ${next} (rowid, part, embedding) VALUES (?, ?, ${this.wrap()})`);
      const order = Array.from(filed.keys()).filter((i) => filed[i]! >= 0).sort((a, b) => filed[a]! - filed[b]! || a - b);
      for (let from = 0; from < order.length; from += copySlice) {
        if (moved() || !this.tableExists(next)) return false;
        this.db.transaction(() => {
          for (const i of order.slice(from, from + copySlice)) {
            const blob = readVector.get(ids[i]!) as Buffer | undefined;
            if (blob) insert.run(BigInt(ids[i]!), BigInt(filed[i]!), this.encode(toFloats(blob)));
          }
        })();
        yield;
      }
      // The switch. Meanwhile this or another connection may have stored vectors, collected garbage, or
      // stored a new input under a freed id: the new table is made to match search_vectors as it is now.
      const reconcile = (): void => {
        const filedInput = new Map(snapshot);
        const remove = this.db.prepare(`DELETE FROM ${next!} WHERE rowid = ?`);
        const current = this.db.prepare(`SELECT id, input_hash FROM search_vectors`).raw().all() as [number, string][];
        const live = new Set<number>();
        for (const [id, input] of current) {
          live.add(id);
          const before = filedInput.get(id);
          if (before === input) continue;
          if (before !== undefined) remove.run(BigInt(id)); // the id now holds another input
          const blob = readVector.get(id) as Buffer | undefined;
          if (!blob) continue;
          const vector = toFloats(blob);
          insert.run(BigInt(id), BigInt(partitionOf(centroids, vector)), this.encode(vector));
        }
        for (const [id] of snapshot) if (!live.has(id)) remove.run(BigInt(id));
      };
      return this.db.transaction(() => {
        if (moved() || !this.tableExists(next!)) return false;
        reconcile();
        this.db.exec(`DELETE FROM search_vector_partitions`);
        const putPartition = this.db.prepare(`INSERT INTO search_vector_partitions (part, centroid) VALUES (?, ?)`);
        for (let c = 0; c < centroids.count; c++) putPartition.run(c, Buffer.from(centroids.data.buffer, c * dims * 4, dims * 4));
        this.writeState('table', next!);
        this.writeState('partitioned_at', String(count));
        this.touch(); // results may differ a little: cached ones are stale
        this.db.exec(`DROP TABLE ${old}`);
        next = undefined;
        return true;
      })();
    } finally {
      this.organizing = false;
      // Stopped half-way (a host closing, another model): the half-filled table goes; a crash leaves it
      // to the next organize (dropLeftoverTables).
      if (this.db.open) {
        if (next !== undefined) this.db.exec(`DROP TABLE IF EXISTS ${next}`);
        if (this.statements && this.tablesExist()) this.bind(this.storedDims());
      }
    }
  }

  /** Tables of vectors other than the active one: left by an organize that a crash or a close cut short. */
  private dropLeftoverTables(active: string): void {
    for (const table of this.vecTables()) if (table !== active) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
  }

  private vecTables(): string[] {
    const names = this.db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND (name = 'search_vec' OR name GLOB 'search_vec_[0-9]*') AND sql LIKE 'CREATE VIRTUAL TABLE%'`).pluck().all() as string[];
    return names.filter((name) => tableName.test(name));
  }

  private storedDims(): number {
    return Number(this.readState('dims'));
  }

  private encode(vector: Float32Array): Buffer {
    if (this.format === 'float32') return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    if (this.format === 'int8') {
      // A fixed scale (4 standard deviations of a unit vector's component) keeps L2 order across vectors.
      const scale = (127 * Math.sqrt(vector.length)) / 4;
      const out = new Int8Array(vector.length);
      for (let i = 0; i < vector.length; i++) out[i] = Math.max(-127, Math.min(127, Math.round(vector[i]! * scale)));
      return Buffer.from(out.buffer);
    }
    const out = new Uint8Array(roundUp8(vector.length) / 8);
    for (let i = 0; i < vector.length; i++) if (vector[i]! > 0) out[i >> 3]! |= 1 << (i & 7);
    return Buffer.from(out.buffer);
  }

  private wrap(): string {
    return this.format === 'float32' ? '?' : this.format === 'int8' ? 'vec_int8(?)' : 'vec_bit(?)';
  }

  /** Creates an empty partitioned vec0 table with a new name (in the caller's transaction); returns the name. */
  private createVecTable(dims: number): string {
    const column = this.format === 'float32' ? `float[${dims}]` : this.format === 'int8' ? `int8[${dims}]` : `bit[${roundUp8(dims)}]`;
    const serial = Number(this.readState('table_serial') ?? 0) + 1;
    this.writeState('table_serial', String(serial));
    const name = `search_vec_${serial}`;
    // Vectors are unit length, so Euclidean distance (vec0's default) ranks like cosine — and is computed faster.
    this.db.exec(`CREATE VIRTUAL TABLE ${name} USING vec0(part INTEGER PARTITION KEY, embedding ${column})`);
    return name;
  }

  private dropVectorTables(): void {
    for (const table of this.vecTables()) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.db.exec(`DROP TABLE IF EXISTS search_vectors; DELETE FROM search_vector_partitions; DELETE FROM search_vector_state WHERE key IN ('table', 'partitioned_at')`);
  }

  private tablesExist(): boolean {
    const table = this.readState('table');
    return table !== undefined && this.tableExists(table) && this.tableExists('search_vectors');
  }

  private tableExists(name: string): boolean {
    return this.schemaHas.get(name) === 1;
  }

  private activeTable(): string | undefined {
    return this.readState('table');
  }

  /** Another connection re-filed the vectors (or changed the model): use the table it made. */
  private follow(): void {
    if (this.layout && this.activeTable() !== this.layout.table && this.tablesExist()) this.bind(this.storedDims());
  }

  private bind(dims: number): void {
    const table = this.readState('table')!;
    // The name goes into SQL: only names this code makes are accepted (a damaged or foreign file is refused).
    if (!tableName.test(table)) throw new StorageError('storage', `the vector table's name in search_vector_state is not valid: ${JSON.stringify(table)}`);
    const centroidRows = this.db.prepare(`SELECT part, centroid FROM search_vector_partitions ORDER BY part`).all() as { part: number; centroid: Buffer }[];
    let centroids: Centroids | undefined;
    if (centroidRows.length > 0) {
      const data = new Float32Array(centroidRows.length * dims);
      centroidRows.forEach((r, c) => data.set(toFloats(r.centroid), c * dims));
      centroids = { count: centroidRows.length, dims, data };
    }
    this.layout = { table, centroids, trainedOn: Number(this.readState('partitioned_at') ?? 0) };
    this.dims = dims;
    const wrap = this.wrap();
    this.statements = {
      insertMeta: this.db.prepare(`INSERT INTO search_vectors (input_hash, vector) VALUES (?, ?)`),
      insertVec: this.db.prepare(
        table === legacyTable ? `INSERT INTO ${table} (rowid, embedding) VALUES (?, ${wrap})` : `INSERT INTO ${table} (rowid, part, embedding) VALUES (?, ?, ${wrap})`,
      ),
      hasHash: this.db.prepare(`SELECT id FROM search_vectors WHERE input_hash = ?`).pluck(),
      knn: this.db.prepare(`SELECT rowid, distance FROM ${table} WHERE embedding MATCH ${wrap} AND k = ? ORDER BY distance`),
      knnParts: this.db.prepare(
        table === legacyTable ? `SELECT 1 WHERE 0` : `SELECT rowid, distance FROM ${table} WHERE embedding MATCH ${wrap} AND k = ? AND part IN (SELECT value FROM json_each(?))`,
      ),
      floats: this.db.prepare(`SELECT vector FROM search_vectors WHERE id = ?`).pluck(),
    };
  }

  private readState(key: string): string | undefined {
    return this.stateRead.get(key) as string | undefined;
  }

  private writeState(key: string, value: string): void {
    this.stateWrite.run(key, value);
  }

  private require(): Statements {
    if (!this.statements) throw new Error('the vector tables are not prepared for a model');
    return this.statements;
  }
}

/** A copy of a blob's bytes as floats (a Buffer's offset need not be aligned for a Float32Array view). */
function toFloats(blob: Buffer): Float32Array {
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}

function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
