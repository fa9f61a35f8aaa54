import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { StoredBlob } from '../blobs/blobStore.js';
import type { Engine } from '../engine/engine.js';
import { CairnError, ValidationError } from '../errors/cairnError.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { jobPriority } from '../jobs/jobQueue.js';
import { processDocumentJob, processJobKey } from './documentQueries.js';
import { readHead } from './extract/readHead.js';
import type { Sniffed } from './extract/sniff.js';
import type { ProcessJobPayload } from './ingestRuntime.js';
import { parseOcrLanguages } from './ocrPool.js';
import type { ImportOutcome, ImportReport } from './views.js';
import { nextBackgroundTurn } from '../engine/backgroundTurns.js';

export const defaultMaxFileBytes = 512 * 2 ** 20;

export interface ImportOptions {
  /** OCR languages for these documents, e.g. `['eng', 'chi_sim']` (default: both). */
  readonly ocrLanguages?: readonly string[];
  readonly tags?: readonly string[];
  /** Files larger than this are refused (default 512 MB). */
  readonly maxFileBytes?: number;
  /** Job priority; by default a few files (someone is waiting) go before a large folder. */
  readonly priority?: number;
  readonly newId?: () => string;
  readonly onProgress?: (done: number, total: number) => void;
}

interface Candidate {
  readonly path: string | null;
  readonly name: string;
  readonly size: number;
  readonly read: (engine: Engine) => Promise<{ blob: StoredBlob; head: Uint8Array }>;
}

const SKIPPED_NAMES = new Set(['thumbs.db', 'desktop.ini', '.ds_store']);
const IN_MEMORY = 16 * 2 ** 20;
const BATCH = 256;
/** How long storing files may hold the thread before it lets other work run. */
const STORE_SLICE_MS = 5;

/**
 * Imports files and folders (recursively): each file is stored once in the blob store by its content,
 * and — unless a live document already holds the same content — gets a document entry and a processing
 * job, both in one transaction per batch of files. Files that cannot be stored (unreadable, over the
 * size limit, not regular files) are reported, never thrown; so are symbolic-link loops and hidden files.
 */
export async function importPaths(engine: Engine, paths: readonly string[], options: ImportOptions = {}): Promise<ImportReport> {
  if (paths.length === 0) throw new ValidationError('give at least one file or folder to import');
  const maxBytes = options.maxFileBytes ?? defaultMaxFileBytes;
  const outcomes: ImportOutcome[] = [];
  const candidates: Candidate[] = [];
  for (const path of paths) walk(resolve(path), true, new Set(), candidates, outcomes, maxBytes);
  const languages = options.ocrLanguages ? parseOcrLanguages(options.ocrLanguages) : undefined;
  const priority = options.priority ?? (candidates.length <= 10 ? jobPriority.interactive : jobPriority.normal);
  let done = 0;
  options.onProgress?.(0, candidates.length);
  for (let i = 0; i < candidates.length; i += BATCH) {
    outcomes.push(...(await importBatch(engine, candidates.slice(i, i + BATCH), { ...options, priority, ...(languages && { ocrLanguages: languages }) })));
    done = Math.min(candidates.length, i + BATCH);
    options.onProgress?.(done, candidates.length);
    await nextBackgroundTurn(); // let the host's event loop breathe between batches
  }
  return report(outcomes);
}

/** Imports bytes received from elsewhere (a browser upload, a drop); `name` is the file's name. */
export async function importBytes(engine: Engine, name: string, bytes: Uint8Array, options: ImportOptions = {}): Promise<ImportOutcome> {
  const fileName = safeName(name);
  const maxBytes = options.maxFileBytes ?? defaultMaxFileBytes;
  if (bytes.byteLength > maxBytes) return rejected(null, fileName, bytes.byteLength, 'too_large', `the file is larger than the ${formatBytes(maxBytes)} limit`);
  const languages = options.ocrLanguages ? parseOcrLanguages(options.ocrLanguages) : undefined;
  const candidate: Candidate = {
    path: null,
    name: fileName,
    size: bytes.byteLength,
    read: () => Promise.resolve({ blob: engine.blobs.putBytes(bytes), head: bytes.subarray(0, 64 * 1024) }),
  };
  const [outcome] = await importBatch(engine, [candidate], { ...options, priority: options.priority ?? jobPriority.interactive, ...(languages && { ocrLanguages: languages }) });
  return outcome!;
}

