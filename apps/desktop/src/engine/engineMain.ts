// The engine process's logic, with its port handed in (engineProcess.ts passes Electron's parentPort; tests a fake):
// opens the data directory, keeps the device token sealed by main's keychain, syncs in the background, runs
// ingestion, serves the windows' sessions, and switches data directories on a window's request.
import { resolve } from 'node:path';
import {
  createLocalEngineApi,
  DataDirRegistry,
  defaultDataDir,
  Engine,
  engineApiMethods,
  IngestRuntime,
  SyncService,
  systemEnvironment,
  toErrorData,
  type SyncServiceOptions,
} from '@cairn/core';
import type { FromEngineProcess, KeychainAnswer, ToEngineProcess } from '../ipc/contract.js';
import { createEngineSessions } from './engineSessions.js';
import { exportForOpening } from './openOriginal.js';
import { keychainOverPort, openSecretStore } from './sealedSecretStore.js';

export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: FromEngineProcess): void;
}

export interface EngineMainOptions {
  readonly port: ParentPortLike;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly exit: (code: number) => void;
  readonly log: (message: string) => void;
  readonly registry?: DataDirRegistry;
  /** Tests give an in-memory sync transport. */
  readonly sync?: Pick<SyncServiceOptions, 'transport' | 'fetch'>;
}

/**
 * Which data directory to open: `--data DIR` (main passes it after a switch, or from its own command line), else
 * `CAIRN_DATA_DIR`, else the one opened last (the app reopens where the person left it, as Obsidian does), else the
 * platform's folder.
 */
export function chooseDataDir(argv: readonly string[], env: NodeJS.ProcessEnv, registry: DataDirRegistry): string {
  const at = argv.indexOf('--data');
  if (at >= 0 && argv[at + 1]) return resolve(argv[at + 1]!);
  if (env.CAIRN_DATA_DIR) return resolve(env.CAIRN_DATA_DIR);
  try {
    const last = registry.list().dirs.find((d) => d.exists);
    if (last) return last.path;
  } catch {
    // an unreadable list: the platform's folder
  }
  return defaultDataDir(process.platform, env);
}

export async function runEngineMain(options: EngineMainOptions): Promise<{ shutdown(): Promise<void>; closeNow(): void; readonly dataDir: string } | undefined> {
  const { port, log } = options;
  const report = (what: string) => (error: unknown) => log(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  const keychain = keychainOverPort((message) => port.postMessage(message));
  // Messages that come before the engine is open wait here (the port drops what nobody listens to).
  const ready: { handle?: (message: Partial<ToEngineProcess> | null) => void } = {};
  const early: (Partial<ToEngineProcess> | null)[] = [];
  port.on('message', ({ data }) => {
    const message = data as Partial<ToEngineProcess> | null;
    if (message?.kind === 'keychainAnswer') return keychain.receive(message as KeychainAnswer);
    if (ready.handle) ready.handle(message);
    else early.push(message);
  });

  const registry = options.registry ?? new DataDirRegistry();
  const dataDir = chooseDataDir(options.argv, options.env, registry);
  let engine: Engine;
  try {
    // Background work on: async read models catch up and new chunks get vectors after each commit.
    engine = Engine.open({ dataDir, onBackgroundError: report('background work') });
  } catch (error) {
    port.postMessage({ kind: 'failed', message: toErrorData(error).message });
    options.exit(1);
    return undefined;
  }
  const secrets = await openSecretStore(engine.dataDir, keychain.keychain, log);
  if (secrets.kind === 'file') log('no OS keychain here: the sync token is kept in a file only this user can read');
  const sync = new SyncService(engine, { ...options.sync, secrets: secrets.store, onError: report('sync') });
  const api = createLocalEngineApi(engine, systemEnvironment.newId, {
    sync,
    dataDirs: {
      registry,
      // Checked and opened once already (dataDirHandlers); main restarts this process on it.
      switchTo: (path) => {
        port.postMessage({ kind: 'switchDataDir', dataDir: path });
        return Promise.resolve();
      },
    },
  });
  const ingestion = IngestRuntime.start(engine, { onError: report('ingestion') });
  const sessions = createEngineSessions(api, (message) => port.postMessage(message));
  try {
    const link = engine.sync.link();
    registry.recordOpened(engine.dataDir, { workspace: link ? { server: link.server, workspace: link.workspace } : null });
  } catch (error) {
    report('the list of data directories was not updated')(error);
  }
  // In sync with the team's server in the background when this directory is linked (or once it is).
  sync.start();

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      await sync.stop().catch(report('stopping sync'));
      // Jobs in hand finish; queued ones wait for the next start.
      await ingestion.stop().catch(report('stopping ingestion'));
      await secrets.flushed().catch(report('saving the sync token'));
      sessions.closeAll();
      engine.close();
      options.exit(0);
    })());
  const handle = (message: Partial<ToEngineProcess> | null) => {
    if (message?.kind === 'shutdown') return void shutdown();
    if (message?.kind === 'exportOriginal' && typeof message.entryId === 'string' && typeof message.dir === 'string') {
      const requestId = typeof message.requestId === 'number' ? message.requestId : undefined;
      return void exportForOpening(api, message.entryId, message.dir, requestId).then((answer) => port.postMessage(answer));
    }
    void sessions.receive(message);
  };
  for (const message of early.splice(0)) handle(message);
  ready.handle = handle;
  port.postMessage({ kind: 'ready', dataDir: engine.dataDir, methods: engineApiMethods });
  return {
    shutdown,
    dataDir: engine.dataDir,
    /** The process is exiting some other way: close the database (jobs in hand are recovered on the next start). */
    closeNow() {
      if (closing) return;
      sessions.closeAll();
      engine.close();
    },
  };
}
