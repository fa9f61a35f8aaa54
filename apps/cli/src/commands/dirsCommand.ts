import { resolve } from 'node:path';
import { CairnError, DataDirRegistry } from '@cairn/core';
import type { CommandSpec } from '../command.js';
import { table } from '../output.js';
import { usageError } from '../usageError.js';

const dirsUsage = 'dirs [list | forget PATH]';

/**
 * The data directories this person has opened (one per workspace), from the list every host keeps; `forget`
 * takes one off the list and leaves the folder alone. Opens no data directory itself.
 */
export const dirsCommand: CommandSpec = {
  name: 'dirs',
  summary: 'the data directories you have opened (newest first); `dirs forget PATH` takes one off the list',
  usage: dirsUsage,
  options: {},
  positionals: ['ACTION?', 'PATH?'],
  run(ctx, { positionals }) {
    const [action = 'list', path] = positionals;
    const registry = new DataDirRegistry();
    if (action === 'forget') {
      if (path === undefined) throw usageError('dirs forget needs the path of a data directory', dirsUsage);
      const at = resolve(path);
      if (!registry.forget(at)) throw new CairnError('not_found', `${at} is not in the list of data directories (cairn dirs shows it)`);
      ctx.out.result({ forgotten: at }, () => `forgot ${at} (the folder is left as it is)`);
      return Promise.resolve();
    }
    if (action !== 'list') throw usageError(`dirs: unknown action "${action}"`, dirsUsage);
    if (path !== undefined) throw usageError(`dirs list: unexpected argument "${path}"`, dirsUsage);
    const listing = registry.list();
    if (listing.recoveredFrom !== undefined) process.stderr.write(`cairn: the list of data directories could not be read; it was kept as ${listing.recoveredFrom} and a new one started\n`);
    ctx.out.result({ dirs: listing.dirs, ...(listing.recoveredFrom !== undefined && { recoveredFrom: listing.recoveredFrom }) }, () => {
      if (listing.dirs.length === 0) return 'no data directories yet (opening one with cairn, cairn serve or the app adds it)';
      const { bold, dim } = ctx.out.style;
      return table([
        ['NAME', 'LAST OPENED', 'WORKSPACE', 'PATH'].map(bold),
        ...listing.dirs.map((d) => [
          d.path === ctx.dataDir ? `${d.name} *` : d.name,
          d.lastOpenedAt.slice(0, 16).replace('T', ' '),
          d.workspace ? `${d.workspace.workspace} @ ${d.workspace.server}` : '-',
          d.exists ? d.path : `${d.path} ${dim('(missing)')}`,
        ]),
      ]);
    });
    return Promise.resolve();
  },
};
