import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../store/database.js';
import { makeTempDir } from '../testing/tempDir.js';
import { nearestPartitions, runToEnd } from './partitions.js';
import { loadVectorExtension, VectorStore, type VectorStoreOptions } from './vectorStore.js';

const dims = 24;

/** Unit vectors in `clusters` groups (deterministic): member m of cluster c. */
function vectorOf(c: number, m: number, clusters = 30): Float32Array {
  const v = new Float32Array(dims);
  let state = c * 7919 + m * 104729 + 1;
  for (let i = 0; i < dims; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    v[i] = (i % clusters === c % dims ? 2 : 0) + Math.sin(c * 31 + i * 17) + 0.3 * (state / 2 ** 31 - 0.5);
  }
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function fill(store: VectorStore, db: Database, clusters: number, perCluster: number, prefix = ''): void {
  db.transaction(() => {
    for (let c = 0; c < clusters; c++) for (let m = 0; m < perCluster; m++) store.put([{ inputHash: `${prefix}${c}-${m}`, vector: vectorOf(c, m) }]);
  })();
}

describe('VectorStore partitions', () => {

  let dir: { path: string; remove: () => void };
  let db: Database;
  beforeEach(() => {
    dir = makeTempDir();
    db = openDatabase(dir.path);
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });
  /** A store prepared for a model and filled with `clusters` × `perCluster` vectors. */
  const filledStore = (options: VectorStoreOptions, clusters: number, perCluster: number, model = 'model'): VectorStore => {
    const store = new VectorStore(db, options);
    store.prepare(model, dims);
    fill(store, db, clusters, perCluster);
    return store;
  };

  it('is exact and unpartitioned below the threshold, and partitioned once organized, finding what exact search finds', () => {
    const exactStore = new VectorStore(db, { partitionFrom: Number.POSITIVE_INFINITY });
    exactStore.prepare('model', dims);
    fill(exactStore, db, 30, 20);
    expect(exactStore.needsOrganizing()).toBe(false);
    const queries = Array.from({ length: 30 }, (_, c) => vectorOf(c, 999));
    const exact = queries.map((q) => exactStore.nearest(q, 10).map((n) => n.vectorId));

    const store = new VectorStore(db, { partitionFrom: 500, partitionSize: 25 });
    expect(store.partitions()).toBe(1);
    expect(store.needsOrganizing()).toBe(true);
    expect(runToEnd(store.organize())).toBe(true);
    expect(store.partitions()).toBe(24);
    expect(store.needsOrganizing()).toBe(false);
    expect(store.count()).toBe(600);
    const found = queries.map((q) => store.nearest(q, 10).map((n) => n.vectorId));
    const recall = found.reduce((sum, ids, i) => sum + ids.filter((id) => exact[i]!.includes(id)).length / 10, 0) / found.length;
    expect(recall).toBeGreaterThanOrEqual(0.95);
    // Only the new table is left.
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE name GLOB 'search_vec_[0-9]*' AND sql LIKE 'CREATE VIRTUAL%'`).pluck().all();
    expect(tables).toHaveLength(1);
  });

  it('keeps the vectors stored while it organizes, and a second connection follows the new table', () => {
    const store = filledStore({ partitionFrom: 300, partitionSize: 30 }, 20, 20);
    const other = openDatabase(dir.path);
    try {
      const otherStore = new VectorStore(other, { partitionFrom: 300, partitionSize: 30 });
      const steps = store.organize();
      let n = 0;
      let next = steps.next();
      for (; !next.done; next = steps.next()) {
        // Stored meanwhile, through both connections, partway through.
        if (n++ === 5) {
          db.transaction(() => store.put([{ inputHash: 'late-a', vector: vectorOf(3, 500) }]))();
          other.transaction(() => otherStore.put([{ inputHash: 'late-b', vector: vectorOf(7, 501) }]))();
        }
      }
      expect(next.value).toBe(true);
      expect(store.count()).toBe(402);
      for (const [c, m] of [[3, 500], [7, 501]] as const) {
        for (const s of [store, otherStore]) {
          const [best] = s.nearest(vectorOf(c, m), 1);
          expect(best!.similarity).toBeCloseTo(1, 5);
        }
      }
      // The other connection stores into the new table too.
      other.transaction(() => otherStore.put([{ inputHash: 'after', vector: vectorOf(11, 502) }]))();
      expect(store.nearest(vectorOf(11, 502), 1)[0]!.similarity).toBeCloseTo(1, 5);
      expect(otherStore.partitions()).toBe(store.partitions());
    } finally {
      other.close();
    }
  });

  it('organizes again when the vectors doubled, and gives up (the table intact) when the model changes under it', () => {
    const store = filledStore({ partitionFrom: 100, partitionSize: 20 }, 10, 10);
    expect(runToEnd(store.organize())).toBe(true);
    expect(store.partitions()).toBe(5);
    fill(store, db, 10, 10, 'more-');
    expect(store.needsOrganizing()).toBe(true);
    const steps = store.organize();
    steps.next();
    store.prepare('another-model', dims); // empties the tables for another model
    let next = steps.next();
    while (!next.done) next = steps.next();
    expect(next.value).toBe(false);
    expect(store.count()).toBe(0);
    expect(store.partitions()).toBe(1);
    store.put([{ inputHash: 'x', vector: vectorOf(1, 1) }]);
    expect(store.nearest(vectorOf(1, 1), 1)[0]!.similarity).toBeCloseTo(1, 5);
  });

  it('uses a table of vectors stored before partitions existed, then moves it into partitions', () => {
    loadVectorExtension(db);
    db.exec(`
      CREATE TABLE search_vector_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO search_vector_state VALUES ('model_id', 'model'), ('dims', '${dims}'), ('format', 'float32'), ('generation', '3');
      CREATE TABLE search_vectors (id INTEGER PRIMARY KEY, input_hash TEXT NOT NULL UNIQUE, vector BLOB);
      CREATE VIRTUAL TABLE search_vec USING vec0(embedding float[${dims}]);
    `);
    const insertMeta = db.prepare(`INSERT INTO search_vectors (input_hash) VALUES (?)`);
    const insertVec = db.prepare(`INSERT INTO search_vec (rowid, embedding) VALUES (?, ?)`);
    for (let c = 0; c < 10; c++) {
      for (let m = 0; m < 12; m++) {
        const v = vectorOf(c, m);
        insertVec.run(BigInt(insertMeta.run(`${c}-${m}`).lastInsertRowid), Buffer.from(v.buffer));
      }
    }
    const store = new VectorStore(db, { partitionFrom: 100, partitionSize: 20 });
    expect(store.prepare('model', dims)).toBe(false); // nothing to embed again
    expect(store.nearest(vectorOf(4, 5), 1)[0]!.similarity).toBeCloseTo(1, 5);
    store.put([{ inputHash: 'new', vector: vectorOf(2, 77) }]);
    expect(runToEnd(store.organize())).toBe(true);
    expect(store.partitions()).toBe(6);
    expect(db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 'search_vec'`).pluck().get()).toBe(0);
    expect(store.nearest(vectorOf(4, 5), 1)[0]!.similarity).toBeCloseTo(1, 5);
    expect(store.nearest(vectorOf(2, 77), 1)[0]!.similarity).toBeCloseTo(1, 5);
    expect(store.generation()).toBeGreaterThan(3);
  });

  it('searches only the nearest partitions (a vector filed in a far one is not found), in every format', () => {
    for (const format of ['float32', 'int8', 'bit'] as const) {
      const store = new VectorStore(db, { format, partitionFrom: 300, partitionSize: 15 });
      store.prepare(`model-${format}`, dims);
      fill(store, db, 30, 12);
      expect(runToEnd(store.organize())).toBe(true);
      expect(store.partitions()).toBe(24);
      const query = vectorOf(5, 777);
      expect(store.nearest(query, 5).length).toBe(5);
      // The query's own vector, filed by hand in the partition farthest from it: a search that scanned
      // every partition would find it first (similarity 1).
      const centroids = db.prepare(`SELECT centroid FROM search_vector_partitions ORDER BY part`).pluck().all() as Buffer[];
      const data = new Float32Array(centroids.length * dims);
      centroids.forEach((c, i) => data.set(new Float32Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength)), i * dims));
      const far = nearestPartitions({ count: centroids.length, dims, data }, query, centroids.length).at(-1)!;
      const table = db.prepare(`SELECT value FROM search_vector_state WHERE key = 'table'`).pluck().get() as string;
      const id = Number(db.prepare(`INSERT INTO search_vectors (input_hash, vector) VALUES ('planted', ?)`).run(Buffer.from(query.buffer)).lastInsertRowid);
      const wrap = format === 'float32' ? '?' : format === 'int8' ? 'vec_int8(?)' : 'vec_bit(?)';
      const bits = Buffer.alloc(Math.ceil(dims / 8));
      query.forEach((x, i) => {
        if (x > 0) bits[i >> 3]! |= 1 << (i & 7);
      });
      const encoded = format === 'float32' ? Buffer.from(query.buffer) : format === 'int8' ? Buffer.from(Int8Array.from(query, (x) => Math.round(x * 127)).buffer) : bits;
      db.prepare(`INSERT INTO ${table} (rowid, part, embedding) VALUES (?, ?, ${wrap})`).run(BigInt(id), BigInt(far), encoded);
      expect(store.nearest(query, 5).map((n) => n.vectorId)).not.toContain(id);
      store.prepare('reset', dims);
    }
  });

  it('matches what another connection deleted, stored, or stored under a freed id while it organized', () => {
    const store = filledStore({ format: 'int8', partitionFrom: 300, partitionSize: 30 }, 20, 20);
    const other = openDatabase(dir.path);
    try {
      const otherStore = new VectorStore(other, { format: 'int8', partitionFrom: 300, partitionSize: 30 });
      const maxId = db.prepare(`SELECT max(id) FROM search_vectors`).pluck().get() as number;
      const steps = store.organize();
      const vecTables = () => db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name GLOB 'search_vec_[0-9]*' AND sql LIKE 'CREATE VIRTUAL%'`).pluck().get() as number;
      while (vecTables() < 2) steps.next();
      for (let i = 0; i < 3; i++) expect(steps.next().done).toBe(false); // most of the 400 copied (100 a step), not switched yet
      // Then the other connection drops 20 vectors (the highest id among them) and stores a new input,
      // which takes the freed highest id.
      const removed = other.prepare(`SELECT id FROM search_vectors WHERE id > ? - 20`).pluck().all(maxId) as number[];
      other.transaction(() => {
        for (const id of removed) {
          other.prepare(`DELETE FROM search_vectors WHERE id = ?`).run(id);
          other.prepare(`DELETE FROM ${other.prepare(`SELECT value FROM search_vector_state WHERE key = 'table'`).pluck().get() as string} WHERE rowid = ?`).run(BigInt(id));
        }
        otherStore.put([{ inputHash: 'fresh', vector: vectorOf(9, 900) }]);
      })();
      expect(db.prepare(`SELECT id FROM search_vectors WHERE input_hash = 'fresh'`).pluck().get()).toBe(maxId - 19);
      let next = steps.next();
      while (!next.done) next = steps.next();
      expect(next.value).toBe(true);
      const table = db.prepare(`SELECT value FROM search_vector_state WHERE key = 'table'`).pluck().get() as string;
      expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(381);
      expect(store.count()).toBe(381);
      const [best] = store.nearest(vectorOf(9, 900), 1);
      expect(best!.vectorId).toBe(maxId - 19);
      expect(best!.similarity).toBeCloseTo(1, 5);
      // Every vector found is still stored (the re-rank reads its float copy).
      for (let c = 0; c < 20; c++) expect(store.nearest(vectorOf(c, 3), 10)).toHaveLength(10);
    } finally {
      other.close();
    }
  });

  it('drops its half-filled table when stopped, and one a crash left behind when it organizes again', () => {
    const store = filledStore({ partitionFrom: 300, partitionSize: 30 }, 20, 20);
    const vecTables = () => db.prepare(`SELECT name FROM sqlite_schema WHERE name GLOB 'search_vec_[0-9]*' AND sql LIKE 'CREATE VIRTUAL%'`).pluck().all();
    const steps = store.organize();
    while (vecTables().length < 2) steps.next(); // copying into the new table
    steps.return(false);
    expect(vecTables()).toHaveLength(1);
    expect(store.needsOrganizing()).toBe(true);
    // What a crash leaves: a second table nobody uses.
    db.exec(`CREATE VIRTUAL TABLE search_vec_77 USING vec0(part INTEGER PARTITION KEY, embedding float[${dims}])`);
    expect(runToEnd(store.organize())).toBe(true);
    expect(vecTables()).toHaveLength(1);
    expect(store.nearest(vectorOf(4, 4), 1)[0]!.similarity).toBeCloseTo(1, 5);
  });
});
