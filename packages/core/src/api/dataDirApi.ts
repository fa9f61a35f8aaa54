import { mkdirSync } from 'node:fs';
import { z } from 'zod';
import { CairnError } from '../errors/cairnError.js';
import { Engine } from '../engine/engine.js';
import { checkDataDirChoice, type DataDirRegistry, type KnownDataDirView } from '../store/dataDirRegistry.js';

const path = z.string().min(1).max(4_096);

/** The data-directory part of the engine API contract (merged into engineApiSchemas). */
export const dataDirApiSchemas = {
  dataDirs: z.object({}).strict(),
  /** Switch this host to another known or existing data directory. */
  openDataDir: z.object({ path }).strict(),
  /** Create a new, empty data directory at `path` (a new or empty folder) and switch to it. */
  createDataDir: z.object({ path, name: z.string().min(1).max(200).optional() }).strict(),
  forgetDataDir: z.object({ path }).strict(),
} as const;

export interface DataDirList {
  /** The directory this host has open. */
  readonly current: string;
  /** Whether this host can switch to another one (the CLI cannot; `cairn serve` and the desktop app can). */
  readonly canSwitch: boolean;
  readonly dirs: KnownDataDirView[];
  /** A list that could not be read was moved here and a new one started. */
  readonly recoveredFrom?: string;
}

export interface DataDirApiResults {
  dataDirs: DataDirList;
  openDataDir: { path: string };
  createDataDir: { path: string };
  forgetDataDir: DataDirList;
}

/** How a host switches: it closes its engine and opens `path` (already checked), or refuses with an error. */
export type DataDirSwitcher = (path: string) => Promise<void>;

export interface DataDirHandlersOptions {
  readonly registry: DataDirRegistry;
  /** The directory open now. */
  readonly current: () => string;
  /** Absent: this host serves one directory and refuses to switch. */
  readonly switchTo?: DataDirSwitcher | undefined;
}

type Params<K extends keyof typeof dataDirApiSchemas> = z.output<(typeof dataDirApiSchemas)[K]>;
type Handlers = { [K in keyof DataDirApiResults]: (params: Params<K>) => DataDirApiResults[K] | Promise<DataDirApiResults[K]> };

/**
 * The local implementation. A directory is checked before the host lets go of the one it has: the choice must be a
 * Cairn data directory (or, to create, a new or empty folder), and it is opened once here, so a foreign or newer
 * database is refused with its own message while the current directory is still open.
 */
export function dataDirHandlers(options: DataDirHandlersOptions): Handlers {
  const list = (): DataDirList => ({ current: options.current(), canSwitch: options.switchTo !== undefined, ...options.registry.list() });
  const switchTo = async (at: string, name?: string) => {
    if (!options.switchTo) throw new CairnError('unsupported', 'this Cairn serves one data directory; start it with --data DIR to use another');
    if (at === options.current()) return;
    Engine.open({ dataDir: at }).close();
    if (name !== undefined) options.registry.recordOpened(at, { name });
    await options.switchTo(at);
  };
  return {
    dataDirs: () => list(),
    openDataDir: async ({ path: chosen }) => {
      const at = checkDataDirChoice(chosen, 'open');
      await switchTo(at);
      return { path: at };
    },
    createDataDir: async ({ path: chosen, name }) => {
      const at = checkDataDirChoice(chosen, 'create');
      if (!options.switchTo) throw new CairnError('unsupported', 'this Cairn serves one data directory; create one with cairn --data DIR status');
      mkdirSync(at, { recursive: true });
      await switchTo(at, name);
      return { path: at };
    },
    forgetDataDir: ({ path: chosen }) => {
      if (chosen === options.current()) throw new CairnError('conflict', 'this data directory is open; switch to another before forgetting it');
      if (!options.registry.forget(chosen)) throw new CairnError('not_found', `${chosen} is not in the list of data directories`);
      return list();
    },
  };
}
