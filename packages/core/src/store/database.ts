import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CairnError, StorageError } from '../errors/cairnError.js';

export type Database = BetterSqlite3.Database;

/** "CRN1": marks a SQLite file as a Cairn database. */
export const CAIRN_APPLICATION_ID = 0x43524e31;
/** The schema version of the log and core tables this build writes. */
export const SCHEMA_VERSION = 4;
export const DATABASE_FILE = 'cairn.db';

export interface OpenDatabaseOptions {
  /** Milliseconds to wait for another process's write transaction before failing with `busy`. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating when new) the database of a data directory. Refuses, without changing anything, a
 * folder that holds other things but no Cairn database, a file that is not a Cairn database, a
 * database from a newer schema, and a folder this process cannot write.
 */
export function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): Database {
  const dir = resolve(dataDir);
  const file = join(dir, DATABASE_FILE);
  const isNew = prepareDirectory(dir, file);
  let db: Database;
  try {
    // CAIRN_SQLITE_BINDING: a better-sqlite3 binary built for another runtime (the desktop app's
    // development start builds one for Electron's ABI, so Node's own stays in place for the tests).
    const nativeBinding = process.env.CAIRN_SQLITE_BINDING;
    db = new BetterSqlite3(file, { fileMustExist: !isNew, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (error) {
    throw sqliteError(error, `cannot open ${file}`);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    checkIdentity(db, file, isNew);
    if (!isNew) ensureWritable(dir, file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = OFF');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
    // Checkpoint the WAL into the database every 32 MB rather than SQLite's 4 MB: a page written by many
    // commits between two checkpoints is copied (and synced) once. Measured: single-command appends
    // +22%, batched +25% (BENCHMARKS.md, core).
    db.pragma('wal_autocheckpoint = 8192');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error instanceof CairnError ? error : sqliteError(error, `cannot open ${file}`);
  }
}

function prepareDirectory(dir: string, file: string): boolean {
  if (existsSync(file)) {
    if (!statSync(file).isFile()) throw new StorageError('storage', `${file} is not a file, so ${dir} is not a Cairn data directory`);
    return false;
  }
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new StorageError('storage', `data directory ${dir} is a file, not a folder`);
    const others = readdirSync(dir).filter((name) => !name.startsWith('.'));
    if (others.length > 0) {
      throw new StorageError('storage', `${dir} is not a Cairn data directory (it has no ${DATABASE_FILE} and is not empty); choose a new or empty folder`, {
        dataDir: dir,
      });
    }
  }
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new StorageError('read_only', `cannot create a Cairn data directory in ${dir}: ${(error as Error).message}`, { dataDir: dir }, error);
  }
  return true;
}

function ensureWritable(dir: string, file: string): void {
  for (const path of [dir, file]) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new StorageError('read_only', `data directory ${dir} is read-only: Cairn needs to write ${path}`, { dataDir: dir });
    }
  }
}

function checkIdentity(db: Database, file: string, isNew: boolean): void {
  let applicationId: number;
  let userVersion: number;
  let tableCount: number;
  try {
    applicationId = db.pragma('application_id', { simple: true }) as number;
    userVersion = db.pragma('user_version', { simple: true }) as number;
    tableCount = (db.prepare(`SELECT count(*) AS n FROM sqlite_schema`).get() as { n: number }).n;
  } catch (error) {
    throw sqliteError(error, `${file} is not a Cairn database`);
  }
  if (applicationId === 0 && userVersion === 0 && tableCount === 0) return; // a fresh file
  if (applicationId !== CAIRN_APPLICATION_ID) {
    throw new StorageError('storage', `${file} is not a Cairn database (it is some other SQLite database)`, { file });
  }
  if (userVersion > SCHEMA_VERSION) {
    throw new StorageError(
      'storage',
      `${file} was written by a newer version of Cairn (schema ${userVersion}; this build knows up to ${SCHEMA_VERSION}); update Cairn to open it`,
      { file, schemaVersion: userVersion, supportedVersion: SCHEMA_VERSION },
    );
  }
  if (isNew) throw new StorageError('storage', `${file} appeared while it was being created`);
}

const migrations: ReadonlyArray<(db: Database) => void> = [
  // 1: the log, snapshots, subscriber checkpoints, jobs, and key/value metadata.
  (db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE events (
        position INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        data TEXT NOT NULL,
        metadata TEXT NOT NULL,
        UNIQUE (aggregate_id, version)
      );
      CREATE TABLE snapshots (
        aggregate_id TEXT PRIMARY KEY,
        aggregate_type TEXT NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL, model_version INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        run_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER,
        last_error TEXT,
        dedupe_key TEXT UNIQUE,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX jobs_ready ON jobs (status, priority DESC, run_at, id);
    `);
  },
  // 2: sync. An event's place in the server's log (`seq`, null until acknowledged or pulled), who pushed it as the
  // server recorded it (`origin`), and the version its envelope was written with (`authored_version`: what is pushed,
  // while `version` is its place in the entry's canonical stream, which an event pulled from another device may move).
  (db) => {
    db.exec(`
      ALTER TABLE events ADD COLUMN seq INTEGER;
      ALTER TABLE events ADD COLUMN authored_version INTEGER;
      ALTER TABLE events ADD COLUMN origin TEXT;
      UPDATE events SET authored_version = version;
      CREATE UNIQUE INDEX events_by_seq ON events (seq) WHERE seq IS NOT NULL;
      CREATE INDEX events_unacknowledged ON events (position) WHERE seq IS NULL;
      CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
  },
  // 3: suggestions a person dismissed (agents/dismissals.ts): this device's preference, not an event or a read model.
  (db) => {
    db.exec(`
      CREATE TABLE dismissed_suggestions (
        entry_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        key TEXT NOT NULL,
        dismissed_at INTEGER NOT NULL,
        PRIMARY KEY (entry_id, agent, key)
      ) WITHOUT ROWID;
    `);
  },
  // 4: saved searches and the entries each has found (agents/savedSearches.ts): this device's, like dismissals.
  (db) => {
    db.exec(`
      CREATE TABLE saved_searches (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        query TEXT NOT NULL,
        mode TEXT,
        tag TEXT,
        kind TEXT,
        type TEXT,
        alerts INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        checked_position INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE saved_search_hits (
        search_id TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        alerted INTEGER NOT NULL,
        PRIMARY KEY (search_id, entry_id)
      ) WITHOUT ROWID;
    `);
  },
];

function migrate(db: Database): void {
  if ((db.pragma('user_version', { simple: true }) as number) === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let version = current; version < migrations.length; version++) migrations[version]!(db);
    db.pragma(`application_id = ${CAIRN_APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Turns a SQLite failure into a clear Cairn error. */
export function sqliteError(error: unknown, context: string): CairnError {
  if (error instanceof CairnError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new StorageError('busy', `${context}: the data directory is busy (another Cairn process is writing); try again`, { sqlite: code }, error);
    }
    if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
      return new StorageError('read_only', `${context}: the data directory cannot be written (${message})`, { sqlite: code }, error);
    }
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      return new StorageError('storage', `${context}: the file is not a Cairn database or is damaged (${message})`, { sqlite: code }, error);
    }
    if (code === 'SQLITE_FULL') return new StorageError('storage', `${context}: the disk is full`, { sqlite: code }, error);
    return new StorageError('storage', `${context}: ${message}`, { sqlite: code }, error);
  }
  return new CairnError('internal', `${context}: ${message}`, undefined, { cause: error });
}