/** Imports a stream (a web server's upload) without holding it in memory. */
export async function importStream(engine: Engine, name: string, stream: Readable, options: ImportOptions = {}): Promise<ImportOutcome> {
  const fileName = safeName(name);
  const maxBytes = options.maxFileBytes ?? defaultMaxFileBytes;
  let blob: StoredBlob;
  try {
    blob = await engine.blobs.putStream(stream, maxBytes);
  } catch (error) {
    if (error instanceof CairnError && error.code === 'validation') return rejected(null, fileName, null, 'too_large', `the file is larger than the ${formatBytes(maxBytes)} limit`);
    throw error;
  }
  const candidate: Candidate = { path: null, name: fileName, size: blob.size, read: () => Promise.resolve({ blob, head: readHead(engine.blobs.pathOf(blob.sha256)) }) };
  const [outcome] = await importBatch(engine, [candidate], { ...options, priority: options.priority ?? jobPriority.interactive });
  return outcome!;
}

async function importBatch(engine: Engine, candidates: readonly Candidate[], options: ImportOptions & { priority: number; ocrLanguages?: readonly string[] }): Promise<ImportOutcome[]> {
  const stored: { candidate: Candidate; blob: StoredBlob; sniffed: Sniffed }[] = [];
  const outcomes = new Map<Candidate, ImportOutcome>();
  let slice = performance.now();
  for (const candidate of candidates) {
    // Small files are stored with synchronous calls (fastest): every few milliseconds the host's event loop gets a
    // turn, so a search or an edit during a large import waits a slice, not a batch.
    if (performance.now() - slice > STORE_SLICE_MS) {
      await nextBackgroundTurn();
      slice = performance.now();
    }
    try {
      const { blob, head } = await candidate.read(engine);
      // Loaded on first use: content sniffing pulls in file-type, which a host that never imports need not load.
      const { sniff } = await import('./extract/sniff.js');
      stored.push({ candidate, blob, sniffed: await sniff(head, candidate.name) });
    } catch (error) {
      outcomes.set(candidate, readFailure(candidate, error));
    }
  }
  const newId = options.newId ?? uuidv7;
  // Committed in transactions of at most a slice each (a batch of 256 documents and jobs took up to ~80 ms), the event
  // loop getting a turn between them; a later transaction sees the documents of the earlier ones, so copies are found.
  let next = 0;
  while (next < stored.length) {
    if (next > 0) await nextBackgroundTurn();
    const deadline = performance.now() + STORE_SLICE_MS;
    const first = next;
    engine.transact((execute) => {
      for (; next < stored.length && (next === first || performance.now() < deadline); next++) {
        const { candidate, blob, sniffed } = stored[next]!;
        const base = { path: candidate.path, name: candidate.name, size: blob.size, sha256: blob.sha256, mimeType: importMimeType(sniffed, candidate.name), error: null };
        const holder = engine.documents.holderOf(blob.sha256);
        if (holder) {
          outcomes.set(candidate, { ...base, outcome: 'duplicate', entryId: null, duplicateOf: holder, documentStatus: engine.documents.get(holder).status });
          continue;
        }
        const entryId = newId();
        execute({
          type: 'ImportDocument',
          entryId,
          file: { sha256: blob.sha256, name: candidate.name, size: blob.size, mimeType: base.mimeType },
          ...(options.tags && { tags: options.tags }),
          ...(candidate.path && { attributes: { sourcePath: candidate.path } }),
        });
        const payload: ProcessJobPayload = { entryId, ...(options.ocrLanguages && { ocrLanguages: [...options.ocrLanguages] }) };
        // Images need OCR (slow): text documents go first, so more becomes searchable sooner.
        const priority = sniffed.kind === 'image' ? options.priority - 10 : options.priority;
        engine.jobs.enqueue({ kind: processDocumentJob, payload: { ...payload }, dedupeKey: processJobKey(entryId), priority, maxAttempts: 3 });
        outcomes.set(candidate, { ...base, outcome: 'imported', entryId, duplicateOf: null, documentStatus: 'queued' });
      }
    });
  }
  return candidates.map((candidate) => outcomes.get(candidate)!);
}

