import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { openDatabase } from '../store/database.js';
import { makeTempDir } from '../testing/tempDir.js';
import { writeTinyModel } from '../testing/tinyModel.js';

let dir: { path: string; remove: () => void };
let modelA: string;
let modelB: string;

beforeAll(() => {
  dir = makeTempDir();
  modelA = writeTinyModel(join(dir.path, 'models', 'tiny-a'), { seed: 1 });
  modelB = writeTinyModel(join(dir.path, 'models', 'tiny-b'), { seed: 2, quantized: true });
});
afterAll(() => dir.remove());

function open(name: string, options: { modelDir?: string; background?: boolean; partitionFrom?: number } = {}): Engine {
  return Engine.open({
    dataDir: join(dir.path, name),
    autoCatchUp: options.background ?? false,
    backgroundEmbedding: options.background ?? false,
    ...(options.modelDir !== undefined && { modelDir: options.modelDir }),
    ...(options.partitionFrom !== undefined && { vectorPartitions: { partitionFrom: options.partitionFrom, partitionSize: 4 } }),
  });
}

function add(engine: Engine, title: string, body: string): string {
  const id = uuidv7();
  engine.execute({ type: 'CreateEntry', entryId: id, title, body });
  return id;
}

async function waitFor(condition: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('embeddings (a generated model, loaded by transformers.js in the worker)', () => {
  it('embeds chunks, then semantic and hybrid search use the vectors', async () => {
    const engine = open('semantic', { modelDir: modelA });
    try {
      add(engine, 'Pets', 'cat sofa cat');
      add(engine, 'Weather', 'rain sun weather');
      add(engine, 'Finance', 'stock market stock');
      expect(engine.search.modelStatus()).toMatchObject({ state: 'ready', name: 'tiny-a', dims: 16, source: 'option', vectors: { embedded: 0, pending: 3 } });
      expect(await engine.search.embedPending()).toEqual({ embedded: 3, pending: 0 });
      expect(engine.search.modelStatus().vectors).toMatchObject({ embedded: 3, pending: 0, format: 'float32' });

      const semantic = await engine.search.search({ query: 'weather rain', mode: 'semantic' });
      expect(semantic.mode).toBe('semantic');
      expect(semantic.results[0]!.title).toBe('Weather');
      expect(semantic.results).toHaveLength(3);
      expect(semantic.results[0]!.score).toBeGreaterThan(semantic.results[2]!.score);

      // No word of the query is in any entry: lexical finds nothing, hybrid still answers by meaning.
      expect((await engine.search.search({ query: 'kitchen', mode: 'lexical' })).results).toEqual([]);
      const hybrid = await engine.search.search({ query: 'kitchen' });
      expect(hybrid.mode).toBe('hybrid');
      expect(hybrid.results.length).toBeGreaterThan(0);
      // Where both lists agree, the lexical match comes first.
      expect((await engine.search.search({ query: 'stock' })).results[0]!.title).toBe('Finance');
    } finally {
      engine.close();
    }
  });

  it('keeps vectors across a rebuild and re-embeds everything when the model changes', async () => {
    const engine = open('change', { modelDir: modelA });
    try {
      add(engine, 'One', 'cat dog');
      add(engine, 'Two', 'sun rain');
      await engine.search.embedPending();
      const before = engine.search.modelStatus().vectors.modelId;
      engine.rebuild();
      expect(await engine.search.embedPending()).toEqual({ embedded: 0, pending: 0 }); // reused, not recomputed
      const status = await engine.search.useModel(modelB);
      expect(status).toMatchObject({ name: 'tiny-a', source: 'option' }); // remembered, but this process's --model-dir wins
      expect(engine.search.modelStatus().vectors.modelId).toBe(before);
    } finally {
      engine.close();
    }
    const switched = open('change');
    try {
      const status = await switched.search.useModel(modelB);
      expect(status).toMatchObject({ state: 'ready', name: 'tiny-b', source: 'setting', vectors: { embedded: 0, pending: 2 } });
      expect(await switched.search.embedPending()).toEqual({ embedded: 2, pending: 0 });
      expect(switched.search.modelStatus().vectors.modelId).toContain('tiny-b@');
      expect((await switched.search.search({ query: 'sun', mode: 'semantic' })).results[0]!.title).toBe('Two');
    } finally {
      switched.close();
    }
  });

  it('back-fills new chunks in the background in a long-running engine', async () => {
    const engine = open('background', { modelDir: modelA, background: true });
    try {
      add(engine, 'Garden', 'flower garden');
      await waitFor(() => engine.search.modelStatus().vectors.pending === 0);
      expect(engine.search.modelStatus().vectors.embedded).toBe(1);
      add(engine, 'Bakery', 'bread oven bake');
      await waitFor(() => engine.search.modelStatus().vectors.embedded === 2);
      expect((await engine.search.search({ query: 'bread', mode: 'semantic' })).results[0]!.title).toBe('Bakery');
    } finally {
      engine.close();
    }
  });

  it('partitions the vectors in the background once there are enough, and finds what an exact search finds', async () => {
    const words = ['river', 'mountain', 'forest', 'desert', 'ocean', 'valley', 'island', 'glacier'];
    const fill = (engine: Engine) =>
      engine.executeBatch(
        Array.from({ length: 40 }, (_, i) => ({ type: 'CreateEntry' as const, entryId: uuidv7(), title: `${words[i % 8]} ${i}`, body: `${words[i % 8]} ${words[(i * 3) % 8]} notes ${i}` })),
      );
    const partitioned = open('partitioned', { modelDir: modelA, background: true, partitionFrom: 30 });
    const exact = open('exact', { modelDir: modelA, background: true });
    try {
      fill(partitioned);
      fill(exact);
      await waitFor(() => partitioned.search.modelStatus().vectors.partitions > 1 && exact.search.modelStatus().vectors.pending === 0);
      expect(partitioned.search.modelStatus().vectors).toMatchObject({ embedded: 40, pending: 0, partitions: 10 });
      expect(exact.search.modelStatus().vectors.partitions).toBe(1);
      for (const word of words) {
        const [a, b] = await Promise.all([partitioned, exact].map((e) => e.search.search({ query: `${word} notes`, mode: 'semantic', limit: 1 })));
        expect(a!.results.map((r) => r.title)).toEqual(b!.results.map((r) => r.title));
      }
    } finally {
      partitioned.close();
      exact.close();
    }
  });

  it('stops partitioning when the engine closes, leaving no half-filled table and no error', async () => {
    const errors: unknown[] = [];
    const dataDir = join(dir.path, 'closing');
    const engine = Engine.open({ dataDir, autoCatchUp: false, backgroundEmbedding: false, modelDir: modelA, vectorPartitions: { partitionFrom: 200, partitionSize: 10 }, onBackgroundError: (e) => errors.push(e) });
    engine.executeBatch(Array.from({ length: 400 }, (_, i) => ({ type: 'CreateEntry' as const, entryId: uuidv7(), title: `entry ${i}`, body: `words ${i} ${i * 7}` })));
    engine.catchUp();
    const dims = engine.search.modelStatus().dims!;
    const vector = (i: number) => Float32Array.from({ length: dims }, (_, d) => Math.sin(i * 13 + d * 7)).map((x, _, v) => x / Math.hypot(...v));
    engine.search.storeVectors(Array.from(engine.search.chunks(), (c, i) => ({ inputHash: c.inputHash, vector: vector(i) })));
    const running = engine.search.organizeVectors();
    for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r)); // part-way
    engine.close();
    await expect(running).resolves.toBe(false);
    expect(errors).toEqual([]);
    const reopened = Engine.open({ dataDir, autoCatchUp: false, backgroundEmbedding: false, modelDir: modelA, vectorPartitions: { partitionFrom: 200, partitionSize: 10 } });
    try {
      expect(reopened.search.modelStatus().vectors.partitions).toBe(1);
      const db = openDatabase(dataDir);
      const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE name GLOB 'search_vec_[0-9]*' AND sql LIKE 'CREATE VIRTUAL%'`).pluck().all();
      db.close();
      expect(tables).toHaveLength(1);
      await expect(reopened.search.organizeVectors()).resolves.toBe(true);
      expect(reopened.search.modelStatus().vectors.partitions).toBe(40);
    } finally {
      reopened.close();
    }
  });

  it('says why when the model folder is unusable, and search stays lexical', async () => {
    const broken = join(dir.path, 'models', 'broken');
    mkdirSync(join(broken, 'onnx'), { recursive: true });
    writeFileSync(join(broken, 'config.json'), JSON.stringify({ hidden_size: 16 }));
    writeFileSync(join(broken, 'tokenizer.json'), '{}');
    writeFileSync(join(broken, 'tokenizer_config.json'), '{}');
    const incomplete = open('incomplete', { modelDir: broken });
    try {
      expect(incomplete.search.modelStatus()).toMatchObject({ state: 'invalid' });
      expect(incomplete.search.modelStatus().reason).toContain('onnx/model');
    } finally {
      incomplete.close();
    }
    writeFileSync(join(broken, 'onnx', 'model.onnx'), 'not a model');
    const engine = open('corrupt', { modelDir: broken });
    try {
      add(engine, 'Alpha', 'alpha');
      const response = await engine.search.search({ query: 'alpha' });
      expect(response.mode).toBe('lexical');
      expect(response.results.map((r) => r.title)).toEqual(['Alpha']);
      expect(response.notices.join()).toContain('cannot load the embedding model');
      expect(engine.search.modelStatus()).toMatchObject({ state: 'error' });
    } finally {
      engine.close();
    }
  });
});
