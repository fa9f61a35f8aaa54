// @cairn/sync-server — what a host embeds (the desktop's tests, the sync client's tests): the server and its config.
export { App, startServer, type AppOptions, type RunningServer } from './app.js';
export { loadConfig, settings, signUpModes, type ServerConfig, type SignUpMode } from './config.js';
export type { Db } from './db/db.js';
export { PgDb, type PgDbOptions } from './db/pgDb.js';
export { PgliteDb, type PgliteDbOptions } from './db/pgliteDb.js';
export type { Principal } from './services/identity.js';
export { startServerProcess, type ServerProcess } from './testing/serverProcess.js';
