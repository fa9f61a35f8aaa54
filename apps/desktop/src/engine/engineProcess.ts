// Entry of the engine's utility process: opens the data directory, serves the windows' sessions, and runs
// ingestion (dropped files are processed here). Heavy work stays here, off the main process and the renderer.
import { createLocalEngineApi, engineApiMethods, Engine, IngestRuntime, resolveDataDir, systemEnvironment, toErrorData } from '@cairn/core';
import type { FromEngineProcess, ToEngineProcess } from '../ipc/contract.js';
import { createEngineSessions } from './engineSessions.js';
import { exportForOpening } from './openOriginal.js';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: FromEngineProcess): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) throw new Error('engineProcess runs as an Electron utility process');

const dataArg = process.argv.indexOf('--data');
const dataDir = resolveDataDir(dataArg >= 0 ? process.argv[dataArg + 1] : undefined);
const report = (what: string) => (error: unknown) => process.stderr.write(`cairn engine: ${what}: ${String(error)}\n`);
try {
  // Background work on: async read models catch up and new chunks get vectors after each commit.
  const engine = Engine.open({ dataDir, onBackgroundError: report('background work') });
  const api = createLocalEngineApi(engine, systemEnvironment.newId);
  const ingestion = IngestRuntime.start(engine, { onError: report('ingestion') });
  const sessions = createEngineSessions(api, (message) => port.postMessage(message));
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    // Jobs in hand finish; queued ones wait for the next start.
    await ingestion.stop().catch(report('stopping ingestion'));
    sessions.closeAll();
    engine.close();
    process.exit(0);
  };
  port.on('message', ({ data }) => {
    const message = data as Partial<ToEngineProcess> | null;
    if (message?.kind === 'shutdown') return void shutdown();
    if (message?.kind === 'exportOriginal' && typeof message.entryId === 'string' && typeof message.dir === 'string') {
      return void exportForOpening(api, message.entryId, message.dir).then((answer) => port.postMessage(answer));
    }
    void sessions.receive(data);
  });
  process.on('exit', () => {
    if (closing) return;
    sessions.closeAll();
    engine.close();
  });
  port.postMessage({ kind: 'ready', dataDir: engine.dataDir, methods: engineApiMethods });
} catch (error) {
  port.postMessage({ kind: 'failed', message: toErrorData(error).message });
  process.exitCode = 1;
}
