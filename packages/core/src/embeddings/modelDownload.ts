import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CairnError, ValidationError } from '../errors/cairnError.js';
import { inspectModelFolder, modelManifestFile, type ModelManifest } from './modelFolder.js';

/** The default model: multilingual-e5-small, int8 ONNX export for transformers.js. */
export const defaultModelName = 'multilingual-e5-small';
export const defaultModelUrl = 'https://huggingface.co/Xenova/multilingual-e5-small/resolve/main/';
export const defaultModelFiles = ['config.json', 'tokenizer_config.json', 'tokenizer.json', 'onnx/model_quantized.onnx'] as const;
/**
 * What Cairn knows about the default model: e5 prefixes, and plain reciprocal rank fusion with BM25
 * (on BEIR, multilingual-e5-small and BM25 are about equally good — SciFact nDCG@10 0.676 vs 0.679 —
 * which is when equal weights help most).
 */
export const defaultModelManifest = { queryPrefix: 'query: ', passagePrefix: 'passage: ', hybridWeight: 1 } as const;

export interface DownloadOptions {
  /** `<data>/models`: the model ends up in `<modelsDir>/<name>`, partial files in `<modelsDir>/.partial/<name>`. */
  readonly modelsDir: string;
  /** Base URL the files are fetched from (`<url><file>`); default: the model hub. */
  readonly url?: string;
  readonly name?: string;
  readonly files?: readonly string[];
  /** Written into `cairn-model.json` (prefixes, hybrid weight); default: {@link defaultModelManifest} for the default model. */
  readonly manifest?: Omit<ModelManifest, 'files' | 'source' | 'name'>;
  /** Known SHA-256 digests by file; otherwise the server's checksum headers are used (see below). */
  readonly sha256?: Readonly<Record<string, string>>;
  /** Download again even when the model is already there. */
  readonly force?: boolean;
  /** Tries per file (each resumes where the last stopped). Default 4. */
  readonly maxAttempts?: number;
  /** Abort a connection that sends nothing for this long (default 60 s). */
  readonly idleTimeoutMs?: number;
  readonly onProgress?: (done: number, total: number, file: string) => void;
}

export interface DownloadResult {
  readonly dir: string;
  readonly downloaded: boolean;
  readonly bytes: number;
}

interface PartState {
  etag: string | null;
  checksum: Checksum | null;
  size: number | null;
}

type Checksum = { readonly algorithm: 'sha256' | 'git-sha1'; readonly value: string };

/**
 * Downloads a model folder, resumable and checksummed:
 *
 * - each file streams into `<file>.part` under `.partial/`; an interrupted transfer is resumed with an
 *   HTTP range request (`If-Range` on the ETag, so a changed file starts over), both within one run
 *   (retries with back-off) and in the next run;
 * - each file is verified before it is accepted: against `sha256` when given, else against the
 *   checksum the hub declares — `X-Linked-Etag`/`ETag` holding a SHA-256 (large files) or a git blob
 *   SHA-1 (small files). A file with no checksum, or one that does not match, is refused (and its
 *   partial download removed) with a clear error;
 * - the folder moves into place only when every file is complete, with a `cairn-model.json` that
 *   records the source and each file's SHA-256.
 */
export async function downloadModel(options: DownloadOptions): Promise<DownloadResult> {
  const name = options.name ?? defaultModelName;
  const url = options.url ?? defaultModelUrl;
  const base = url.endsWith('/') ? url : `${url}/`;
  const files = options.files ?? defaultModelFiles;
  const target = join(options.modelsDir, name);
  if (!options.force && existsSync(target) && inspectModelFolder(target).ok) return { dir: target, downloaded: false, bytes: 0 };
  const staging = join(options.modelsDir, '.partial', name);
  mkdirSync(staging, { recursive: true });
  let bytes = 0;
  const manifestFiles: { path: string; size: number; sha256: string }[] = [];
  for (const file of files) {
    const destination = join(staging, file);
    mkdirSync(dirname(destination), { recursive: true });
    if (!existsSync(destination)) bytes += await fetchFile(new URL(file, base).href, destination, file, options);
    manifestFiles.push({ path: file, size: statSync(destination).size, sha256: await hashFile(destination, 'sha256') });
  }
  const described = options.manifest ?? (name === defaultModelName ? defaultModelManifest : {});
  const manifest: ModelManifest = { name, source: base, ...described, files: manifestFiles };
  writeFileSync(join(staging, modelManifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
  const check = inspectModelFolder(staging);
  if (!check.ok) throw new ValidationError(`the downloaded files do not form a usable model: ${check.reason}`);
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return { dir: target, downloaded: true, bytes };
}

async function fetchFile(url: string, destination: string, file: string, options: DownloadOptions): Promise<number> {
  const part = `${destination}.part`;
  const stateFile = `${destination}.part.json`;
  const attempts = options.maxAttempts ?? 4;
  let received = 0;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      received += await transfer(url, part, stateFile, file, options);
      lastError = undefined;
      break;
    } catch (error) {
      if (error instanceof CairnError) throw error;
      lastError = error;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, Math.min(4_000, 250 * 2 ** attempt)));
    }
  }
  if (lastError !== undefined) {
    const have = existsSync(part) ? statSync(part).size : 0;
    const cause = (lastError as Error & { cause?: Error }).cause;
    const reason = `${(lastError as Error).message}${cause?.message ? `: ${cause.message}` : ''}`;
    if (have === 0) throw new CairnError('unsupported', `cannot download ${file} from ${url} (${reason}); check the connection, or use a local folder with --model-dir`, { file });
    throw new CairnError('unsupported', `download of ${file} was interrupted (${reason}) after ${have} bytes; run the download again to resume`, { file, bytes: have });
  }
  const state = readState(stateFile);
  const checksum = pinned(options, file) ?? state.checksum;
  if (!checksum) throw new ValidationError(`cannot verify ${file}: the server sent no checksum for it`, { file });
  const actual = await hashFile(part, checksum.algorithm);
  if (actual !== checksum.value) {
    rmSync(part, { force: true });
    rmSync(stateFile, { force: true });
    throw new ValidationError(`${file} failed its checksum (expected ${checksum.algorithm} ${checksum.value}, got ${actual}); the damaged download was removed, run the download again`, {
      file,
      expected: checksum.value,
      actual,
    });
  }
  renameSync(part, destination);
  rmSync(stateFile, { force: true });
  return received;
}

