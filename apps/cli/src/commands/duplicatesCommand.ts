import type { CommandSpec } from '../command.js';
import { table } from '../output.js';
import { intOption } from '../parse.js';

const percent = (similarity: number) => `${Math.round(similarity * 100)}%`;

const duplicatesUsage = 'duplicates [ID] [--limit N]';
export const duplicatesCommand: CommandSpec = {
  name: 'duplicates',
  summary: 'near copies (a scan and its PDF, two versions of a contract): of one entry, or every pair in the library, most similar first',
  usage: duplicatesUsage,
  options: { limit: { type: 'string' } },
  positionals: ['ID?'],
  async run(ctx, { values, positionals }) {
    const api = ctx.api();
    const id = positionals[0];
    const { bold, dim } = ctx.out.style;
    if (id !== undefined) {
      const copies = await api.nearDuplicates({ id });
      ctx.out.result({ id, copies }, () =>
        copies.length === 0 ? 'no near copies' : table([['SIMILARITY', 'ID', 'KIND', 'TITLE'].map(bold), ...copies.map((c) => [percent(c.similarity), c.entryId, c.kind, c.title])]),
      );
      return;
    }
    const limit = intOption(values.limit, '--limit', duplicatesUsage, 1);
    const pairs = await api.duplicates(limit === undefined ? {} : { limit });
    ctx.out.result({ pairs }, () =>
      pairs.length === 0
        ? 'no near copies in the library'
        : table([['SIMILARITY', 'ID', 'TITLE', 'NEAR COPY', 'TITLE'].map(bold), ...pairs.map((p) => [percent(p.similarity), p.a.entryId, p.a.title, p.b.entryId, p.b.title])]) +
          `\n${dim('cairn duplicates ID shows one entry’s near copies')}`,
    );
  },
};
