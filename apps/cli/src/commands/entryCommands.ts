import type { CommandResult, EntryKind, EntryView, HistoryItem } from '@cairn/core';
import { entrySorts } from '@cairn/core';
import type { CommandSpec, OptionValues } from '../command.js';
import type { Output } from '../output.js';
import { table } from '../output.js';
import { intOption, oneOf, stringList } from '../parse.js';
import { readTextArgument } from '../textFile.js';
import { renderDocument } from './ingestCommands.js';
import { usageError } from '../usageError.js';

function bodyOption(values: OptionValues, usage: string): string | undefined {
  if (values.body !== undefined && values['body-file'] !== undefined) throw usageError('give either --body or --body-file, not both', usage);
  if (values['body-file'] !== undefined) return readTextArgument(String(values['body-file']), 'body file');
  return values.body === undefined ? undefined : String(values.body);
}

function changed(out: Output, verb: string, result: CommandResult): void {
  out.result({ id: result.entryId, version: result.version, changed: result.changed }, () =>
    result.changed ? `${verb} ${result.entryId} (now version ${result.version})` : `no changes: ${result.entryId} stays at version ${result.version}`,
  );
}

const addUsage = 'add --title T [--body B | --body-file F] [--tag T]...';
export const addCommand: CommandSpec = {
  name: 'add',
  summary: 'create a note; prints its id',
  usage: addUsage,
  options: { title: { type: 'string' }, body: { type: 'string' }, 'body-file': { type: 'string' }, tag: { type: 'string', multiple: true } },
  positionals: [],
  async run(ctx, { values }) {
    if (values.title === undefined) throw usageError('add needs --title', addUsage);
    const body = bodyOption(values, addUsage);
    const tags = stringList(values.tag);
    const result = await ctx.api().createEntry({ title: String(values.title), ...(body !== undefined && { body }), ...(tags && { tags }) });
    ctx.out.result({ id: result.entryId, version: result.version }, () => result.entryId);
  },
};

const editUsage = 'edit ID [--title T] [--body B | --body-file F] [--tag T]... [--untag T]... [--expect-version N]';
export const editCommand: CommandSpec = {
  name: 'edit',
  summary: 'change the title, body or tags of an entry',
  usage: editUsage,
  options: {
    title: { type: 'string' },
    body: { type: 'string' },
    'body-file': { type: 'string' },
    tag: { type: 'string', multiple: true },
    untag: { type: 'string', multiple: true },
    'expect-version': { type: 'string' },
  },
  positionals: ['ID'],
  async run(ctx, { values, positionals }) {
    const body = bodyOption(values, editUsage);
    const addTags = stringList(values.tag);
    const removeTags = stringList(values.untag);
    if (values.title === undefined && body === undefined && !addTags && !removeTags) {
      throw usageError('edit needs at least one of --title, --body, --body-file, --tag, --untag', editUsage);
    }
    const expectedVersion = intOption(values['expect-version'], '--expect-version', editUsage);
    const result = await ctx.api().updateEntry({
      id: positionals[0]!,
      ...(values.title !== undefined && { title: String(values.title) }),
      ...(body !== undefined && { body }),
      ...(addTags && { addTags }),
      ...(removeTags && { removeTags }),
      ...(expectedVersion !== undefined && { expectedVersion }),
    });
    changed(ctx.out, 'updated', result);
  },
};

export const rmCommand: CommandSpec = {
  name: 'rm',
  summary: 'delete an entry (it stays in the history and can be restored)',
  usage: 'rm ID',
  options: {},
  positionals: ['ID'],
  async run(ctx, { positionals }) {
    changed(ctx.out, 'deleted', await ctx.api().deleteEntry({ id: positionals[0]! }));
  },
};

export const restoreCommand: CommandSpec = {
  name: 'restore',
  summary: 'bring a deleted entry back',
  usage: 'restore ID',
  options: {},
  positionals: ['ID'],
  async run(ctx, { positionals }) {
    changed(ctx.out, 'restored', await ctx.api().restoreEntry({ id: positionals[0]! }));
  },
};

const showUsage = 'show ID [--version N]';
export const showCommand: CommandSpec = {
  name: 'show',
  summary: 'print an entry, now or as it was at a version',
  usage: showUsage,
  options: { version: { type: 'string' } },
  positionals: ['ID'],
  async run(ctx, { values, positionals }) {
    const version = intOption(values.version, '--version', showUsage, 1);
    const api = ctx.api();
    const entry = await api.getEntry({ id: positionals[0]!, ...(version !== undefined && { version }) });
    // A document shows where its processing stands (and why it failed); `document` is absent for notes.
    const document = entry.kind === 'document' ? await api.getDocument({ id: entry.id }).catch(() => undefined) : undefined;
    ctx.out.result(document ? { ...entry, document } : entry, () => renderEntry(ctx.out, entry) + (document ? `\n${renderDocument(ctx.out, document)}` : ''));
  },
};

