import { createInterface } from 'node:readline';
import type { SyncOverview, SyncReport } from '@cairn/core';
import type { CommandContext, CommandSpec, OptionValues } from '../command.js';
import { usageError } from '../usageError.js';

const syncUsage = [
  'sync login URL --user U [--password-stdin] [--invitation CODE | --signup]   sign this device in (a code signs you up and joins)',
  'sync link --workspace W [--create [--name NAME]]                 sync this data directory with a workspace',
  'sync clone URL --workspace W --user U [--password-stdin]         start a new data directory from a workspace',
  'sync now | sync status | sync watch | sync logout | sync unlink',
].join('\n  ');

export const syncCommand: CommandSpec = {
  name: 'sync',
  summary: 'sync with a team server: login, link, clone, now, status, watch, logout, unlink',
  usage: syncUsage,
  options: {
    user: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    invitation: { type: 'string' },
    signup: { type: 'boolean' },
    workspace: { type: 'string' },
    create: { type: 'boolean' },
    name: { type: 'string' },
  },
  positionals: ['ACTION', 'URL?'],
  async run(ctx, { values, positionals }) {
    const [action, url] = positionals;
    if (url !== undefined && action !== 'login' && action !== 'clone') throw usageError(`sync ${action}: unexpected argument "${url}"`, syncUsage);
    const api = ctx.api();
    switch (action) {
      case 'login': {
        const { server, username } = required(url, values);
        const password = await readPassword(values);
        const answer = await api.syncLogin({ server, username, password, ...(typeof values.invitation === 'string' && { invitation: values.invitation }), ...(values.signup === true && { signup: true }) });
        ctx.out.result(answer, () =>
          [`signed in to ${server} as ${answer.username}`, answer.workspaces.length ? `workspaces: ${answer.workspaces.map((w) => `${w.id} (${w.role})`).join(', ')}` : 'no workspaces yet: create one with cairn sync link --workspace W --create'].join('\n'),
        );
        return;
      }
      case 'link': {
        const workspace = workspaceOf(values);
        if (values.name !== undefined && values.create !== true) throw usageError('--name names a workspace made with --create', syncUsage);
        const report = await api.syncLink({ workspace, ...(values.create === true && { create: typeof values.name === 'string' ? values.name : '' }) });
        ctx.out.result(report, () => `linked to ${workspace}: ${describe(report)}`);
        return;
      }
      case 'clone': {
        const { server, username } = required(url, values);
        const workspace = workspaceOf(values);
        const status = await api.status({});
        if (status.events > 0) throw usageError(`clone starts a new data directory, and ${status.dataDir} has entries: use sync link there, or choose an empty folder with --data`, syncUsage);
        const password = await readPassword(values);
        await api.syncLogin({ server, username, password });
        const report = await api.syncLink({ workspace });
        ctx.out.result(report, () => `cloned ${workspace} into ${status.dataDir}: ${describe(report)}`);
        return;
      }
      case 'now': {
        const report = await api.syncNow({});
        ctx.out.result(report, () => describe(report));
        return;
      }
      case 'status': {
        const status = await api.syncStatus({});
        ctx.out.result(status, () => render(status));
        return;
      }
      case 'watch':
        await watch(ctx);
        return;
      case 'logout': {
        const status = await api.syncLogout({});
        ctx.out.result(status, () => 'signed out: this device’s token is revoked; your entries stay here (sync login to sync again)');
        return;
      }
      case 'unlink': {
        const status = await api.syncUnlink({});
        ctx.out.result(status, () => 'unlinked: this data directory no longer syncs; its entries stay here');
        return;
      }
      case undefined:
      default:
        throw usageError(`unknown sync action "${action}"`, syncUsage);
    }
  },
};

/** `sync watch`: stays connected, printing each change of state, until SIGINT or SIGTERM. */
async function watch(ctx: CommandContext): Promise<void> {
  let last = '';
  const service = ctx.sync();
  ctx.engine().subscribe((notice) => {
    if (notice.type !== 'sync') return;
    const line = ctx.out.json ? JSON.stringify(notice.status) : render(notice.status).split('\n')[0]!;
    if (line !== last) ctx.out.line(line);
    last = line;
  });
  if (!service.overview().linked) throw usageError('link this data directory first (cairn sync link --workspace W)', syncUsage);
  service.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await service.stop();
}

function required(url: string | undefined, values: OptionValues): { server: string; username: string } {
  if (url === undefined) throw usageError('give the sync server URL (e.g. https://sync.example.com)', syncUsage);
  if (typeof values.user !== 'string' || values.user === '') throw usageError('give the account with --user NAME', syncUsage);
  return { server: url, username: values.user };
}

function workspaceOf(values: OptionValues): string {
  if (typeof values.workspace !== 'string' || values.workspace === '') throw usageError('give the workspace with --workspace W', syncUsage);
  return values.workspace;
}

function describe(report: SyncReport & { status?: SyncOverview }): string {
  const moved = `pushed ${report.pushed}, pulled ${report.pulled}${report.epochChanged ? ' (the server had lost events: they were sent again)' : ''}`;
  return report.status?.readOnly ? `${moved}; you can read this workspace but not change it: your edits stay on this device` : moved;
}

function render(status: SyncOverview): string {
  if (!status.linked) return `not linked${status.account ? ` (signed in to ${status.account.server} as ${status.account.username})` : ''}: cairn sync link --workspace W`;
  const lines = [
    `${status.state}${status.live ? ', live' : ''}: ${status.workspace} on ${status.server}${status.account ? ` as ${status.account.username}` : ', signed out'}`,
    `pending: ${status.pending} event${status.pending === 1 ? '' : 's'} to push${status.readOnly ? ' (read-only: your edits stay on this device)' : ''}`,
    `last sync: ${status.lastSyncAt ?? 'never'}`,
  ];
  if (status.lastError) lines.push(`error: ${status.lastError.message}`, `what to do: ${status.lastError.action}`);
  if (status.retryAt) lines.push(`next try: ${status.retryAt}`);
  return lines.join('\n');
}

/** The password from standard input (`--password-stdin`) or asked on the terminal without echo. */
async function readPassword(values: OptionValues): Promise<string> {
  if (values['password-stdin'] === true) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
    const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (!password) throw usageError('standard input held no password', syncUsage);
    return password;
  }
  if (!process.stdin.isTTY) throw usageError('give the password on standard input with --password-stdin (there is no terminal to ask on)', syncUsage);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (text: string) => void };
  const write = output._writeToOutput.bind(rl);
  output._writeToOutput = (text: string) => write(text.startsWith('Password: ') ? 'Password: ' : '');
  try {
    return await new Promise<string>((resolve) => rl.question('Password: ', resolve));
  } finally {
    output._writeToOutput = write;
    process.stderr.write('\n');
    rl.close();
  }
}