/** Collects the files under `path`, following symbolic links but never in a loop. */
function walk(path: string, explicit: boolean, visited: Set<string>, into: Candidate[], outcomes: ImportOutcome[], maxBytes: number): void {
  const name = basename(path);
  if (!explicit && (name.startsWith('.') || SKIPPED_NAMES.has(name.toLowerCase()))) {
    outcomes.push(skipped(path, name, 'hidden or system file'));
    return;
  }
  let stats: Stats;
  try {
    const link = lstatSync(path);
    stats = link.isSymbolicLink() ? statSync(path) : link;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') outcomes.push(skipped(path, name, 'symbolic link loop'));
    else outcomes.push(readFailure({ path, name }, error));
    return;
  }
  if (stats.isDirectory()) {
    let real: string;
    try {
      real = realpathSync(path);
    } catch (error) {
      outcomes.push(readFailure({ path, name }, error));
      return;
    }
    if (visited.has(real)) {
      outcomes.push(skipped(path, name, 'symbolic link loop (this folder was already imported)'));
      return;
    }
    visited.add(real);
    let children: string[];
    try {
      children = readdirSync(path).sort();
    } catch (error) {
      outcomes.push(readFailure({ path, name }, error));
      return;
    }
    for (const child of children) walk(join(path, child), false, visited, into, outcomes, maxBytes);
    visited.delete(real);
    return;
  }
  if (!stats.isFile()) {
    outcomes.push(rejected(path, name, null, 'unreadable', 'not a regular file (a device, socket or pipe)'));
    return;
  }
  if (stats.size > maxBytes) {
    outcomes.push(rejected(path, name, stats.size, 'too_large', `the file is ${formatBytes(stats.size)}, larger than the ${formatBytes(maxBytes)} limit`));
    return;
  }
  into.push({ path, name, size: stats.size, read: (engine) => storePath(engine, path, stats.size, maxBytes) });
}

/** Stores a file: small ones read whole (one read), large ones streamed (hashed on the way). */
async function storePath(engine: Engine, path: string, size: number, maxBytes: number): Promise<{ blob: StoredBlob; head: Uint8Array }> {
  if (size <= IN_MEMORY) {
    const bytes = readFileSync(path);
    if (bytes.byteLength > maxBytes) throw new ValidationError(`file is larger than the limit of ${maxBytes} bytes`, { maxBytes });
    return { blob: engine.blobs.putBytes(bytes), head: bytes.subarray(0, 64 * 1024) };
  }
  const blob = await engine.blobs.putFile(path, maxBytes);
  return { blob, head: readHead(engine.blobs.pathOf(blob.sha256)) };
}

function importMimeType(sniffed: Sniffed, name: string): string {
  const ext = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const byExtension: Record<string, string> = {
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    odt: 'application/vnd.oasis.opendocument.text',
    epub: 'application/epub+zip',
    doc: 'application/msword',
    msg: 'application/vnd.ms-outlook',
    md: 'text/markdown',
    markdown: 'text/markdown',
    csv: 'text/csv',
    tsv: 'text/tab-separated-values',
    html: 'text/html',
    htm: 'text/html',
    eml: 'message/rfc822',
  };
  if (sniffed.kind === 'zip' && sniffed.mimeType === 'application/zip') return byExtension[ext]?.startsWith('application/') ? byExtension[ext] : sniffed.mimeType;
  if (sniffed.kind === 'cfb') return ext === 'doc' || ext === 'msg' ? byExtension[ext]! : sniffed.mimeType;
  if (sniffed.kind === 'text') return byExtension[ext]?.startsWith('text/') || ext === 'eml' ? byExtension[ext]! : 'text/plain';
  return sniffed.mimeType;
}

function readFailure(candidate: Pick<Candidate, 'path' | 'name'>, error: unknown): ImportOutcome {
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof CairnError && error.details?.maxBytes !== undefined) {
    return rejected(candidate.path, candidate.name, null, 'too_large', `the file grew past the ${formatBytes(error.details.maxBytes as number)} limit while it was read`);
  }
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOENT'
        ? 'no such file (or a broken symbolic link)'
        : code === 'EISDIR'
          ? 'it is a folder'
          : error instanceof CairnError
            ? error.message
            : (error as Error).message;
  return rejected(candidate.path, candidate.name, null, error instanceof CairnError && error.code !== 'validation' ? error.code : 'unreadable', `cannot read the file: ${why}`);
}

function rejected(path: string | null, name: string, size: number | null, code: string, message: string): ImportOutcome {
  return { path, name, outcome: 'rejected', entryId: null, duplicateOf: null, documentStatus: null, size, sha256: null, mimeType: null, error: { code, message } };
}

function skipped(path: string, name: string, message: string): ImportOutcome {
  return { path, name, outcome: 'skipped', entryId: null, duplicateOf: null, documentStatus: null, size: null, sha256: null, mimeType: null, error: { code: 'skipped', message } };
}

function report(files: ImportOutcome[]): ImportReport {
  const count = (outcome: ImportOutcome['outcome']) => files.filter((f) => f.outcome === outcome).length;
  return { files, imported: count('imported'), duplicates: count('duplicate'), rejected: count('rejected'), skipped: count('skipped') };
}

/** A file name without folders or control characters (uploads may carry anything). */
function safeName(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  if (!clean) throw new ValidationError('a file name is needed');
  return clean;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}
