/**
 * The reference for `cairn bench search`'s throughput comparison, run in a child process so its
 * model copy does not count in the benchmark's memory: a bare transformers.js loop over the given
 * texts with the given batch size. Usage: node bareEmbedLoop.js MODEL_DIR BATCH_SIZE TEXTS_JSON_FILE
 * Prints `{"textsPerSecond": N, "maxRssMB": N}`.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { inspectModelFolder, modelLocation } from '../embeddings/modelFolder.js';

type Extractor = (texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<unknown>;

const [modelDir, batchArg, textsFile] = process.argv.slice(2);
const check = inspectModelFolder(modelDir!);
if (!check.ok) throw new Error(check.reason);
const batchSize = Number(batchArg);
const texts = JSON.parse(readFileSync(textsFile!, 'utf8')) as string[];
const { env, pipeline } = await import('@huggingface/transformers');
env.allowRemoteModels = false;
env.localModelPath = modelLocation(check.info).parentDir;
const extract = (await pipeline('feature-extraction', modelLocation(check.info).name, { dtype: check.info.dtype, device: 'cpu' })) as unknown as Extractor;
await extract(['warm up'], { pooling: 'mean', normalize: true });
const started = performance.now();
for (let i = 0; i < texts.length; i += batchSize) await extract(texts.slice(i, i + batchSize), { pooling: 'mean', normalize: true });
const textsPerSecond = texts.length / ((performance.now() - started) / 1000);
process.stdout.write(`${JSON.stringify({ textsPerSecond, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
