import type { EntryLinksView } from '@cairn/core';
import type { CommandSpec } from '../command.js';
import type { Output } from '../output.js';

const linksUsage = 'links ID [--link FROM]';
export const linksCommand: CommandSpec = {
  name: 'links',
  summary: "an entry's [[links]], backlinks and unlinked mentions; --link FROM makes FROM's first mention a link",
  usage: linksUsage,
  options: { link: { type: 'string' } },
  positionals: ['ID'],
  async run(ctx, { values, positionals }) {
    const id = positionals[0]!;
    const api = ctx.api();
    if (values.link !== undefined) {
      const from = String(values.link);
      const result = await api.linkMention({ id, from });
      ctx.out.result({ id: result.entryId, version: result.version, changed: result.changed }, () => `linked the mention in ${from} (now version ${result.version})`);
      return;
    }
    const view = await api.links({ id });
    ctx.out.result(view, () => renderLinks(ctx.out, view));
  },
};

function renderLinks(out: Output, view: EntryLinksView): string {
  const { bold, dim } = out.style;
  const lines: string[] = [bold(`Links (${view.links.length})`)];
  for (const link of view.links) {
    const shown = link.label ? `${link.title}|${link.label}` : link.title;
    lines.push(`  [[${shown}]] → ${link.missing ? dim('missing (no entry has this title)') : `${link.targetTitle} ${dim(link.targetId ?? '')}`}`);
  }
  lines.push(bold(`Backlinks (${view.backlinks.length})`));
  for (const backlink of view.backlinks) {
    const first = backlink.links[0];
    lines.push(`  ${backlink.title} ${dim(backlink.entryId)}${first ? `\n    ${dim(`${first.before}${first.match}${first.after}`)}` : ''}`);
  }
  lines.push(bold(`Unlinked mentions (${view.mentions.length})`));
  for (const mention of view.mentions) {
    const where = mention.linkable ? `cairn links ${view.entryId} --link ${mention.entryId}` : 'in the extracted text';
    lines.push(`  ${mention.title} ${dim(mention.entryId)} ${dim(`(${where})`)}\n    ${dim(`${mention.context.before}${mention.context.match}${mention.context.after}`)}`);
  }
  return lines.join('\n');
}
