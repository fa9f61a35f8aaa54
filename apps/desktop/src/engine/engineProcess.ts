// Entry of the engine's utility process: opens the data directory and serves the windows' sessions.
// Heavy work stays here, off the main process and the renderer.
import { createLocalEngineApi, engineApiMethods, Engine, resolveDataDir, systemEnvironment, toErrorData } from '@cairn/core';
import type { FromEngineProcess } from '../ipc/contract.js';
import { createEngineSessions } from './engineSessions.js';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: FromEngineProcess): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) throw new Error('engineProcess runs as an Electron utility process');

const dataArg = process.argv.indexOf('--data');
const dataDir = resolveDataDir(dataArg >= 0 ? process.argv[dataArg + 1] : undefined);
try {
  const engine = Engine.open({ dataDir, onBackgroundError: (error) => process.stderr.write(`cairn engine: ${String(error)}\n`) });
  const sessions = createEngineSessions(createLocalEngineApi(engine, systemEnvironment.newId), (message) => port.postMessage(message));
  port.on('message', ({ data }) => void sessions.receive(data));
  process.on('exit', () => {
    sessions.closeAll();
    engine.close();
  });
  port.postMessage({ kind: 'ready', dataDir: engine.dataDir, methods: engineApiMethods });
} catch (error) {
  port.postMessage({ kind: 'failed', message: toErrorData(error).message });
  process.exitCode = 1;
}
