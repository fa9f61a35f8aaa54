import { fileURLToPath } from 'node:url';
import { runSearchBench, vectorFormats } from '@cairn/core';
import { runCoreBench } from '@cairn/core/bench';
import type { CommandSpec } from '../command.js';
import { intOption, oneOf } from '../parse.js';
import { usageError } from '../usageError.js';

const benchUsage = 'bench core [--events N] | bench search [--chunks N] [--queries N] [--scifact DIR] [--model-dir D] [--format float32|int8|bit]';
export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'measure the engine or search (JSON): appends, rebuild, memory / search latency, embedding throughput',
  usage: benchUsage,
  options: { events: { type: 'string' }, chunks: { type: 'string' }, queries: { type: 'string' }, scifact: { type: 'string' }, 'model-dir': { type: 'string' }, format: { type: 'string' } },
  positionals: ['SUITE'],
  async run(ctx, { values, positionals }) {
    if (positionals[0] === 'search') {
      const chunks = intOption(values.chunks, '--chunks', benchUsage, 100);
      const queries = intOption(values.queries, '--queries', benchUsage, 1);
      const format = oneOf(values.format, vectorFormats, '--format', benchUsage);
      const result = await runSearchBench({
        ...(chunks !== undefined && { chunks }),
        ...(queries !== undefined && { queries }),
        ...(values.scifact !== undefined && { scifactDir: String(values.scifact) }),
        ...(values['model-dir'] !== undefined && { modelDir: String(values['model-dir']) }),
        ...(format !== undefined && { vectorFormat: format }),
        log: (message) => process.stderr.write(`${message}\n`),
      });
      ctx.out.data(result);
      return;
    }
    if (positionals[0] !== 'core') throw usageError(`unknown benchmark "${positionals[0]}"; available: core, search`, benchUsage);
    const events = intOption(values.events, '--events', benchUsage, 10_000);
    const bin = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));
    const result = runCoreBench({
      ...(events !== undefined && { events }),
      cliCommand: [process.execPath, bin],
      log: (message) => process.stderr.write(`${message}\n`),
    });
    ctx.out.data(result);
  },
};
