import { startServer } from '../app.js';
import type { ServerConfig } from '../config.js';
import { lockDataDir } from './dataLock.js';

/** Runs the server until SIGTERM or SIGINT, then shuts down gracefully. */
export async function serve(config: ServerConfig): Promise<number> {
  const unlock = config.databaseUrl ? () => undefined : lockDataDir(config.dataDir);
  try {
    const running = await startServer(config);
    const { app } = running;
    const where = config.databaseUrl ? `Postgres${config.dbSchema ? ` (schema ${config.dbSchema})` : ''}` : `the embedded database in ${config.dataDir}`;
    app.ctx.log.info({ url: running.url, database: config.databaseUrl ? 'postgres' : 'pglite', dataDir: config.databaseUrl ? undefined : config.dataDir, signUp: config.signUp }, 'listening');
    process.stderr.write(`cairn-sync-server listening on ${running.url} on ${where}\n`);
    const setup = await app.accounts.setupCode();
    if (setup) {
      process.stderr.write(
        `\nNo account exists yet. Create the first one (it becomes the server's admin) with this setup code:\n  ${setup}\n` +
          `e.g. curl -X POST ${running.url}/v1/auth/signup -H 'content-type: application/json' -d '{"username":"admin","password":"…","invitation":"${setup}"}'\n` +
          `or: npx cairn-sync-server user add admin --admin (with the server stopped, or on Postgres)\n\n`,
      );
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        app.ctx.log.info({ signal }, 'shutting down');
        resolve();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await running.close();
    app.ctx.log.info('stopped');
    app.ctx.log.flush();
    return 0;
  } finally {
    unlock();
  }
}
