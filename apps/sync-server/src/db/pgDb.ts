import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { databaseError, type Db, type PoolStats, type Queryable, type Row } from './db.js';

export interface PgDbOptions {
  readonly connectionString: string;
  /** Connections in the pool (default 10). */
  readonly maxConnections?: number;
  /** The schema every connection works in (tests give each their own); default the server's search_path. */
  readonly schema?: string;
  /** How long a request waits for a connection before failing (default 5 s). */
  readonly connectTimeoutMs?: number;
  readonly onError?: (error: unknown) => void;
}

// int8 (sequences, sizes) as numbers: every such value here stays below 2^53.
const builtinParser = pg.types.getTypeParser.bind(pg.types) as (oid: number, format?: string) => (value: string) => unknown;
const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? (value: string) => Number(value) : builtinParser(oid, format))) as typeof pg.types.getTypeParser,
};

/** Postgres through a `pg` pool; LISTEN on a dedicated client that reconnects. */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private readonly channels = new Map<string, Set<(payload: string) => void>>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private up = false;

  constructor(private readonly options: PgDbOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      types,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle client that loses its connection emits here; the pool drops it and makes a new one on demand.
    this.pool.on('error', (error) => options.onError?.(error));
  }

  async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query(sql, params as unknown[])).rows as R[];
    } catch (error) {
      throw databaseError(error);
    }
  }

  async execute(sql: string): Promise<void> {
    await this.query(sql);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw databaseError(error);
    }
    let broken = false;
    // pg-pool drops its own error listener while a client is checked out: without this one, Postgres ending the
    // session between two statements (a restart, a failover) would be an unhandled 'error' event.
    const onError = (error: unknown) => {
      broken = true;
      this.options.onError?.(error);
    };
    client.on('error', onError);
    const query = async <R = Row>(sql: string, params: readonly unknown[] = []) => {
      try {
        return (await client.query(sql, params as unknown[])).rows as R[];
      } catch (error) {
        throw databaseError(error);
      }
    };
    const tx: Queryable = { query, execute: async (sql) => void (await query(sql)) };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is gone: do not return it to the pool
      }
      throw databaseError(error);
    } finally {
      client.off('error', onError);
      if (broken) client.on('error', () => undefined);
      client.release(broken ? true : undefined);
    }
  }

  async copyOut(sql: string): Promise<AsyncIterable<Buffer>> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw databaseError(error);
    }
    const onError = (error: unknown) => this.options.onError?.(error);
    client.on('error', onError);
    const stream = client.query(copyTo(sql));
    let released = false;
    const release = (error?: unknown) => {
      if (released) return;
      released = true;
      client.off('error', onError);
      if (error) client.on('error', () => undefined);
      client.release(error ? true : undefined);
    };
    stream.once('end', () => release());
    stream.once('error', (error) => release(error));
    stream.once('close', () => release(stream.readableEnded ? undefined : new Error('the copy was abandoned')));
    return stream as AsyncIterable<Buffer>;
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(onMessage);
    if (!this.listener) await this.connectListener();
    else if (set.size === 1) await this.listener.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      set.delete(onMessage);
      if (set.size === 0) {
        this.channels.delete(channel);
        await this.listener?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      }
    };
  }

  listening(): boolean {
    return this.up;
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  poolStats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5_000 });
    client.on('notification', (message) => {
      for (const handler of this.channels.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    const lost = (error?: unknown) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.up = false;
      if (error) this.options.onError?.(error);
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    this.listener = client;
    try {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
      this.up = true;
    } catch (error) {
      lost(error);
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed && !this.listener) void this.connectListener();
    }, 1_000);
    this.reconnectTimer.unref();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
