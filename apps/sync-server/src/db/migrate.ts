import { createHash } from 'node:crypto';
import { CairnError } from '@cairn/core/domain';
import { pgCode, type Db, type Queryable } from './db.js';
import { migrations, type Migration } from './migrations/index.js';

export interface MigrateResult {
  /** The schema version before and after. */
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
  /** True when the database turned out to be restored or copied since the last start: every epoch was renewed. */
  readonly epochsRenewed: boolean;
}

export function migrationChecksum(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}

/**
 * Brings the schema up to this build's version, in one transaction under an advisory lock, so instances starting
 * together never race (the second waits, then finds nothing to do). Refuses, changing nothing, a database that a
 * newer server migrated, or whose applied migrations differ from this build's.
 */
export async function migrate(db: Db, options: { lockKey: string; known?: readonly Migration[] }): Promise<MigrateResult> {
  const known = options.known ?? migrations;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${options.lockKey}:migrate`]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = await tx.query<{ version: number; checksum: string; name: string }>('SELECT version, checksum, name FROM schema_migrations ORDER BY version');
    const newest = applied.length > 0 ? applied[applied.length - 1]!.version : 0;
    const latest = known.length;
    if (newest > latest) {
      throw new CairnError('storage', `this database was migrated by a newer Cairn sync server (schema ${newest}; this server knows up to ${latest}): run the newer server, or restore a backup made for this one`, {
        schemaVersion: newest,
        supportedVersion: latest,
      });
    }
    for (const row of applied) {
      const migration = known[row.version - 1];
      if (!migration || migrationChecksum(migration) !== row.checksum) {
        throw new CairnError('storage', `migration ${row.version} (${row.name}) applied to this database differs from this build's: the database was changed by another build`, { version: row.version });
      }
    }
    const done: number[] = [];
    for (const migration of known.slice(newest)) {
      await tx.execute(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migrationChecksum(migration)]);
      done.push(migration.version);
    }
    const epochsRenewed = await checkIncarnation(tx);
    return { from: newest, to: latest, applied: done, epochsRenewed };
  });
}

/** The schema version a database is at, without changing it (0 when never migrated). */
export async function schemaVersion(db: Queryable): Promise<number> {
  try {
    const rows = await db.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    return rows[0]?.version ?? 0;
  } catch (error) {
    if (pgCode(error) === '42P01') return 0;
    throw error;
  }
}

/**
 * Which physical database this is: the cluster's system identifier (where readable), the database's and the
 * events table's object ids. A logical restore (pg_dump → pg_restore or psql, into this cluster or another)
 * creates new objects, so the fingerprint changes while the data inside says it was never gone. Then the logs
 * may have lost events that clients hold, so every workspace gets a new epoch: clients see it and re-push.
 */
export async function databaseFingerprint(tx: Queryable): Promise<string> {
  let system = 'unknown';
  await tx.query('SAVEPOINT fingerprint');
  try {
    const rows = await tx.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
    system = rows[0]?.id ?? 'unknown';
    await tx.query('RELEASE SAVEPOINT fingerprint');
  } catch {
    // pg_control_system() needs pg_monitor on some installations; the object ids still tell a restore.
    await tx.query('ROLLBACK TO SAVEPOINT fingerprint');
  }
  const rows = await tx.query<{ db: string; events: string }>(`SELECT (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS db, 'events'::regclass::oid::text AS events`);
  return `${system}:${rows[0]!.db}:${rows[0]!.events}`;
}

/** Renews every epoch (and records the new fingerprint) when the database is not the one last seen. */
export async function checkIncarnation(tx: Queryable): Promise<boolean> {
  const fingerprint = await databaseFingerprint(tx);
  const stored = await tx.query<{ value: string }>(`SELECT value FROM server_meta WHERE key = 'fingerprint'`);
  if (stored[0]?.value === fingerprint) return false;
  await tx.query(`INSERT INTO server_meta (key, value) VALUES ('fingerprint', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [fingerprint]);
  if (stored.length === 0) return false;
  await tx.query('UPDATE workspaces SET epoch = gen_random_uuid()');
  return true;
}

/** {@link checkIncarnation} under the migration lock, so instances noticing a restore at once renew the epochs once. */
export async function checkRestored(db: Db, lockKey: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${lockKey}:migrate`]);
    return checkIncarnation(tx);
  });
}

/** Gives every workspace (or one) a new epoch: for restores the fingerprint cannot see (a file-level copy of PGlite). */
export async function renewEpochs(db: Db, workspaceId?: string): Promise<number> {
  const rows = await db.query<{ id: string }>(workspaceId ? 'UPDATE workspaces SET epoch = gen_random_uuid() WHERE id = $1 RETURNING id' : 'UPDATE workspaces SET epoch = gen_random_uuid() RETURNING id', workspaceId ? [workspaceId] : []);
  return rows.length;
}
