import type { Statement } from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import type { Database } from '../store/database.js';

/**
 * Chunk vectors in a sqlite-vec `vec0` table. Vectors are keyed by the chunk's embedding input
 * (`search_chunks.input_hash`), not by chunk id: a rebuild of the search index, an edit that keeps
 * a paragraph, or two identical chunks reuse one vector. The tables hold one model's vectors at a
 * time; `search_vector_state` records which model (and format) made them, and a different model
 * empties them so everything is embedded again.
 *
 * Formats (chosen by measurement, see BENCHMARKS.md): `float32` (exact KNN), `int8` (scaled
 * int8 KNN re-ranked with float32 copies) and `bit` (binary Hamming KNN re-ranked with float32 copies).
 */
export const vectorFormats = ['float32', 'int8', 'bit'] as const;
export type VectorFormat = (typeof vectorFormats)[number];
export const defaultVectorFormat: VectorFormat = 'float32';

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

export class VectorStore {
  private statements: { insertMeta: Statement; insertVec: Statement; hasHash: Statement; knn: Statement; floats: Statement } | undefined;
  private dims = 0;

  constructor(
    private readonly db: Database,
    readonly format: VectorFormat = defaultVectorFormat,
  ) {
    loadVectorExtension(db);
    db.exec(`CREATE TABLE IF NOT EXISTS search_vector_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
    const model = this.model();
    if (model && this.tablesExist()) this.bind(model.dims);
  }

  /** The model that made the stored vectors, if any. */
  model(): { modelId: string; dims: number; format: VectorFormat } | undefined {
    const read = (key: string) => this.db.prepare(`SELECT value FROM search_vector_state WHERE key = ?`).pluck().get(key) as string | undefined;
    const modelId = read('model_id');
    const dims = Number(read('dims'));
    const format = read('format') as VectorFormat | undefined;
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
    // Vectors are unit length, so Euclidean distance ranks like cosine — and sqlite-vec computes it faster.
    const column = this.format === 'float32' ? `float[${dims}]` : this.format === 'int8' ? `int8[${dims}]` : `bit[${roundUp8(dims)}]`;
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS search_vec; DROP TABLE IF EXISTS search_vectors;`);
      this.db.exec(`
        CREATE TABLE search_vectors (id INTEGER PRIMARY KEY, input_hash TEXT NOT NULL UNIQUE, vector BLOB);
        CREATE VIRTUAL TABLE search_vec USING vec0(embedding ${column});
      `);
      const put = this.db.prepare(`INSERT INTO search_vector_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
      put.run('model_id', modelId);
      put.run('dims', String(dims));
      put.run('format', this.format);
      put.run('generation', String(this.generation() + 1));
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
    const s = this.require();
    let stored = 0;
    for (const { inputHash, vector } of items) {
      if (s.hasHash.get(inputHash) !== undefined) continue;
      const keep = this.format === 'float32' ? null : Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
      const id = s.insertMeta.run(inputHash, keep).lastInsertRowid;
      s.insertVec.run(BigInt(id), this.encode(vector));
      stored++;
    }
    return stored;
  }

  /** Bumps the generation (part of the search index version) after vectors changed. */
  touch(): void {
    this.db.prepare(`INSERT INTO search_vector_state (key, value) VALUES ('generation', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(this.generation() + 1));
  }

  generation(): number {
    return Number(this.db.prepare(`SELECT value FROM search_vector_state WHERE key = 'generation'`).pluck().get() ?? 0);
  }

  count(): number {
    return this.tablesExist() ? (this.db.prepare(`SELECT count(*) FROM search_vectors`).pluck().get() as number) : 0;
  }

  /** The `k` nearest stored vectors to `query` (normalized), most similar first. */
  nearest(query: Float32Array, k: number): VectorNeighbour[] {
    const s = this.require();
    const fetch = Math.min(maxK, Math.max(1, k * rerankFactor[this.format]));
    const rows = s.knn.all(this.encode(query), fetch) as { rowid: number; distance: number }[];
    // For unit vectors, cosine similarity = 1 − d²/2.
    if (this.format === 'float32') return rows.slice(0, k).map((r) => ({ vectorId: r.rowid, similarity: 1 - (r.distance * r.distance) / 2 }));
    // Quantized: re-rank the candidates by exact cosine similarity on their float32 copies.
    const scored = rows.map((r) => {
      const blob = s.floats.get(r.rowid) as Buffer;
      const vector = new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
      let dot = 0;
      for (let i = 0; i < vector.length; i++) dot += vector[i]! * query[i]!;
      return { vectorId: r.rowid, similarity: dot };
    });
    return scored.sort((a, b) => b.similarity - a.similarity).slice(0, k);
  }

  /** Deletes vectors no chunk uses any more (after edits and deletions). Returns how many. */
  collectGarbage(): number {
    if (!this.tablesExist()) return 0;
    const orphans = this.db.prepare(`SELECT v.id FROM search_vectors v WHERE NOT EXISTS (SELECT 1 FROM search_chunks c WHERE c.input_hash = v.input_hash)`).pluck().all() as number[];
    if (orphans.length === 0) return 0;
    const deleteMeta = this.db.prepare(`DELETE FROM search_vectors WHERE id = ?`);
    const deleteVec = this.db.prepare(`DELETE FROM search_vec WHERE rowid = ?`);
    this.db.transaction(() => {
      for (const id of orphans) {
        deleteMeta.run(id);
        deleteVec.run(BigInt(id));
      }
    })();
    return orphans.length;
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

  private tablesExist(): boolean {
    return this.db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name IN ('search_vec', 'search_vectors')`).pluck().get() === 2;
  }

  private bind(dims: number): void {
    // Nearest-neighbour search reads every vector; through memory-mapped I/O instead of SQLite's page
    // cache it is ~3× faster (BENCHMARKS.md). Only connections that hold vectors map the file; the map
    // must cover all of it (vectors are written last). Mapped pages are the OS's file cache: they count
    // in RSS but are shared and evictable.
    this.db.pragma(`mmap_size = ${4 * 2 ** 30}`);
    const wrap = this.format === 'float32' ? '?' : this.format === 'int8' ? 'vec_int8(?)' : 'vec_bit(?)';
    this.dims = dims;
    this.statements = {
      insertMeta: this.db.prepare(`INSERT INTO search_vectors (input_hash, vector) VALUES (?, ?)`),
      insertVec: this.db.prepare(`INSERT INTO search_vec (rowid, embedding) VALUES (?, ${wrap})`),
      hasHash: this.db.prepare(`SELECT id FROM search_vectors WHERE input_hash = ?`).pluck(),
      knn: this.db.prepare(`SELECT rowid, distance FROM search_vec WHERE embedding MATCH ${wrap} AND k = ? ORDER BY distance`),
      floats: this.db.prepare(`SELECT vector FROM search_vectors WHERE id = ?`).pluck(),
    };
  }

  private require() {
    if (!this.statements) throw new Error('the vector tables are not prepared for a model');
    return this.statements;
  }
}

function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
