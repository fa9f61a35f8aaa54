import { existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { formatBytes, isUuid, jobStatuses, type DocumentView, type EngineApi, type ImportOutcome, type JobView, type NearCopy } from '@cairn/core';
import type { CommandContext, CommandSpec } from '../command.js';
import type { Output } from '../output.js';
import { table } from '../output.js';
import { intOption, oneOf, stringList } from '../parse.js';
import { usageError } from '../usageError.js';

/** Shows import and processing progress on a terminal while `work` runs. */
async function withProgress<T>(ctx: CommandContext, work: () => Promise<T>): Promise<T> {
  const labels: Record<string, string> = { import: 'storing', process: 'processing' };
  const unsubscribe = ctx.api().subscribe((notice) => {
    if (notice.type === 'progress' && labels[notice.task]) ctx.out.progress(labels[notice.task]!, notice.done, notice.total);
  });
  try {
    return await work();
  } finally {
    unsubscribe();
    ctx.out.endProgress();
  }
}

function sizeOption(value: string | boolean | string[] | boolean[] | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const raw = Array.isArray(value) ? value.map(String).join(',') : String(value);
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(raw.trim());
  if (!match) throw usageError(`--max-size must be a size like 100MB or 2GB, not "${raw}"`, usage);
  const unit = (match[2] ?? 'b').toLowerCase()[0]!;
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 2 ** 20 : unit === 'g' ? 2 ** 30 : 1;
  return Math.max(1, Math.round(Number(match[1]) * factor));
}

interface FileResult extends ImportOutcome {
  /** Where processing ended (or stands, with --no-wait). */
  readonly status: string;
  readonly reason: string | null;
}

async function settle(api: EngineApi, files: readonly ImportOutcome[]): Promise<FileResult[]> {
  return Promise.all(
    files.map(async (file) => {
      const id = file.entryId ?? file.duplicateOf;
      if (!id) return { ...file, status: file.outcome, reason: file.error?.message ?? null };
      const document = await api.getDocument({ id });
      const status = file.outcome === 'duplicate' ? 'duplicate' : document.status;
      const reason = file.outcome === 'duplicate' ? `same content as ${id} (${document.title})` : (document.error?.reason ?? (document.warnings.length ? document.warnings.join('; ') : null));
      return { ...file, status, reason };
    }),
  );
}

function statusStyle(out: Output, status: string): string {
  const { green, red, yellow, dim } = out.style;
  if (status === 'done') return green(status);
  if (status === 'failed' || status === 'rejected') return red(status);
  if (status === 'unsupported' || status === 'duplicate') return yellow(status);
  return dim(status);
}

const importUsage = 'import PATH... [--no-wait] [--ocr-lang eng+chi_sim] [--tag T]... [--max-size 512MB]';
export const importCommand: CommandSpec = {
  name: 'import',
  summary: 'import files and folders (recursively), then extract their text (OCR where needed) and finish the queue',
  usage: importUsage,
  options: { 'no-wait': { type: 'boolean' }, 'ocr-lang': { type: 'string' }, tag: { type: 'string', multiple: true }, 'max-size': { type: 'string' } },
  positionals: ['PATH', 'MORE...?'],
  variadic: true,
  async run(ctx, { values, positionals }) {
    const api = ctx.api();
    const wait = values['no-wait'] !== true;
    const runtime = wait ? ctx.ingestion() : undefined;
    const ocrLanguages = values['ocr-lang'] === undefined ? undefined : String(values['ocr-lang']).split('+');
    const tags = stringList(values.tag);
    const maxFileBytes = sizeOption(values['max-size'], importUsage);
    const report = await withProgress(ctx, async () => {
      const imported = await api.importPaths({
        paths: positionals.map((p) => resolve(p)),
        ...(ocrLanguages && { ocrLanguages }),
        ...(tags && { tags }),
        ...(maxFileBytes !== undefined && { maxFileBytes }),
      });
      // Everything queued is processed, including documents an interrupted import left behind.
      await runtime?.whenIdle();
      return imported;
    });
    const files = await settle(api, report.files);
    const nearCopies = await nearCopiesOf(api, files);
    const count = (status: string) => files.filter((f) => f.status === status).length;
    const summary = {
      imported: report.imported,
      duplicates: report.duplicates,
      rejected: report.rejected,
      skipped: report.skipped,
      done: count('done'),
      failed: count('failed'),
      unsupported: count('unsupported'),
      pending: files.filter((f) => ['queued', 'extracting', 'ocr', 'indexing'].includes(f.status)).length,
    };
    ctx.out.result({ files, ...summary, nearCopies }, () => {
      const shown = files.length <= 50 ? files : files.filter((f) => f.status !== 'done');
      const rows = shown.map((f) => [statusStyle(ctx.out, f.status), f.entryId ?? f.duplicateOf ?? '-', f.name, f.reason ?? '']);
      const lines = rows.length > 0 ? [table([['STATUS', 'ID', 'FILE', 'NOTE'].map(ctx.out.style.bold), ...rows]), ''] : [];
      const parts = [`${summary.imported} imported`];
      if (wait) parts.push(`${summary.done} done`, `${summary.failed} failed`, `${summary.unsupported} unsupported`);
      else parts.push(`${summary.pending} queued (run cairn process, or import again, to process them)`);
      if (summary.duplicates) parts.push(`${summary.duplicates} already imported`);
      if (summary.rejected) parts.push(`${summary.rejected} rejected`);
      if (summary.skipped) parts.push(`${summary.skipped} skipped`);
      if (files.length > 50 && shown.length < files.length) parts.push(`(${files.length - shown.length} done files not listed; --json lists all)`);
      // A folder of near-identical files (forms, one template) would be a line each: the first few say it.
      const told = nearCopies
        .slice(0, 20)
        .map(({ name, copies: [best, ...more] }) => `${name} is a near copy of “${best!.title}” (${Math.round(best!.similarity * 100)}%)${more.length ? ` and of ${more.length} more` : ''}`);
      if (nearCopies.length > told.length) told.push(`… and ${nearCopies.length - told.length} more imported files are near copies (--json lists them)`);
      if (told.length) told.push(ctx.out.style.dim('cairn duplicates ID lists them'));
      return [...lines, parts.join(', '), ...(told.length ? ['', ...told] : [])].join('\n');
    });
  },
};

/** Imported documents that turned out to be near copies of entries already here (the near-duplicate agent's pairs). */
async function nearCopiesOf(api: EngineApi, files: readonly FileResult[]): Promise<{ entryId: string; name: string; copies: NearCopy[] }[]> {
  const out: { entryId: string; name: string; copies: NearCopy[] }[] = [];
  for (const file of files) {
    if (file.outcome !== 'imported' || file.status !== 'done' || file.entryId === null) continue;
    const copies = await api.nearDuplicates({ id: file.entryId, limit: 5 });
    if (copies.length > 0) out.push({ entryId: file.entryId, name: file.name, copies });
  }
  return out;
}

function jobRow(out: Output, job: JobView): string[] {
  return [String(job.id), statusStyle(out, job.status === 'dead' ? 'failed' : job.status), `${job.attempts}/${job.maxAttempts}`, job.entryId ?? '-', job.name ?? '-', job.lastError ?? ''];
}

const jobsUsage = 'jobs [--failed] [--status queued|running|done|dead] [--limit N]';
export const jobsCommand: CommandSpec = {
  name: 'jobs',
  summary: 'document processing jobs, newest first (--failed: those that gave up, with the reason)',
  usage: jobsUsage,
  options: { failed: { type: 'boolean' }, status: { type: 'string' }, limit: { type: 'string' } },
  positionals: [],
  async run(ctx, { values }) {
    const status = oneOf(values.status, jobStatuses, '--status', jobsUsage);
    const limit = intOption(values.limit, '--limit', jobsUsage, 1);
    const result = await ctx.api().jobs({ ...(values.failed === true && { failed: true }), ...(status && { status }), ...(limit !== undefined && { limit }) });
    ctx.out.result(result, () => {
      const counts = `${result.counts.queued} queued, ${result.counts.running} running, ${result.counts.done} done, ${result.counts.dead} failed`;
      if (result.jobs.length === 0) return `no ${values.failed ? 'failed ' : ''}jobs (${counts})`;
      return `${table([['JOB', 'STATUS', 'TRIES', 'ENTRY', 'FILE', 'ERROR'].map(ctx.out.style.bold), ...result.jobs.map((j) => jobRow(ctx.out, j))])}\n${ctx.out.style.dim(counts)}`;
    });
  },
};

const retryUsage = 'retry JOB|ID|--all-failed [--no-wait]';
export const retryCommand: CommandSpec = {
  name: 'retry',
  summary: 'run failed processing jobs again (by job number, document id, or all of them)',
  usage: retryUsage,
  options: { 'all-failed': { type: 'boolean' }, 'no-wait': { type: 'boolean' } },
  positionals: ['JOB?'],
  async run(ctx, { values, positionals }) {
    const api = ctx.api();
    const target = positionals[0];
    if ((target === undefined) === (values['all-failed'] !== true)) throw usageError('retry needs a job number, a document id, or --all-failed (one of them)', retryUsage);
    let params: { jobId: number } | { allFailed: true };
    if (target === undefined) params = { allFailed: true };
    else if (/^\d+$/.test(target)) params = { jobId: Number(target) };
    else if (isUuid(target)) {
      const { jobId } = await api.getDocument({ id: target });
      if (jobId === null) throw usageError(`document ${target} has no processing job on this device`, retryUsage);
      params = { jobId };
    } else throw usageError(`"${target}" is neither a job number nor a document id`, retryUsage);
    const runtime = values['no-wait'] === true ? undefined : ctx.ingestion();
    const { retried } = await api.retryJob(params);
    await withProgress(ctx, async () => runtime?.waitFor(retried.flatMap((j) => (j.entryId ? [j.entryId] : []))));
    const after = await Promise.all(retried.map(async (job) => ({ ...job, document: job.entryId ? await api.getDocument({ id: job.entryId }) : null })));
    ctx.out.result({ retried: after.map(({ document, ...job }) => ({ ...job, documentStatus: document?.status ?? null, error: document?.error ?? null })) }, () => {
      if (after.length === 0) return 'no failed jobs to retry';
      return table(after.map((j) => [String(j.id), statusStyle(ctx.out, j.document?.status ?? j.status), j.name ?? '-', j.document?.error?.reason ?? '']));
    });
  },
};

export const processCommand: CommandSpec = {
  name: 'process',
  summary: 'process queued documents (e.g. after import --no-wait) until none are left',
  usage: 'process',
  options: {},
  positionals: [],
  async run(ctx) {
    const api = ctx.api();
    const runtime = ctx.ingestion();
    await withProgress(ctx, () => runtime.whenIdle());
    const { counts } = await api.jobs({ limit: 1 });
    ctx.out.result({ counts }, () => `queue empty: ${counts.done} done, ${counts.dead} failed (cairn jobs --failed)`);
  },
};

export const textCommand: CommandSpec = {
  name: 'text',
  summary: "print a document's extracted text",
  usage: 'text ID',
  options: {},
  positionals: ['ID'],
  async run(ctx, { positionals }) {
    const text = await ctx.api().documentText({ id: positionals[0]! });
    if (ctx.out.json) ctx.out.data(text);
    else process.stdout.write(text.text.endsWith('\n') || text.text === '' ? text.text : `${text.text}\n`);
  },
};

const openUsage = 'open ID [--out PATH] [--force]';
export const openCommand: CommandSpec = {
  name: 'open',
  summary: 'write out the original file of a document (default: its name, in this folder)',
  usage: openUsage,
  options: { out: { type: 'string' }, force: { type: 'boolean' } },
  positionals: ['ID'],
  async run(ctx, { values, positionals }) {
    const api = ctx.api();
    const document = await api.getDocument({ id: positionals[0]! });
    const to = values.out === undefined ? freeName(document.file.name) : resolve(String(values.out));
    const written = await api.exportOriginal({ id: document.id, to, ...(values.force === true && { overwrite: true }) });
    ctx.out.result(written, () => `wrote ${written.path} (${formatBytes(written.size)})`);
  },
};

/** `name` in the current folder, or `name (2)` etc. when taken: never overwrites by default. */
function freeName(name: string): string {
  const safe = basename(name.replace(/\\/g, '/')) || 'document';
  const ext = extname(safe);
  const stem = safe.slice(0, safe.length - ext.length);
  let candidate = resolve(safe);
  for (let n = 2; existsSync(candidate); n++) candidate = join(process.cwd(), `${stem} (${n})${ext}`);
  return candidate;
}

/** The document facet of `show`: status, reason, file, pages, OCR. */
export function renderDocument(out: Output, document: DocumentView): string {
  const { dim, red } = out.style;
  const facts = [
    `status ${statusStyle(out, document.status)}${document.note ? ` (${document.note})` : ''}`,
    `file ${document.file.name} · ${formatBytes(document.file.size)} · ${document.mimeType}`,
  ];
  const extracted = [
    document.pageCount !== null ? `${document.pageCount} page${document.pageCount === 1 ? '' : 's'}` : null,
    document.ocrUsed ? 'OCR used' : null,
    document.chars !== null ? `${document.chars} characters` : null,
    document.language ? `language ${document.language}` : null,
  ].filter(Boolean);
  if (extracted.length) facts.push(extracted.join(' · '));
  const lines = facts.map((f) => dim(f));
  if (document.error) lines.push(red(`${document.error.code}: ${document.error.reason}${document.jobId !== null ? ` (cairn retry ${document.jobId})` : ''}`));
  for (const warning of document.warnings) lines.push(dim(`warning: ${warning}`));
  if (document.textSha256) lines.push(dim(`cairn text ${document.id} prints the text; cairn open ${document.id} writes out the original`));
  return lines.join('\n');
}
