import type { ParseArgsConfig } from 'node:util';
import type { EngineApi, IngestRuntime } from '@cairn/core';
import type { Output } from './output.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandContext {
  readonly out: Output;
  readonly dataDir: string;
  /** Opens the data directory on first use. */
  api(): EngineApi;
  /**
   * Starts ingestion in this process (job workers, extraction threads, OCR) on first use; it is stopped
   * before the command exits. Documents imported with --no-wait are processed by the next one.
   */
  ingestion(): IngestRuntime;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** After `cairn `, e.g. `show ID [--version N]`. */
  readonly usage: string;
  readonly options: OptionSpecs;
  /** Names of the positional arguments, in order; a trailing `?` marks an optional one. */
  readonly positionals: readonly string[];
  /** The last positional may repeat (e.g. `import PATH...`). */
  readonly variadic?: boolean;
  run(ctx: CommandContext, args: { values: OptionValues; positionals: string[] }): Promise<void>;
}
