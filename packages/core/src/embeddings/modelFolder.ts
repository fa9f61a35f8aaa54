import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * A local embedding model folder in the layout transformers.js loads offline: `config.json`,
 * `tokenizer.json`, `tokenizer_config.json` and `onnx/model_quantized.onnx` (int8, preferred) or
 * `onnx/model.onnx`. An optional `cairn-model.json` (written by `cairn model download`) records the
 * source, the checksums and the text prefixes; without it, the e5 prefixes (`query: `, `passage: `)
 * are used.
 */
export interface ModelInfo {
  readonly dir: string;
  readonly name: string;
  readonly dims: number;
  readonly dtype: 'q8' | 'fp32';
  /** Identifies the weights: recorded with every vector, so a changed model is noticed and re-embedded. */
  readonly modelId: string;
  readonly queryPrefix: string;
  readonly passagePrefix: string;
  /**
   * How much the model's ranking counts against BM25 in hybrid fusion (0–1), as declared in
   * `cairn-model.json`; undefined for a model nobody measured (see {@link unmeasuredModelWeight}).
   */
  readonly hybridWeight: number | undefined;
}

/**
 * The hybrid weight of a model whose quality nobody declared: small enough that it never reorders
 * what BM25 found (a weak model would make results worse), while it still adds the entries BM25
 * missed — below BM25's own — and breaks BM25's exact ties.
 */
export const unmeasuredModelWeight = 0.001;

export type ModelCheck = { readonly ok: true; readonly info: ModelInfo } | { readonly ok: false; readonly reason: string };

export const modelManifestFile = 'cairn-model.json';
export const defaultPrefixes = { query: 'query: ', passage: 'passage: ' } as const;

export interface ModelManifest {
  readonly name?: string;
  readonly source?: string;
  readonly queryPrefix?: string;
  readonly passagePrefix?: string;
  readonly hybridWeight?: number;
  readonly files?: readonly { path: string; size: number; sha256: string }[];
}

export function inspectModelFolder(path: string): ModelCheck {
  const dir = resolve(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: false, reason: `model folder ${dir} does not exist` };
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(join(dir, file))) return { ok: false, reason: `model folder ${dir} has no ${file}` };
  }
  const quantized = join(dir, 'onnx', 'model_quantized.onnx');
  const full = join(dir, 'onnx', 'model.onnx');
  const onnx = existsSync(quantized) ? quantized : existsSync(full) ? full : undefined;
  if (!onnx) return { ok: false, reason: `model folder ${dir} has no onnx/model_quantized.onnx or onnx/model.onnx` };
  let config: { hidden_size?: unknown };
  let manifest: ModelManifest = {};
  try {
    config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { hidden_size?: unknown };
    if (existsSync(join(dir, modelManifestFile))) manifest = JSON.parse(readFileSync(join(dir, modelManifestFile), 'utf8')) as ModelManifest;
  } catch (error) {
    return { ok: false, reason: `model folder ${dir} has an unreadable config: ${(error as Error).message}` };
  }
  const dims = config.hidden_size;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > 8192) return { ok: false, reason: `model folder ${dir}: config.json has no valid hidden_size` };
  return {
    ok: true,
    info: {
      dir,
      name: manifest.name ?? basename(dir),
      dims,
      dtype: onnx === quantized ? 'q8' : 'fp32',
      modelId: `${manifest.name ?? basename(dir)}@${fingerprint(dir, onnx)}`,
      queryPrefix: manifest.queryPrefix ?? defaultPrefixes.query,
      passagePrefix: manifest.passagePrefix ?? defaultPrefixes.passage,
      hybridWeight: typeof manifest.hybridWeight === 'number' && manifest.hybridWeight >= 0 && manifest.hybridWeight <= 1 ? manifest.hybridWeight : undefined,
    },
  };
}

/** Where transformers.js should look: the parent folder and the folder name. */
export function modelLocation(info: ModelInfo): { parentDir: string; name: string } {
  return { parentDir: `${dirname(info.dir)}/`, name: basename(info.dir) };
}

/** A cheap content fingerprint: the configs, the weights' size, and the weights' first and last 64 KiB. */
function fingerprint(dir: string, onnx: string): string {
  const hash = createHash('sha256');
  for (const file of ['config.json', 'tokenizer_config.json']) hash.update(readFileSync(join(dir, file)));
  const size = statSync(onnx).size;
  hash.update(`${size}`);
  const fd = openSync(onnx, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(65_536, size));
    readSync(fd, buffer, 0, buffer.length, 0);
    hash.update(buffer);
    readSync(fd, buffer, 0, buffer.length, Math.max(0, size - buffer.length));
    hash.update(buffer);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex').slice(0, 16);
}

/** `--model-dir DIR`, else `CAIRN_MODEL_DIR`, else none (the data directory's own model, if any). */
export function resolveModelDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag !== undefined && flag !== '') return resolve(flag);
  if (env.CAIRN_MODEL_DIR) return resolve(env.CAIRN_MODEL_DIR);
  return undefined;
}
