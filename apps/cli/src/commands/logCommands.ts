import type { CommandSpec } from '../command.js';
import { table } from '../output.js';
import { intOption } from '../parse.js';
import { usageError } from '../usageError.js';
import { dismissTagCommand, suggestTagsCommand } from './relatedCommands.js';

const logUsage = 'log [--after POS] [--limit N]';
export const logCommand: CommandSpec = {
  name: 'log',
  summary: 'the raw event log (JSON lines with --json)',
  usage: logUsage,
  options: { after: { type: 'string' }, limit: { type: 'string' } },
  positionals: [],
  async run(ctx, { values }) {
    const after = intOption(values.after, '--after', logUsage) ?? 0;
    const limit = intOption(values.limit, '--limit', logUsage, 1) ?? 1_000;
    const events = await ctx.api().log({ after, limit: Math.min(limit, 100_000) });
    if (ctx.out.json) {
      for (const event of events) ctx.out.data(event);
      return;
    }
    if (events.length === 0) {
      ctx.out.line(after > 0 ? `no events after position ${after}` : 'the log is empty');
      return;
    }
    ctx.out.line(
      table([
        ['POS', 'TIME', 'EVENT', 'AGGREGATE', 'VERSION', 'ACTOR'].map(ctx.out.style.bold),
        ...events.map((e) => [String(e.position), e.metadata.at, e.type, e.aggregateId, String(e.version), e.metadata.actorId]),
      ]),
    );
  },
};

export const rebuildCommand: CommandSpec = {
  name: 'rebuild',
  summary: 'replay the log into fresh read models; prints events, entries and the digest',
  usage: 'rebuild',
  options: {},
  positionals: [],
  async run(ctx) {
    const api = ctx.api();
    const unsubscribe = api.subscribe((notice) => {
      if (notice.type === 'progress' && notice.task === 'rebuild') ctx.out.progress('rebuilding', notice.done, notice.total);
    });
    try {
      const result = await api.rebuild({});
      ctx.out.endProgress();
      ctx.out.result(result, () => `rebuilt ${result.entries} entries from ${result.events} events\ndigest ${result.digest}`);
    } finally {
      unsubscribe();
    }
  },
};

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'the data directory, its counts and the digest of its read models',
  usage: 'status',
  options: {},
  positionals: [],
  async run(ctx) {
    const api = ctx.api();
    const status = await api.status({});
    const { digest } = await api.digest({});
    ctx.out.result({ ...status, digest }, () =>
      table([
        ['data directory', status.dataDir],
        ['schema', String(status.schemaVersion)],
        ['workspace', status.workspaceId],
        ['device', status.deviceId],
        ['actor', status.actorId],
        ['events', String(status.events)],
        ['entries', String(status.entries)],
        ['digest', digest],
      ]),
    );
  },
};

const tagsUsage = 'tags | tags suggest ID | tags dismiss ID TAG';
export const tagsCommand: CommandSpec = {
  name: 'tags',
  summary: 'every tag and how many live entries carry it; `tags suggest ID`: tags worth adding to an entry',
  usage: tagsUsage,
  options: {},
  positionals: ['ACTION?', 'ID?', 'TAG?'],
  async run(ctx, { positionals }) {
    const [action, id, tag] = positionals;
    if (action === 'suggest' && id !== undefined && tag === undefined) return suggestTagsCommand(ctx, id);
    if (action === 'dismiss' && id !== undefined && tag !== undefined) return dismissTagCommand(ctx, id, tag);
    if (action !== undefined) throw usageError(`tags: unknown use "${positionals.join(' ')}"`, tagsUsage);
    const tags = await ctx.api().tags({});
    ctx.out.result({ tags }, () => (tags.length === 0 ? 'no tags' : table(tags.map((t) => [`#${t.tag}`, String(t.count)]))));
  },
};

const activityUsage = 'activity [--limit N]';
export const activityCommand: CommandSpec = {
  name: 'activity',
  summary: 'recent changes across all entries, newest first',
  usage: activityUsage,
  options: { limit: { type: 'string' } },
  positionals: [],
  async run(ctx, { values }) {
    const limit = intOption(values.limit, '--limit', activityUsage, 1) ?? 20;
    const items = await ctx.api().activity({ limit: Math.min(limit, 1_000) });
    ctx.out.result({ activity: items }, () =>
      items.length === 0 ? 'no activity yet' : table(items.map((a) => [a.at.slice(0, 19).replace('T', ' '), a.eventType, a.title, a.fields.join(', '), a.deviceName ? `${a.actorName ?? a.actorId} (${a.deviceName})` : (a.actorName ?? a.actorId)])),
    );
  },
};
