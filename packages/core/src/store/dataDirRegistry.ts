import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { CairnError } from '../errors/cairnError.js';

/**
 * The data directories this person has opened (one per workspace, like Obsidian's vaults), kept in one JSON
 * file in the user's config folder so every host (the CLI, `cairn serve`, the desktop app) lists the same ones.
 * The list is a convenience: losing it loses no data, and a data directory works without being in it.
 */
export const REGISTRY_VERSION = 1;
export const REGISTRY_FILE_NAME = 'data-dirs.json';

const knownDataDirSchema = z.object({
  path: z.string().min(1),
  name: z.string().min(1),
  lastOpenedAt: z.string(),
  /** The sync server and workspace the directory is linked to, as last seen when it was opened. */
  workspace: z.object({ server: z.string(), workspace: z.string() }).nullable(),
});
export type KnownDataDir = z.infer<typeof knownDataDirSchema>;

const registryFileSchema = z.object({ version: z.number().int().positive(), dirs: z.array(knownDataDirSchema) });

/** One row of the list as hosts show it: `exists` is false when the folder (or its cairn.db) is gone. */
export interface KnownDataDirView extends KnownDataDir {
  readonly exists: boolean;
}

/**
 * Where the list lives: `CAIRN_CONFIG_DIR` (tests, portable setups), else `$XDG_CONFIG_HOME/cairn`, else
 * `~/.config/cairn` (Linux and macOS alike, as most command-line tools do), on Windows `%APPDATA%\Cairn Config`
 * (`%APPDATA%\Cairn` is the default data directory itself).
 */
export function dataDirRegistryFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.CAIRN_CONFIG_DIR) return join(resolve(env.CAIRN_CONFIG_DIR), REGISTRY_FILE_NAME);
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'cairn', REGISTRY_FILE_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Cairn Config', REGISTRY_FILE_NAME);
  return join(home, '.config', 'cairn', REGISTRY_FILE_NAME);
}

export interface DataDirRegistryOptions {
  readonly now?: () => Date;
  /** How long to wait for another process holding the list's lock. */
  readonly lockTimeoutMs?: number;
  /** A lock older than this was left by a process that died; it is broken. */
  readonly staleLockMs?: number;
}

/** What {@link DataDirRegistry.list} found: the rows, and where a broken list was moved aside (if it was). */
export interface DataDirListing {
  readonly dirs: KnownDataDirView[];
  readonly recoveredFrom?: string;
}

/**
 * The list of known data directories. Every change is a read-modify-write under a lock file (created with
 * `O_EXCL`, so two processes opening directories at once both land), written to a temporary file and renamed
 * over the list (a reader never sees half a file). A list that is not valid JSON, or not a list, is moved aside
 * to `data-dirs.json.broken-<time>` (nothing is deleted) and a new one is started; a list written by a newer
 * Cairn is left alone and refused.
 */
export class DataDirRegistry {
  private readonly now: () => Date;
  private recovered: string | undefined;

