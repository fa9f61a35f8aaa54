/**
 * The pipeline side of `cairn bench search`'s throughput comparison, in a child process of its own
 * (as the bare loop is), so that neither model copy counts in the benchmark's memory: opens the engine
 * in DATA_DIR, whose chunks wait for vectors, and back-fills them with the model in MODEL_DIR.
 * Usage: node pipelineEmbedLoop.js DATA_DIR MODEL_DIR BATCH_SIZE
 * Prints `{"textsPerSecond": N, "embedded": N, "maxRssMB": N}`.
 */
import { performance } from 'node:perf_hooks';
import { Engine } from '../engine/engine.js';

const [dataDir, modelDir, batchArg] = process.argv.slice(2);
const engine = Engine.open({ dataDir: dataDir!, autoCatchUp: false, backgroundEmbedding: false, modelDir: modelDir! });
try {
  await engine.search.embedQueries(['warm up']);
  const started = performance.now();
  const result = await engine.search.embedPending({ batchSize: Number(batchArg) });
  const seconds = (performance.now() - started) / 1000;
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ textsPerSecond: result.embedded / seconds, embedded: result.embedded, maxRssMB })}\n`);
} finally {
  engine.close();
}
