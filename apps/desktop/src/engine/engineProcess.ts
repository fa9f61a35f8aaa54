// Entry of the engine's utility process: hands Electron's parentPort to runEngineMain (engineMain.ts), where the
// logic lives. Heavy work stays here, off the main process and the renderer.
import { runEngineMain, type ParentPortLike } from './engineMain.js';

const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!port) throw new Error('engineProcess runs as an Electron utility process');

void runEngineMain({
  port,
  argv: process.argv,
  env: process.env,
  exit: (code) => process.exit(code),
  log: (message) => process.stderr.write(`cairn engine: ${message}\n`),
}).then(
  (running) => {
    process.on('exit', () => running?.closeNow());
  },
  (error: unknown) => {
    process.stderr.write(`cairn engine: ${String(error)}\n`);
    process.exit(1);
  },
);
