import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCoreBench, runIngestBench } from '@cairn/core/bench';
import type { CommandSpec } from '../command.js';
import { parseOcrLanguages } from '@cairn/core';
import { intOption } from '../parse.js';
import { usageError } from '../usageError.js';

const benchUsage = 'bench core [--events N] | bench ingest [--files N] [--eval DIR] [--ocr-lang eng]';
export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'measure the engine or ingestion (JSON): appends, rebuild, open + list; OCR, import throughput; memory',
  usage: benchUsage,
  options: { events: { type: 'string' }, files: { type: 'string' }, eval: { type: 'string' }, 'ocr-lang': { type: 'string' } },
  positionals: ['SUITE'],
  async run(ctx, { values, positionals }) {
    if (positionals[0] === 'ingest') {
      const files = intOption(values.files, '--files', benchUsage, 1);
      // The shared evaluation data sits beside the repository (../shared/eval from its root).
      const evalDir = values.eval !== undefined ? resolve(String(values.eval)) : resolve(fileURLToPath(new URL('../../../../../shared/eval', import.meta.url)));
      const result = await runIngestBench({
        ...(files !== undefined && { files }),
        ...(existsSync(evalDir) && { evalDir }),
        ...(values['ocr-lang'] !== undefined && { ocrLanguages: parseOcrLanguages(String(values['ocr-lang'])) }),
        log: (message) => process.stderr.write(`${message}\n`),
      });
      ctx.out.data(result);
      return;
    }
    if (positionals[0] !== 'core') throw usageError(`unknown benchmark "${positionals[0]}"; available: core, ingest`, benchUsage);
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
