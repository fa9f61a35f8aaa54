import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { Engine } from '../engine/engine.js';
import { ConflictError, ValidationError } from '../errors/cairnError.js';
import { jobStatuses, type Job, type JobStatus } from '../jobs/jobQueue.js';
import { processDocumentJob } from './documentQueries.js';
import { importBytes, importPaths, type ImportOptions } from './importer.js';
import { originalView, type OriginalView } from './originals/originalView.js';
import type { ProcessJobPayload } from './ingestRuntime.js';
import type { DocumentView, ImportOutcome, ImportReport, JobView } from './views.js';

const id = z.string().min(1).max(200);
const languages = z.array(z.string().min(1).max(20)).min(1).max(10);
const tags = z.array(z.string()).max(200);
/** Overrides the host's size limit for this call. */
const maxFileBytes = z.number().int().positive().optional();

/** The ingestion part of the engine API contract (merged into engineApiSchemas). */
export const ingestionApiSchemas = {
  importPaths: z.object({ paths: z.array(z.string().min(1)).min(1).max(10_000), ocrLanguages: languages.optional(), tags: tags.optional(), maxFileBytes }).strict(),
  importBytes: z.object({ name: z.string().min(1).max(1_000), dataBase64: z.string(), ocrLanguages: languages.optional(), tags: tags.optional(), maxFileBytes }).strict(),
  getDocument: z.object({ id }).strict(),
  documentText: z.object({ id }).strict(),
  exportOriginal: z.object({ id, to: z.string().min(1), overwrite: z.boolean().optional() }).strict(),
  viewOriginal: z.object({ id }).strict(),
  jobs: z.object({ failed: z.boolean().optional(), status: z.enum(jobStatuses).optional(), limit: z.number().int().positive().max(10_000).optional() }).strict(),
  retryJob: z.union([z.object({ jobId: z.number().int().positive() }).strict(), z.object({ allFailed: z.literal(true) }).strict()]),
} as const;

export interface DocumentText {
  readonly id: string;
  readonly text: string;
  readonly chars: number;
  readonly textSha256: string;
  readonly language: string | null;
}

export interface IngestionApiResults {
  importPaths: ImportReport;
  importBytes: ImportOutcome;
  getDocument: DocumentView;
  documentText: DocumentText;
  exportOriginal: { path: string; size: number; sha256: string };
  viewOriginal: OriginalView;
  jobs: { jobs: JobView[]; counts: Record<JobStatus, number> };
  retryJob: { retried: JobView[] };
}

/** Settings a host gives the local API for imports (e.g. from its command line or preferences). */
export interface IngestionSettings {
  readonly maxFileBytes?: number;
}

type Params<K extends keyof typeof ingestionApiSchemas> = z.output<(typeof ingestionApiSchemas)[K]>;
type Handlers = { [K in keyof IngestionApiResults]: (params: Params<K>) => IngestionApiResults[K] | Promise<IngestionApiResults[K]> };

/** The local implementation of the ingestion methods. */
export function ingestionHandlers(engine: Engine, newId: () => string, settings: IngestionSettings = {}): Handlers {
  const importOptions = (p: { ocrLanguages?: string[] | undefined; tags?: string[] | undefined; maxFileBytes?: number | undefined }): ImportOptions => ({
    newId,
    ...((p.maxFileBytes ?? settings.maxFileBytes) !== undefined && { maxFileBytes: p.maxFileBytes ?? settings.maxFileBytes }),
    ...(p.ocrLanguages && { ocrLanguages: p.ocrLanguages }),
    ...(p.tags && { tags: p.tags }),
  });
  return {
    importPaths: (p) => importPaths(engine, p.paths, { ...importOptions(p), onProgress: (done, total) => engine.reportProgress({ type: 'progress', task: 'import', done, total }) }),
    importBytes: (p) => importBytes(engine, p.name, decodeBase64(p.dataBase64), importOptions(p)),
    getDocument: ({ id }) => engine.documents.get(id),
    documentText: ({ id }) => {
      const document = engine.documents.get(id);
      if (!document.textSha256) {
        throw new ConflictError(`document ${id} has no text yet: it is ${document.status}${document.error ? ` (${document.error.reason})` : ''}`, { id, status: document.status });
      }
      const text = engine.blobs.readText(document.textSha256);
      return { id, text, chars: document.chars ?? text.length, textSha256: document.textSha256, language: document.language };
    },
    exportOriginal: ({ id, to, overwrite }) => {
      const document = engine.documents.get(id);
      const target = resolve(to);
      if (existsSync(target) && !overwrite) throw new ConflictError(`${target} already exists; choose another path or allow overwriting`, { path: target });
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(engine.blobs.pathOf(document.file.sha256), target);
      return { path: target, size: document.file.size, sha256: document.file.sha256 };
    },
    viewOriginal: ({ id }) => originalView(engine, id),
    jobs: ({ failed, status, limit }) => {
      const list = engine.jobs.list({ kind: processDocumentJob, ...((failed ? 'dead' : status) && { status: failed ? 'dead' : status }), limit: limit ?? 1_000 });
      return { jobs: list.map((job) => jobView(engine, job)), counts: engine.jobs.counts(processDocumentJob) };
    },
    retryJob: (p) => {
      const retried = engine.transact((execute) => {
        const dead = 'jobId' in p ? [engine.jobs.get(p.jobId)] : engine.jobs.list({ kind: processDocumentJob, status: 'dead', limit: 100_000 });
        return dead.map((job) => {
          const revived = engine.jobs.retry(job.id);
          const entryId = (job.payload as unknown as ProcessJobPayload | null)?.entryId;
          if (job.kind === processDocumentJob && entryId && engine.documents.find(entryId)) {
            execute({ type: 'ChangeDocumentStatus', entryId, status: 'queued', note: 'retry requested' });
          }
          return revived;
        });
      });
      return { retried: retried.map((job) => jobView(engine, job)) };
    },
  };
}

function jobView(engine: Engine, job: Job): JobView {
  const entryId = job.kind === processDocumentJob ? ((job.payload as unknown as ProcessJobPayload | null)?.entryId ?? null) : null;
  const document = entryId ? engine.documents.find(entryId) : undefined;
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    lastError: job.lastError,
    entryId,
    name: document?.file.name ?? null,
    documentStatus: document?.status ?? null,
    runAt: new Date(job.runAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
  };
}

function decodeBase64(data: string): Uint8Array {
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(data)) throw new ValidationError('dataBase64 is not base64');
  return Buffer.from(data, 'base64');
}
