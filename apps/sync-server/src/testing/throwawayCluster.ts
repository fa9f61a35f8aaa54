import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A Postgres cluster of its own for one test file — initdb'd in a temporary folder from the machine's PostgreSQL and
 * started on a free loopback port — so a test can stop it, restart it, dump and restore it without touching the
 * shared server. As root (containers, CI) every PostgreSQL program runs as the `postgres` user through `runuser`:
 * initdb refuses root, and the folder must belong to the user the server runs as.
 */
export interface ThrowawayCluster {
  readonly port: number;
  /** The folder holding the data (`DIR/data`), the socket, the log and the dumps. */
  readonly dir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  /** Creates an empty database. */
  createDatabase(name: string): Promise<void>;
  running(): boolean;
  start(): Promise<void>;
  /** `pg_ctl stop`: `fast` (the default) ends every session with an error; `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(): Promise<void>;
  /** `pg_dump -Fc` of one database into a file under `dir`; returns its path. */
  dump(database: string): Promise<string>;
  /**
   * Puts a dump back: `pg_restore --clean --if-exists` over the database, or (`recreate`) into the database
   * dropped and created again. Either way every object is new (new object ids), as after a real restore.
   */
  restore(database: string, file: string, options?: { recreate?: boolean }): Promise<void>;
  /** Stops the cluster (immediately) and removes `dir`; safe to call twice, and after a failed start. */
  cleanup(): Promise<void>;
}

/** The folder of initdb, pg_ctl, pg_dump, pg_restore: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBinDir(): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // not on PATH: look where Debian and Ubuntu install it
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) throw new Error('no PostgreSQL found: neither pg_config on PATH nor /usr/lib/postgresql/*/bin/initdb');
  return join(root, versions[0], 'bin');
}

const asRoot = process.getuid?.() === 0;

/** The command line of a PostgreSQL program: as `postgres` (through runuser) when we are root. */
function command(bin: string, program: string, args: readonly string[]): [string, string[]] {
  const path = join(bin, program);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
}

/** Runs a PostgreSQL program without blocking this process (clients of the test go on meanwhile); throws with its output. */
function run(bin: string, program: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const [file, argv] = command(bin, program, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')} failed (${error.message}):\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** initdb + start; a port taken between choosing and starting is retried with another. */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const bin = postgresBinDir();
  // Under /tmp as root: the postgres user must reach the folder, and TMPDIR may be private to root.
  const dir = mkdtempSync(join(asRoot ? '/tmp' : tmpdir(), 'cairn-pg-'));
  if (asRoot) chownSync(dir, uid('postgres'), gid('postgres'));
  const data = join(dir, 'data');
  let port = 0;
  let up = false;
  let dumps = 0;
  // Synchronous, so it also works from an 'exit' handler; it checks the folder, not `up` (a start may have half-failed).
  const stopNow = () => {
    if (existsSync(join(data, 'postmaster.pid'))) spawnSync(...command(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']), { timeout: 30_000 });
    up = false;
  };
  // If the test process dies without its cleanup, the cluster goes with it.
  process.once('exit', stopNow);
  const pgCtlStart = async () => {
    await run(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', '-t', '60', 'start']);
    up = true;
  };
  const cluster: ThrowawayCluster = {
    get port() {
      return port;
    },
    dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: cluster.url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
    },
    running: () => up,
    start: pgCtlStart,
    async stop(mode = 'fast') {
      await run(bin, 'pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      up = false;
    },
    async restart() {
      await cluster.stop();
      await cluster.start();
    },
    async dump(database) {
      const file = join(dir, `dump-${++dumps}.pgdump`);
      await run(bin, 'pg_dump', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-Fc', '-f', file, database]);
      return file;
    },
    async restore(database, file, options = {}) {
      if (options.recreate) {
        const client = new pg.Client({ connectionString: cluster.url('postgres') });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          await client.query(`CREATE DATABASE ${database}`);
        } finally {
          await client.end();
        }
      }
      await run(bin, 'pg_restore', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '--exit-on-error', ...(options.recreate ? [] : ['--clean', '--if-exists']), '-d', database, file]);
    },
    cleanup() {
      process.off('exit', stopNow);
      try {
        stopNow();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return Promise.resolve();
    },
  };
  try {
    await run(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await pgCtlStart();
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
    return cluster;
  } catch (error) {
    await cluster.cleanup();
    throw error;
  }
}

function uid(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gid(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