/** One HTTP transfer into `part`, resuming from its current size when the server allows. Returns bytes received. */
async function transfer(url: string, part: string, stateFile: string, file: string, options: DownloadOptions): Promise<number> {
  const state = readState(stateFile);
  const have = existsSync(part) ? statSync(part).size : 0;
  const headers: Record<string, string> = {};
  if (have > 0 && state.etag) {
    headers.range = `bytes=${have}-`;
    headers['if-range'] = state.etag;
  }
  const controller = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(new Error('no data received for too long')), options.idleTimeoutMs ?? 60_000);
  };
  arm();
  try {
    // The hub answers large files with a redirect whose headers carry the checksum: read them first.
    let response = await fetch(url, { headers, redirect: 'manual', signal: controller.signal });
    const declared = { etag: response.headers.get('x-linked-etag') ?? response.headers.get('etag'), size: response.headers.get('x-linked-size') };
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      await response.body?.cancel();
      response = await fetch(new URL(response.headers.get('location')!, url), { headers, signal: controller.signal });
    }
    if (response.status === 416 && have > 0) return 0; // the part is already complete
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      const error = new CairnError(response.status === 404 ? 'not_found' : 'unsupported', `cannot download ${file}: ${url} answered HTTP ${response.status}`, { file, status: response.status });
      if (response.status >= 500 || response.status === 429) throw new Error(error.message);
      throw error;
    }
    const etag = declared.etag ?? response.headers.get('etag');
    const resumed = response.status === 206 && have > 0;
    const length = Number(response.headers.get('content-length') ?? declared.size ?? 0);
    const total = resumed ? have + length : Number(declared.size ?? length) || length;
    writeFileSync(stateFile, JSON.stringify({ etag, checksum: checksumFromEtag(etag), size: total || null } satisfies PartState));
    const out = await open(part, resumed ? 'a' : 'w');
    let done = resumed ? have : 0;
    let received = 0;
    try {
      if (response.body) {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          arm();
          await out.write(chunk);
          done += chunk.byteLength;
          received += chunk.byteLength;
          options.onProgress?.(done, total || done, file);
        }
      }
    } finally {
      await out.close();
    }
    if (total && done < total) throw new Error(`the connection closed after ${done} of ${total} bytes`);
    return received;
  } finally {
    clearTimeout(idle);
  }
}

function readState(stateFile: string): PartState {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as PartState;
  } catch {
    return { etag: null, checksum: null, size: null };
  }
}

function pinned(options: DownloadOptions, file: string): Checksum | undefined {
  const value = options.sha256?.[file];
  return value ? { algorithm: 'sha256', value: value.toLowerCase() } : undefined;
}

/** The hub's ETags: a SHA-256 for large (LFS) files, the git blob SHA-1 for small ones. */
export function checksumFromEtag(etag: string | null): Checksum | null {
  const value = etag?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
  if (value && /^[0-9a-f]{64}$/.test(value)) return { algorithm: 'sha256', value };
  if (value && /^[0-9a-f]{40}$/.test(value)) return { algorithm: 'git-sha1', value };
  return null;
}

/** SHA-256 of the content, or git's blob hash (SHA-1 of `blob <size>\0` + content). */
export async function hashFile(path: string, algorithm: Checksum['algorithm']): Promise<string> {
  const hash = createHash(algorithm === 'sha256' ? 'sha256' : 'sha1');
  if (algorithm === 'git-sha1') hash.update(`blob ${statSync(path).size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