function renderEntry(out: Output, entry: EntryView): string {
  const { bold, dim, red } = out.style;
  const lines = [
    bold(entry.title),
    dim(`id ${entry.id} · ${entry.kind} · version ${entry.version}${entry.tags.length ? ` · tags ${entry.tags.map((t) => `#${t}`).join(' ')}` : ''}`),
    dim(`created ${entry.createdAt} by ${entry.createdBy} · updated ${entry.updatedAt} by ${entry.updatedBy}`),
  ];
  if (entry.deleted) lines.push(red('deleted (cairn restore to bring it back)'));
  if (Object.keys(entry.attributes).length > 0) lines.push(dim(`attributes ${JSON.stringify(entry.attributes)}`));
  lines.push('', entry.body);
  return lines.join('\n');
}

const listUsage = 'list [--tag T] [--kind note|document] [--deleted] [--sort updated|created|title] [--limit N] [--offset N]';
export const listCommand: CommandSpec = {
  name: 'list',
  summary: 'list entries, newest change first',
  usage: listUsage,
  options: {
    tag: { type: 'string' },
    kind: { type: 'string' },
    deleted: { type: 'boolean' },
    sort: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  },
  positionals: [],
  async run(ctx, { values }) {
    const kind = oneOf<EntryKind>(values.kind, ['note', 'document'], '--kind', listUsage);
    const sort = oneOf(values.sort, entrySorts, '--sort', listUsage);
    const limit = intOption(values.limit, '--limit', listUsage, 1);
    const offset = intOption(values.offset, '--offset', listUsage);
    const list = await ctx.api().listEntries({
      ...(values.tag !== undefined && { tag: String(values.tag) }),
      ...(kind && { kind }),
      ...(values.deleted === true && { deleted: true }),
      ...(sort && { sort }),
      ...(limit !== undefined && { limit }),
      ...(offset !== undefined && { offset }),
    });
    ctx.out.result(list, () => {
      if (list.total === 0) return values.deleted ? 'no deleted entries' : 'no entries';
      const rows = list.entries.map((e) => [e.id, e.updatedAt.slice(0, 16).replace('T', ' '), e.kind, e.title, e.tags.map((t) => `#${t}`).join(' ')]);
      const shown = list.offset + list.entries.length;
      const more = shown < list.total ? `\n${ctx.out.style.dim(`${list.entries.length} of ${list.total} shown; --offset ${shown} for more`)}` : '';
      return table([['ID', 'UPDATED', 'KIND', 'TITLE', 'TAGS'].map(ctx.out.style.bold), ...rows]) + more;
    });
  },
};

export const historyCommand: CommandSpec = {
  name: 'history',
  summary: 'every version of an entry: change, time, actor, device, fields',
  usage: 'history ID',
  options: {},
  positionals: ['ID'],
  async run(ctx, { positionals }) {
    const id = positionals[0]!;
    const history = await ctx.api().history({ id });
    ctx.out.result({ id, versions: history }, () => table([['VERSION', 'TIME', 'CHANGE', 'ACTOR', 'DEVICE', 'FIELDS'].map(ctx.out.style.bold), ...history.map(historyRow)]));
  },
};

function historyRow(item: HistoryItem): string[] {
  const change = item.revertedTo !== undefined ? `${item.eventType} to v${item.revertedTo}` : item.eventType;
  // Names as the sync server lists them; ids (shortened) for what never synced.
  return [String(item.version), item.at, change, item.actorName ?? item.actorId, item.deviceName ?? item.deviceId.slice(0, 13), item.fields.join(', ')];
}

const revertUsage = 'revert ID --to-version N';
export const revertCommand: CommandSpec = {
  name: 'revert',
  summary: 'bring an entry back to an earlier version (appends new events)',
  usage: revertUsage,
  options: { 'to-version': { type: 'string' } },
  positionals: ['ID'],
  async run(ctx, { values, positionals }) {
    const toVersion = intOption(values['to-version'], '--to-version', revertUsage, 1);
    if (toVersion === undefined) throw usageError('revert needs --to-version N', revertUsage);
    changed(ctx.out, `reverted to version ${toVersion}:`, await ctx.api().revertEntry({ id: positionals[0]!, toVersion }));
  },
};
