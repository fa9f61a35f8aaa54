import { fileURLToPath } from 'node:url';
import { runCoreBench } from '@cairn/core/bench';
import type { CommandSpec } from '../command.js';
import { intOption } from '../parse.js';
import { usageError } from '../usageError.js';

const benchUsage = 'bench core [--events N]';
export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'measure the engine (JSON): appends, rebuild, open + list, memory',
  usage: benchUsage,
  options: { events: { type: 'string' } },
  positionals: ['SUITE'],
  async run(ctx, { values, positionals }) {
    if (positionals[0] !== 'core') throw usageError(`unknown benchmark "${positionals[0]}"; available: core`, benchUsage);
    const events = intOption(values.events, '--events', benchUsage, 10_000);
    const bin = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));
    const result = await runCoreBench({
      ...(events !== undefined && { events }),
      cliCommand: [process.execPath, bin],
      log: (message) => process.stderr.write(`${message}\n`),
    });
    ctx.out.data(result);
  },
};
