import {
  createLocalEngineApi,
  DataDirRegistry,
  Engine,
  engineApiMethods,
  IngestRuntime,
  resolveModelDir,
  SyncService,
  systemEnvironment,
  type EngineApi,
  type EngineApiMethod,
} from '@cairn/core';
import { recordOpened } from '../recordOpened.js';
import { engineWebFiles, type WebFiles } from './webFiles.js';

/** One open data directory as `cairn serve` runs it: the engine, its API, ingestion and background sync. */
interface OpenDir {
  readonly engine: Engine;
  readonly api: EngineApi;
  readonly sync: SyncService;
  readonly ingestion: IngestRuntime | undefined;
  readonly files: WebFiles;
}

export interface ServeHostOptions {
  readonly registry?: DataDirRegistry;
  readonly log: (message: string) => void;
  /** After a switch, once the answer to the call that asked for it is on its way: the server drops its sessions. */
  readonly onSwitched: (dataDir: string) => void;
  /** Tests: no ingestion workers. */
  readonly ingestion?: boolean;
}

/**
 * Web mode's engine, switchable: `openDataDir` / `createDataDir` re-open the same server on another data directory
 * (same address, same sign-in link), the way one Obsidian window switches vaults. The new directory opens before the
 * old one is let go, so a directory that cannot be opened leaves everything as it was; then every tab's session is
 * dropped and each tab reloads on the new directory. The API and the file routes the web server holds are proxies to
 * whichever directory is open.
 */
export function createServeHost(firstDir: string, options: ServeHostOptions) {
  const registry = options.registry ?? new DataDirRegistry();
  const modelDir = resolveModelDir(undefined);
  let current: OpenDir;

  const open = (dataDir: string): OpenDir => {
    const engine = Engine.open({ dataDir, autoCatchUp: true, ...(modelDir !== undefined && { modelDir }), onBackgroundError: (error: unknown) => options.log(`background work failed: ${(error as Error).message}`) });
    try {
      const sync = new SyncService(engine, { onError: (error) => options.log(`sync: ${(error as Error).message}`) });
      recordOpened(engine, registry);
      const api = createLocalEngineApi(engine, systemEnvironment.newId, { sync, dataDirs: { registry, switchTo } });
      // Dropped files are processed here (and whatever an earlier run left queued).
      const ingestion = options.ingestion === false ? undefined : IngestRuntime.start(engine, { onError: (error) => process.env.CAIRN_DEBUG && options.log(`ingestion: ${(error as Error).stack ?? String(error)}`) });
      // In sync with the team's server in the background, when this directory is linked (or once it is).
      sync.start();
      return { engine, api, sync, ingestion, files: engineWebFiles(engine) };
    } catch (error) {
      engine.close();
      throw error;
    }
  };

  const close = async (dir: OpenDir) => {
    await dir.sync.stop().catch((error: unknown) => options.log(`stopping sync: ${(error as Error).message}`));
    // Jobs in hand finish; the rest stay queued for the next time this directory is served.
    await dir.ingestion?.stop();
    dir.engine.close();
  };

  let switching = Promise.resolve();
  async function switchTo(dataDir: string): Promise<void> {
    const next = open(dataDir);
    const previous = current;
    current = next;
    options.log(`now serving ${dataDir}`);
    // Let the answer to this call go out first, then drop the tabs' sessions and close the old directory.
    setTimeout(() => {
      options.onSwitched(dataDir);
      switching = switching.then(() => close(previous));
    }, 50);
    return Promise.resolve();
  }

  current = open(firstDir);

  const api = { subscribe: (listener: Parameters<EngineApi['subscribe']>[0]) => current.api.subscribe(listener) } as EngineApi;
  for (const method of engineApiMethods) {
    (api as unknown as Record<EngineApiMethod, (params: unknown) => Promise<unknown>>)[method] = (params: unknown) => (current.api[method] as (p: unknown) => Promise<unknown>)(params);
  }
  const files: WebFiles = {
    get maxUploadBytes() {
      return current.files.maxUploadBytes;
    },
    importUpload: (name, body, opts) => current.files.importUpload(name, body, opts),
    original: (id) => current.files.original(id),
  };

  return {
    api,
    files,
    get engine() {
      return current.engine;
    },
    get dataDir() {
      return current.engine.dataDir;
    },
    /** Closes the directory open now (after any switch in progress). */
    async close() {
      await switching;
      await close(current);
    },
  };
}