  constructor(
    readonly file: string = dataDirRegistryFile(),
    private readonly options: DataDirRegistryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** The known directories, the most recently opened first. */
  list(): DataDirListing {
    const dirs = this.update(() => undefined);
    const recoveredFrom = this.recovered;
    this.recovered = undefined;
    return {
      dirs: [...dirs].sort((a, b) => b.lastOpenedAt.localeCompare(a.lastOpenedAt)).map((dir) => ({ ...dir, exists: isCairnDataDir(dir.path) })),
      ...(recoveredFrom !== undefined && { recoveredFrom }),
    };
  }

  /** Records that `path` was opened now (with the workspace it is linked to, when known). */
  recordOpened(path: string, info: { workspace?: KnownDataDir['workspace']; name?: string } = {}): KnownDataDir {
    const at = resolve(path);
    let recorded: KnownDataDir | undefined;
    this.update((dirs) => {
      const existing = dirs.find((d) => d.path === at);
      recorded = {
        path: at,
        name: info.name ?? existing?.name ?? (basename(at) || at),
        lastOpenedAt: this.now().toISOString(),
        workspace: info.workspace !== undefined ? info.workspace : (existing?.workspace ?? null),
      };
      return [...dirs.filter((d) => d.path !== at), recorded];
    });
    return recorded!;
  }

  /** Removes `path` from the list (the folder itself is left alone). False when it was not listed. */
  forget(path: string): boolean {
    const at = resolve(path);
    let found = false;
    this.update((dirs) => {
      found = dirs.some((d) => d.path === at);
      return found ? dirs.filter((d) => d.path !== at) : undefined;
    });
    return found;
  }

  /** Reads the list under the lock; `change` returns the new rows, or undefined to leave the file as it is. */
  private update(change: (dirs: KnownDataDir[]) => KnownDataDir[] | undefined): KnownDataDir[] {
    mkdirSync(dirname(this.file), { recursive: true });
    const release = this.lock();
    try {
      const dirs = this.read();
      const next = change(dirs);
      if (next === undefined) return dirs;
      const temp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(temp, `${JSON.stringify({ version: REGISTRY_VERSION, dirs: next }, null, 2)}\n`, { mode: 0o600 });
      renameSync(temp, this.file);
      return next;
    } finally {
      release();
    }
  }

  private read(): KnownDataDir[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CairnError('storage', `cannot read the list of data directories (${this.file}): ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.moveAside();
    }
    const version = (parsed as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > REGISTRY_VERSION) {
      throw new CairnError('unsupported', `the list of data directories (${this.file}) was written by a newer Cairn (format ${version}); update Cairn to change it`);
    }
    const result = registryFileSchema.safeParse(parsed);
    return result.success ? result.data.dirs : this.moveAside();
  }

  /** Keeps the unreadable list beside (renamed, never deleted) and starts a new one. Runs under the lock. */
  private moveAside(): KnownDataDir[] {
    const aside = `${this.file}.broken-${this.now().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(this.file, aside);
    this.recovered = aside;
    return [];
  }

  private lock(): () => void {
    const lockFile = `${this.file}.lock`;
    const deadline = Date.now() + (this.options.lockTimeoutMs ?? 5_000);
    const stale = this.options.staleLockMs ?? 10_000;
    for (;;) {
      try {
        closeSync(openSync(lockFile, 'wx'));
        return () => rmSync(lockFile, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new CairnError('storage', `cannot lock the list of data directories (${lockFile}): ${(error as Error).message}`);
      }
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > stale) rmSync(lockFile, { force: true });
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new CairnError('busy', `the list of data directories is locked by another Cairn (${lockFile}); try again`);
      sleep(5 + Math.random() * 10);
    }
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether `path` is a folder holding a Cairn database. */
export function isCairnDataDir(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, 'cairn.db'));
  } catch {
    return false;
  }
}

/**
 * Checks a folder a person chose before a host switches to it, with a message that says what is wrong:
 * to `open`, it must be a folder with a Cairn database; to `create`, a folder that does not exist yet or is empty.
 * Returns the absolute path.
 */
export function checkDataDirChoice(path: string, purpose: 'open' | 'create'): string {
  if (path.trim() === '') throw new CairnError('validation', 'give the folder of the data directory');
  if (!isAbsolute(path)) throw new CairnError('validation', `give the full path of the folder (${JSON.stringify(path)} is relative)`);
  const at = resolve(path);
  let stat;
  try {
    stat = statSync(at);
  } catch {
    if (purpose === 'create') return at;
    throw new CairnError('not_found', `there is no folder at ${at}`);
  }
  if (!stat.isDirectory()) throw new CairnError('validation', `${at} is a file, not a folder`);
  if (existsSync(join(at, 'cairn.db'))) {
    if (purpose === 'create') throw new CairnError('conflict', `${at} already holds a Cairn data directory; open it instead`);
    return at;
  }
  const empty = readdirSync(at).length === 0;
  if (purpose === 'create' && empty) return at;
  if (empty) throw new CairnError('validation', `${at} is empty, not a Cairn data directory (create a new one there instead)`);
  throw new CairnError('validation', `${at} is not a Cairn data directory (it has no cairn.db); choose another folder`);
}
