import { parseArgs } from 'node:util';
import { createLocalEngineApi, Engine, IngestRuntime, SyncService, isCairnError, resolveDataDir, resolveModelDir, systemEnvironment, toErrorData, type EngineApi, type ErrorCode } from '@cairn/core';
import type { CommandContext, CommandSpec, OptionValues } from './command.js';
import { askCommand } from './commands/askCommand.js';
import { benchCommand } from './commands/benchCommand.js';
import { dirsCommand } from './commands/dirsCommand.js';
import { duplicatesCommand } from './commands/duplicatesCommand.js';
import { addCommand, editCommand, historyCommand, listCommand, restoreCommand, revertCommand, rmCommand, showCommand } from './commands/entryCommands.js';
import { importCommand, jobsCommand, openCommand, processCommand, retryCommand, textCommand } from './commands/ingestCommands.js';
import { activityCommand, logCommand, rebuildCommand, statusCommand, tagsCommand } from './commands/logCommands.js';
import { evalCommand, modelCommand, searchCommand } from './commands/searchCommands.js';
import { linksCommand } from './commands/linksCommand.js';
import { relatedCommand } from './commands/relatedCommands.js';
import { serveCommand } from './commands/serveCommand.js';
import { syncCommand } from './commands/syncCommands.js';
import { createOutput, type Output } from './output.js';
import { recordOpened } from './recordOpened.js';
import { usageError } from './usageError.js';

export const commands: readonly CommandSpec[] = [
  addCommand,
  editCommand,
  rmCommand,
  restoreCommand,
  showCommand,
  listCommand,
  historyCommand,
  revertCommand,
  linksCommand,
  logCommand,
  tagsCommand,
  activityCommand,
  statusCommand,
  rebuildCommand,
  duplicatesCommand,
  searchCommand,
  askCommand,
  relatedCommand,
  modelCommand,
  evalCommand,
  importCommand,
  jobsCommand,
  retryCommand,
  processCommand,
  textCommand,
  openCommand,
  serveCommand,
  syncCommand,
  dirsCommand,
  benchCommand,
];

/** Exit codes by error code; documented in the README. */
export const exitCodes: Record<ErrorCode, number> = {
  internal: 1,
  validation: 2,
  not_found: 3,
  conflict: 4,
  concurrency: 4,
  busy: 5,
  read_only: 6,
  storage: 7,
  unsupported: 8,
  forbidden: 9,
  unauthorized: 10,
  unavailable: 11,
  rate_limited: 11,
  too_large: 2,
  clock_skew: 12,
  client_too_old: 8,
  server_too_old: 8,
};

const VERSION = '0.1.0';

interface Globals {
  json: boolean;
  help: boolean;
  version: boolean;
  data: string | undefined;
  commandIndex: number;
}

/** Finds the global flags before the command name, and where the command name is. */
function scanGlobals(argv: readonly string[]): Globals {
  const globals: Globals = { json: false, help: false, version: false, data: undefined, commandIndex: -1 };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--json') globals.json = true;
    else if (token === '--help' || token === '-h') globals.help = true;
    else if (token === '--version' || token === '-V') globals.version = true;
    else if (token === '--data') {
      if (i + 1 >= argv.length) throw usageError('--data needs a folder', 'cairn --data DIR <command>');
      globals.data = argv[++i];
    } else if (token.startsWith('--data=')) globals.data = token.slice('--data='.length);
    else if (token.startsWith('-')) throw usageError(`unknown option ${token}; run cairn --help for the options`);
    else {
      globals.commandIndex = i;
      break;
    }
  }
  return globals;
}

