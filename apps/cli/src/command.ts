import type { ParseArgsConfig } from 'node:util';
import type { Engine, EngineApi, IngestRuntime, SyncService } from '@cairn/core';
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
  /**
   * The engine behind `api()`, for hosts that stream files in and out beside the API (`serve`). Opened
   * like `api()`: with background work (projections caught up and new chunks embedded after each
   * commit) only for commands that declare `longRunning`.
   */
  engine(): Engine;
  /** Sync for this data directory (the one behind the API's sync methods); long-running hosts start it. */
  sync(): SyncService;
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
  /**
   * The command keeps running (a server): the engine does its background work as it goes (async read
   * models caught up after each commit, vectors for new chunks), instead of on demand.
   */
  readonly longRunning?: boolean;
  run(ctx: CommandContext, args: { values: OptionValues; positionals: string[] }): Promise<void>;
}
