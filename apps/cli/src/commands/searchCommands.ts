import { resolveModelDir, runBeirEval, searchModes, type EngineApi, type ModelStatus, type SearchResponse } from '@cairn/core';
import { entryKinds } from '@cairn/core/domain';
import type { CommandContext, CommandSpec } from '../command.js';
import type { Output } from '../output.js';
import { intOption, oneOf, stringList } from '../parse.js';
import { usageError } from '../usageError.js';

const searchUsage = 'search QUERY... [--mode lexical|semantic|hybrid] [--limit N] [--tag T]... [--kind note|document] [--type pdf] [--model-dir D]';
export const searchCommand: CommandSpec = {
  name: 'search',
  summary: 'find entries by words and meaning ("phrase", -exclude, tag:x, kind:note, type:pdf)',
  usage: searchUsage,
  options: {
    mode: { type: 'string' },
    limit: { type: 'string' },
    tag: { type: 'string', multiple: true },
    kind: { type: 'string' },
    type: { type: 'string' },
    'model-dir': { type: 'string' },
  },
  positionals: ['QUERY'],
  variadic: true,
  async run(ctx, { values, positionals }) {
    const mode = oneOf(values.mode, searchModes, '--mode', searchUsage);
    const limit = intOption(values.limit, '--limit', searchUsage, 1);
    const kind = oneOf(values.kind, entryKinds, '--kind', searchUsage);
    const tags = stringList(values.tag);
    const response = await ctx.api().search({
      query: positionals.join(' '),
      ...(mode !== undefined && { mode }),
      ...(limit !== undefined && { limit }),
      ...(tags && { tag: tags }),
      ...(kind !== undefined && { kind }),
      ...(values.type !== undefined && { type: String(values.type) }),
    });
    ctx.out.result(response, () => renderResults(ctx.out, response));
  },
};

function renderResults(out: Output, response: SearchResponse): string {
  const { bold, dim, yellow } = out.style;
  const lines: string[] = [];
  response.results.forEach((result, i) => {
    lines.push(`${bold(`${i + 1}. ${result.title}`)}  ${dim(`${result.kind} · ${result.entryId} · score ${result.score}`)}`);
    if (result.snippet) lines.push(`   ${fromMarkup(result.snippet, yellow)}`);
  });
  if (response.results.length === 0) lines.push('no results');
  for (const notice of response.notices) lines.push(dim(`note: ${notice}`));
  lines.push(dim(`${response.results.length} results · ${response.mode} · ${response.tookMs} ms`));
  return lines.join('\n');
}

/** The snippet's `<mark>` highlights as terminal colour, its HTML escapes as plain characters. */
export function fromMarkup(snippet: string, highlight: (text: string) => string): string {
  const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return snippet
    .split(/(<mark>.*?<\/mark>)/)
    .map((part) => (part.startsWith('<mark>') ? highlight(unescape(part.slice(6, -7))) : unescape(part)))
    .join('');
}

const modelUsage = 'model status | model download [--url URL] [--force] | model use DIR | model embed [--max N]';
export const modelCommand: CommandSpec = {
  name: 'model',
  summary: 'the embedding model for semantic search: status, download, use a local folder, embed',
  usage: modelUsage,
  options: { url: { type: 'string' }, force: { type: 'boolean' }, max: { type: 'string' }, 'model-dir': { type: 'string' } },
  positionals: ['ACTION', 'DIR?'],
  async run(ctx, { values, positionals }) {
    const [action, dir] = positionals;
    const api = ctx.api();
    if (action !== 'use' && dir !== undefined) throw usageError(`model ${action}: unexpected argument "${dir}"`, modelUsage);
    let status: ModelStatus;
    switch (action) {
      case 'status':
        status = await api.modelStatus({});
        break;
      case 'download':
        status = await withProgress(ctx, api, 'model-download', 'downloading', () =>
          api.downloadModel({ ...(values.url !== undefined && { url: String(values.url) }), ...(values.force === true && { force: true }) }),
        );
        status = await embedAll(ctx, api, status);
        break;
      case 'use':
        if (dir === undefined) throw usageError('model use needs a model folder', modelUsage);
        status = await embedAll(ctx, api, await api.useModel({ dir }));
        break;
      case 'embed': {
        const max = intOption(values.max, '--max', modelUsage, 1);
        await withProgress(ctx, api, 'embed', 'embedding', () => api.embedPending(max === undefined ? {} : { max }));
        status = await api.modelStatus({});
        break;
      }
      case undefined:
      default:
        throw usageError(`unknown model action "${action}"; use status, download, use or embed`, modelUsage);
    }
    ctx.out.result(status, () => renderModel(ctx.out, status));
  },
};

