import type { CommandContext, CommandSpec } from '../command.js';
import { table } from '../output.js';
import { intOption } from '../parse.js';

const relatedUsage = 'related ID [--limit N]';
export const relatedCommand: CommandSpec = {
  name: 'related',
  summary: 'entries related to one ("see also"): by its distinctive words and, with a model, its meaning',
  usage: relatedUsage,
  options: { limit: { type: 'string' } },
  positionals: ['ID'],
  async run(ctx, { values, positionals }) {
    const id = positionals[0]!;
    const limit = intOption(values.limit, '--limit', relatedUsage, 1);
    const related = await ctx.api().related({ id, ...(limit !== undefined && { limit }) });
    ctx.out.result(related, () => {
      if (related.results.length === 0) return 'no related entries';
      const rows = related.results.map((r) => [r.entryId, r.kind, r.title, r.sharedTerms.slice(0, 6).join(', ') || ctx.out.style.dim('(by meaning)')]);
      const how = related.usedVectors ? 'by words and meaning' : 'by words only (no embedding model)';
      return `${table([['ID', 'KIND', 'TITLE', 'SHARED WORDS'].map(ctx.out.style.bold), ...rows])}\n${ctx.out.style.dim(how)}`;
    });
  },
};

/** `cairn tags suggest ID`: tags worth adding to an entry, and why (`cairn edit ID --tag T` accepts one, `cairn tags dismiss ID T` hides one). */
export async function suggestTagsCommand(ctx: CommandContext, id: string): Promise<void> {
  const view = await ctx.api().suggestTags({ id });
  ctx.out.result(view, () => {
    if (view.suggestions.length === 0) return 'no tag suggestions';
    const rows = view.suggestions.map((s) => {
      const why = [s.keywords.length > 0 ? `keywords: ${s.keywords.join(', ')}` : '', s.relatedCount > 0 ? `on ${s.relatedCount} of ${view.related} related entries` : ''].filter(Boolean).join('; ');
      return [`#${s.tag}`, why];
    });
    return table([['TAG', 'WHY'].map(ctx.out.style.bold), ...rows]);
  });
}

/** `cairn tags dismiss ID TAG`: stops suggesting the tag for the entry (remembered on this device). */
export async function dismissTagCommand(ctx: CommandContext, id: string, tag: string): Promise<void> {
  const result = await ctx.api().dismissSuggestion({ id, agent: 'tags', key: tag });
  ctx.out.result({ id, tag, ...result }, () => `#${tag} is no longer suggested for ${id}`);
}
