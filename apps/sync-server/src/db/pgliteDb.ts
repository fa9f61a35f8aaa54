import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { databaseError, type Db, type PoolStats, type Queryable, type Row } from './db.js';

export interface PgliteDbOptions {
  /** A data folder; undefined for an in-memory database (tests). */
  readonly dataDir?: string;
  /** The schema to work in (tests give each their own). */
  readonly schema?: string;
  /** An open PGlite to use (shared by tests of one file); it is not closed with this Db. */
  readonly instance?: PGlite;
}

/**
 * Embedded PGlite: one Postgres connection in this process. PGlite queues queries and holds its own lock for a
 * transaction, so concurrent requests are serialized; NOTIFY reaches LISTEN in-process.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private inTransaction = 0;

  private constructor(
    private readonly pglite: PGlite,
    private readonly owned: boolean,
  ) {}

  static async open(options: PgliteDbOptions = {}): Promise<PgliteDb> {
    const pglite = options.instance ?? (await PGlite.create(options.dataDir, { parsers: { [pgliteTypes.INT8]: (value: string) => Number(value) } }));
    const db = new PgliteDb(pglite, options.instance === undefined);
    if (options.schema) {
      await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${options.schema}; SET search_path TO ${options.schema}`);
    }
    return db;
  }

  /** A PGlite with the parsers this server expects, for tests that share one between databases. */
  static async createInstance(dataDir?: string): Promise<PGlite> {
    return PGlite.create(dataDir, { parsers: { [pgliteTypes.INT8]: (value: string) => Number(value) } });
  }

  async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.pglite.query<R>(sql, params as unknown[])).rows;
    } catch (error) {
      throw databaseError(error);
    }
  }

  async execute(sql: string): Promise<void> {
    try {
      await this.pglite.exec(sql);
    } catch (error) {
      throw databaseError(error);
    }
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    try {
      return await this.pglite.transaction(async (transaction) => {
        this.inTransaction++;
        try {
          return await work({
            query: async <R = Row>(sql: string, params: readonly unknown[] = []) => (await transaction.query<R>(sql, params as unknown[])).rows,
            execute: async (sql: string) => void (await transaction.exec(sql)),
          });
        } finally {
          this.inTransaction--;
        }
      });
    } catch (error) {
      throw databaseError(error);
    }
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    return this.pglite.listen(channel, onMessage);
  }

  listening(): boolean {
    return !this.pglite.closed;
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  poolStats(): PoolStats {
    return { total: 1, idle: this.inTransaction > 0 ? 0 : 1, waiting: 0 };
  }

  async close(): Promise<void> {
    if (this.owned && !this.pglite.closed) await this.pglite.close();
  }
}
