import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOcrLanguages, runSearchBench, vectorFormats } from '@cairn/core';
import { runCoreBench, runIngestBench, runNearDuplicateBench, runOcrBench, runRelatedBench } from '@cairn/core/bench';
import type { CommandSpec } from '../command.js';
import { intOption, oneOf } from '../parse.js';
import { usageError } from '../usageError.js';

const benchUsage =
  'bench core [--events N] | bench ingest [--files N] [--eval DIR] [--ocr-lang eng] | bench ocr [--eval DIR] [--runs N] | bench search [--chunks N] [--queries N] [--scifact DIR] [--model-dir D] [--format float32|int8|bit] | bench duplicates [--chunks N] | bench related [--chunks N] [--samples N] [--model-dir D | --no-model]';

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'measure the engine, ingestion, OCR languages or search (JSON): appends, rebuild, open + list; OCR, import; OCR quality per language choice; search latency, embedding; memory; near-duplicate check and precision/recall',
  usage: benchUsage,
  options: {
    events: { type: 'string' },
    files: { type: 'string' },
    eval: { type: 'string' },
    runs: { type: 'string' },
    'ocr-lang': { type: 'string' },
    chunks: { type: 'string' },
    queries: { type: 'string' },
    scifact: { type: 'string' },
    'model-dir': { type: 'string' },
    format: { type: 'string' },
    samples: { type: 'string' },
    'no-model': { type: 'boolean' },
  },
  positionals: ['SUITE'],
  async run(ctx, { values, positionals }) {
    const log = (message: string) => process.stderr.write(`${message}\n`);
    const suite = positionals[0];
    // The shared evaluation data sits beside the repository (../shared/eval from its root).
    const evalDir = values.eval !== undefined ? resolve(String(values.eval)) : resolve(fileURLToPath(new URL('../../../../../shared/eval', import.meta.url)));
    if (suite === 'ocr') {
      const runs = intOption(values.runs, '--runs', benchUsage, 1);
      ctx.out.data(await runOcrBench({ ...(runs !== undefined && { runs }), ...(existsSync(evalDir) && { evalDir }), log }));
      return;
    }
    if (suite === 'ingest') {
      const files = intOption(values.files, '--files', benchUsage, 1);
      ctx.out.data(
        await runIngestBench({
          ...(files !== undefined && { files }),
          ...(existsSync(evalDir) && { evalDir }),
          ...(values['ocr-lang'] !== undefined && { ocrLanguages: parseOcrLanguages(String(values['ocr-lang'])) }),
          log,
        }),
      );
      return;
    }
    if (suite === 'search') {
      const chunks = intOption(values.chunks, '--chunks', benchUsage, 100);
      const queries = intOption(values.queries, '--queries', benchUsage, 1);
      const format = oneOf(values.format, vectorFormats, '--format', benchUsage);
      ctx.out.data(
        await runSearchBench({
          ...(chunks !== undefined && { chunks }),
          ...(queries !== undefined && { queries }),
          ...(values.scifact !== undefined && { scifactDir: String(values.scifact) }),
          ...(values['model-dir'] !== undefined && { modelDir: String(values['model-dir']) }),
          ...(format !== undefined && { vectorFormat: format }),
          log,
        }),
      );
      return;
    }
    if (suite === 'duplicates') {
      const chunks = intOption(values.chunks, '--chunks', benchUsage, 1_000);
      ctx.out.data(await runNearDuplicateBench({ ...(chunks !== undefined && { chunks }), log }));
      return;
    }
    if (suite === 'related') {
      const chunks = intOption(values.chunks, '--chunks', benchUsage, 100);
      const samples = intOption(values.samples, '--samples', benchUsage, 1);
      ctx.out.data(
        await runRelatedBench({
          ...(chunks !== undefined && { chunks }),
          ...(samples !== undefined && { samples }),
          ...(values['model-dir'] !== undefined && { modelDir: String(values['model-dir']) }),
          ...(values['no-model'] === true && { modelDir: null }),
          log,
        }),
      );
      return;
    }
    if (suite !== 'core') throw usageError(`unknown benchmark "${suite}"; available: core, ingest, ocr, search, duplicates, related`, benchUsage);
    const events = intOption(values.events, '--events', benchUsage, 10_000);
    const bin = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));
    ctx.out.data(await runCoreBench({ ...(events !== undefined && { events }), cliCommand: [process.execPath, bin], log }));
  },
};