async function embedAll(ctx: CommandContext, api: EngineApi, status: ModelStatus): Promise<ModelStatus> {
  if (status.state !== 'ready' || status.vectors.pending === 0) return status;
  await withProgress(ctx, api, 'embed', 'embedding', () => api.embedPending({}));
  return api.modelStatus({});
}

async function withProgress<T>(ctx: CommandContext, api: EngineApi, task: string, label: string, run: () => Promise<T>): Promise<T> {
  const unsubscribe = api.subscribe((notice) => {
    if (notice.type === 'progress' && notice.task === task) ctx.out.progress(label, notice.done, notice.total);
  });
  try {
    return await run();
  } finally {
    unsubscribe();
    ctx.out.endProgress();
  }
}

function renderModel(out: Output, status: ModelStatus): string {
  const { bold, dim, green, yellow } = out.style;
  const lines = [
    `${bold('model')}  ${status.state === 'ready' ? green(status.state) : yellow(status.state)}${status.name ? ` · ${status.name}` : ''}${status.dims ? ` · ${status.dims} dimensions` : ''}`,
  ];
  if (status.dir) lines.push(dim(`folder ${status.dir} (${status.source})`));
  if (status.reason) lines.push(`why: ${status.reason}`);
  lines.push(`vectors: ${status.vectors.embedded} chunks embedded, ${status.vectors.pending} waiting${status.vectors.partitions > 1 ? `, in ${status.vectors.partitions} partitions` : ''}`);
  return lines.join('\n');
}

const evalUsage = 'eval beir DIR [--split NAME] [--mode lexical|semantic|hybrid] [--model-dir D] [--semantic-weight W] [--queries N] [--partition-size N] [--query-script as-given|traditional]';
export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: 'measure search quality on a BEIR folder: nDCG@10, recall@100, latency (JSON with --json)',
  usage: evalUsage,
  options: { split: { type: 'string' }, mode: { type: 'string' }, 'model-dir': { type: 'string' }, 'semantic-weight': { type: 'string' }, queries: { type: 'string' }, 'partition-size': { type: 'string' }, 'query-script': { type: 'string' } },
  positionals: ['SUITE', 'DIR'],
  async run(ctx, { values, positionals }) {
    const [suite, dir] = positionals;
    if (suite !== 'beir') throw usageError(`unknown evaluation "${suite}"; available: beir`, evalUsage);
    const mode = oneOf(values.mode, searchModes, '--mode', evalUsage);
    const maxQueries = intOption(values.queries, '--queries', evalUsage, 1);
    // The questions converted to Traditional Chinese (a Simplified corpus searched from the other script).
    const queryScript = oneOf(values['query-script'], ['as-given', 'traditional'] as const, '--query-script', evalUsage);
    // Partitions the vectors however few there are, this many per partition: what partitioning costs in quality.
    const partitionSize = intOption(values['partition-size'], '--partition-size', evalUsage, 2);
    const weight = values['semantic-weight'] === undefined ? undefined : Number(values['semantic-weight']);
    if (weight !== undefined && !(weight >= 0 && weight <= 10)) throw usageError('--semantic-weight must be a number from 0 to 10', evalUsage);
    const modelDir = resolveModelDir(values['model-dir'] === undefined ? undefined : String(values['model-dir']));
    const result = await runBeirEval({
      dir: dir!,
      ...(values.split !== undefined && { split: String(values.split) }),
      ...(mode !== undefined && { mode }),
      ...(modelDir !== undefined && { modelDir }),
      ...(weight !== undefined && { semanticWeight: weight }),
      ...(maxQueries !== undefined && { maxQueries }),
      ...(queryScript !== undefined && { queryScript }),
      ...(partitionSize !== undefined && { vectorPartitions: { partitionFrom: 0, partitionSize } }),
      log: (message) => {
        ctx.out.endProgress();
        if (!ctx.out.json) process.stderr.write(`${message}\n`);
      },
      onProgress: (task, done, total) => ctx.out.progress(task, done, total),
    });
    ctx.out.endProgress();
    ctx.out.result(result, () =>
      [
        `${ctx.out.style.bold(`nDCG@10 ${result['ndcg@10']}`)} · recall@100 ${result['recall@100']} · ${result.queries} queries (${result.split}${result.queryScript === 'traditional' ? ', in Traditional' : ''}) · ${result.mode}${result.model ? ` with ${result.model}` : ''}`,
        `latency p50 ${result.p50Ms} ms · p95 ${result.p95Ms} ms · ${result.documents} documents in ${result.chunks} chunks`,
      ].join('\n'),
    );
  },
};
