import { parseArgs } from 'node:util';
import { CairnError } from '@cairn/core/domain';
import { runAdmin, adminHelp, adminOptions } from './cli/admin.js';
import { loadConfig, settings, settingsHelp } from './config.js';
import { serve } from './cli/serve.js';

const VERSION = '0.1.0';

function usage(): string {
  return `cairn-sync-server ${VERSION} — Cairn's team sync server

Usage:
  cairn-sync-server [serve] [settings]       run the server (the default)
  cairn-sync-server <admin command> [settings]
${adminHelp}

Settings (a flag, or its environment variable):
${settingsHelp()}

  --help, --version
`;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, version: { type: 'boolean' }, ...adminOptions };
  for (const setting of Object.values(settings)) options[setting.flag] = { type: setting.kind === 'bool' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`cairn-sync-server: ${(error as Error).message}\nRun cairn-sync-server --help for the usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  try {
    const config = loadConfig(values as Record<string, string | boolean | undefined>);
    const [command = 'serve', ...rest] = positionals;
    if (command === 'serve') {
      if (rest.length > 0) throw new CairnError('validation', `serve takes no arguments (got ${rest.join(' ')})`);
      return await serve(config);
    }
    return await runAdmin(config, command, rest, values as Record<string, string | boolean | undefined>);
  } catch (error) {
    const code = error instanceof CairnError ? error.code : 'internal';
    process.stderr.write(`cairn-sync-server: ${error instanceof Error ? error.message : String(error)}\n`);
    if (code === 'internal' && process.env.CAIRN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return code === 'validation' ? 2 : code === 'not_found' ? 3 : code === 'conflict' ? 4 : code === 'storage' ? 7 : code === 'unavailable' ? 11 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