function helpText(out: Output): string {
  const { bold } = out.style;
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `${bold('cairn')} — your local-first knowledge base`,
    '',
    `usage: cairn [--data DIR] [--json] <command> [options]`,
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options:',
    '  --data DIR   the data directory (default: $CAIRN_DATA_DIR, else the platform app-data folder)',
    '  --json       machine-readable output (shapes are documented in the README)',
    '',
    'cairn <command> --help shows the options of a command.',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const jsonRequested = argv.includes('--json');
  let out = createOutput(jsonRequested);
  let engine: Engine | undefined;
  let runtime: IngestRuntime | undefined;
  let sync: SyncService | undefined;
  try {
    const globals = scanGlobals(argv);
    out = createOutput(globals.json);
    if (globals.version && globals.commandIndex < 0) {
      out.result({ version: VERSION }, () => `cairn ${VERSION}`);
      return 0;
    }
    if (globals.commandIndex < 0) {
      if (globals.help) {
        out.line(helpText(out));
        return 0;
      }
      throw usageError('no command given; run cairn --help for the list');
    }
    const name = argv[globals.commandIndex]!;
    const command = name === 'help' ? undefined : commands.find((c) => c.name === name);
    if (name === 'help') {
      out.line(helpText(out));
      return 0;
    }
    if (!command) throw usageError(`unknown command "${name}"; run cairn --help for the list`);
    const rest = [...argv.slice(0, globals.commandIndex), ...argv.slice(globals.commandIndex + 1)];
    let parsed: { values: OptionValues; positionals: string[] };
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...command.options, json: { type: 'boolean' }, data: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0]!.split('. To specify')[0]!.replace(/^Unknown option/, 'unknown option');
      throw usageError(`${command.name}: ${reason}`, command.usage);
    }
    if (parsed.values.json === true) out = createOutput(true);
    if (parsed.values.help) {
      out.line(`usage: cairn ${command.usage}\n\n${command.summary}`);
      return 0;
    }
    const required = command.positionals.filter((p) => !p.endsWith('?'));
    if (parsed.positionals.length < required.length) {
      throw usageError(`${command.name} needs ${required.map((p) => (p === 'ID' ? 'an entry id' : p)).join(' and ')}`, command.usage);
    }
    if (!command.variadic && parsed.positionals.length > command.positionals.length) {
      throw usageError(`${command.name}: unexpected argument "${parsed.positionals[command.positionals.length]}"`, command.usage);
    }
    const dataDir = resolveDataDir(typeof parsed.values.data === 'string' ? parsed.values.data : globals.data);
    let api: EngineApi | undefined;
    const ctx: CommandContext = {
      out,
      dataDir,
      api() {
        if (!api) {
          const modelDir = resolveModelDir(typeof parsed.values['model-dir'] === 'string' ? parsed.values['model-dir'] : undefined);
          engine = Engine.open({
            dataDir,
            autoCatchUp: command.longRunning === true,
            ...(modelDir !== undefined && { modelDir }),
            ...(command.longRunning && { onBackgroundError: (error: unknown) => process.stderr.write(`cairn: background work failed: ${(error as Error).message}\n`) }),
          });
          sync = new SyncService(engine, { onError: (error) => command.longRunning && process.stderr.write(`cairn: sync: ${(error as Error).message}\n`) });
          recordOpened(engine);
          api = createLocalEngineApi(engine, systemEnvironment.newId, { sync });
        }
        return api;
      },
      engine() {
        ctx.api();
        return engine!;
      },
      sync() {
        ctx.api();
        return sync!;
      },
      ingestion() {
        ctx.api();
        runtime ??= IngestRuntime.start(engine!, { onError: (error) => process.env.CAIRN_DEBUG && process.stderr.write(`ingestion: ${(error as Error).stack ?? String(error)}\n`) });
        return runtime;
      },
    };
    await command.run(ctx, parsed);
    await sync?.stop();
    await runtime?.stop();
    engine?.close();
    return 0;
  } catch (error) {
    out.endProgress();
    try {
      await sync?.stop();
      await runtime?.stop();
      engine?.close();
    } catch {
      // the original error is the one to report
    }
    return reportError(out, error);
  }
}

function reportError(out: Output, error: unknown): number {
  const data = toErrorData(error);
  if (!isCairnError(error) && process.env.CAIRN_DEBUG) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  const message = data.message.replace(/\s*\n\s*/g, ' ');
  if (out.json) process.stderr.write(`${JSON.stringify({ error: { code: data.code, message } })}\n`);
  else process.stderr.write(`cairn: ${out.style.red('error')}: ${message}\n`);
  return exitCodes[data.code];
}
