import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CairnError } from '@cairn/core/domain';
import { liveCloseCodes } from '@cairn/core/protocol';
import type { ServerConfig } from './config.js';
import type { Db } from './db/db.js';
import { checkRestored, migrate, type MigrateResult } from './db/migrate.js';
import { PgDb } from './db/pgDb.js';
import { PgliteDb } from './db/pgliteDb.js';
import { Bus } from './fanout/bus.js';
import { createHttpFront, type HttpFront } from './http/server.js';
import { LiveHub } from './live/liveHub.js';
import { createLogger, type Logger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { Accounts } from './services/accounts.js';
import { Blobs } from './services/blobs.js';
import type { ServiceContext } from './services/context.js';
import { EventLog } from './services/eventLog.js';
import { Identity } from './services/identity.js';
import { Mailer } from './services/mailer.js';
import { Webhooks, type WebhookOptions } from './services/webhooks.js';
import { Workspaces } from './services/workspaces.js';
import { entriesProjection } from './views/entriesProjection.js';
import { membersProjection } from './views/membersProjection.js';
import { Projector } from './views/projector.js';
import { ViewQueries } from './views/viewQueries.js';

export interface AppOptions {
  /** A database to use instead of opening one from the config (tests share a PGlite). */
  readonly db?: Db;
  readonly log?: Logger;
  readonly now?: () => number;
  readonly webhooks?: WebhookOptions;
  /** How often the projector looks for workspaces behind (default 1 s). */
  readonly projectorIntervalMs?: number;
  /** How often open sockets are checked against the database (default 5 s). */
  readonly socketSweepMs?: number;
  /** How often the database is checked for a restore (default 5 s). */
  readonly restoreCheckMs?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The services of one instance, wired together; `open` migrates first, so a running app has a current schema. */
export class App {
  readonly ctx: ServiceContext;
  readonly identity: Identity;
  readonly workspaces: Workspaces;
  readonly accounts: Accounts;
  readonly eventLog: EventLog;
  readonly blobs: Blobs;
  readonly projector: Projector;
  readonly views: ViewQueries;
  readonly hub: LiveHub;
  readonly webhooks: Webhooks;
  readonly mailer: Mailer;
  draining = false;
  private readonly tokenBuckets = new Map<string, Bucket>();
  private readonly addressBuckets = new Map<string, Bucket>();
  private janitor: NodeJS.Timeout | undefined;
  private restoreWatch: NodeJS.Timeout | undefined;

  private constructor(
    readonly db: Db,
    readonly config: ServerConfig,
    log: Logger,
    readonly migration: MigrateResult,
    private readonly options: AppOptions,
  ) {
    const bus = new Bus(db, config.namespace, log);
    this.ctx = { db, config, log, metrics: new Metrics(), bus, now: options.now ?? Date.now };
    this.identity = new Identity(this.ctx);
    this.workspaces = new Workspaces(this.ctx);
    this.accounts = new Accounts(this.ctx, this.identity, this.workspaces);
    this.eventLog = new EventLog(this.ctx);
    this.blobs = new Blobs(this.ctx);
    this.projector = new Projector(this.ctx, [entriesProjection, membersProjection]);
    this.views = new ViewQueries(this.ctx);
    this.hub = new LiveHub(this.ctx, this.identity);
    this.webhooks = new Webhooks(this.ctx, options.webhooks);
    this.mailer = new Mailer(this.ctx);
    this.projector.onNotifications = (tx, notifications) => this.webhooks.enqueue(tx, notifications);
    this.eventLog.onCommitted = (ws) => this.projector.kick(ws);
    this.workspaces.auditChanged = (ws) => setImmediate(() => this.projector.kick(ws));
    this.workspaces.onInvitation = (invitation) => this.mailer.sendInvitation(invitation);
  }

  /** Opens the database (Postgres with a URL, else PGlite in the data folder), migrates, and wires the services. */
  static async open(config: ServerConfig, options: AppOptions = {}): Promise<App> {
    const log = options.log ?? createLogger(config.logLevel);
    const db =
      options.db ??
      (config.databaseUrl
        ? new PgDb({ connectionString: config.databaseUrl, maxConnections: config.dbPoolSize, ...(config.dbSchema ? { schema: config.dbSchema } : {}), onError: (error) => log.warn({ err: error }, 'a database connection failed') })
        : await PgliteDb.open({ dataDir: config.dataDir, ...(config.dbSchema ? { schema: config.dbSchema } : {}) }));
    try {
      if (config.dbSchema && db.kind === 'postgres') await db.query(`CREATE SCHEMA IF NOT EXISTS ${config.dbSchema}`);
      const migration = await migrate(db, { lockKey: config.namespace });
      if (migration.epochsRenewed) log.warn('this database was restored or copied since the server last ran: every workspace has a new epoch, so clients re-push what it lost');
      return new App(db, config, log, migration, options);
    } catch (error) {
      if (!options.db) await db.close();
      throw error;
    }
  }

  /** Starts the background work: the bus, the projector, webhook deliveries, digests, socket sweeps. */
  async start(): Promise<void> {
    await this.ctx.bus.start();
    this.projector.start(this.options.projectorIntervalMs);
    this.webhooks.start();
    this.mailer.start();
    this.hub.start(this.options.socketSweepMs);
    // Chunks of uploads that never finished (a dropped connection, a killed instance), after an hour.
    this.janitor = setInterval(() => void this.blobs.collectAbandoned().catch((error: unknown) => this.ctx.log.warn({ err: error }, 'could not collect abandoned uploads')), 600_000);
    this.janitor.unref();
    // A dump restored while instances run: noticed within seconds, not at the next restart.
    this.restoreWatch = setInterval(() => void this.checkRestored(), this.options.restoreCheckMs ?? 5_000);
    this.restoreWatch.unref();
  }

  /** Renews every epoch if the database turned out to be restored since it was last seen (see migrate.ts). */
  async checkRestored(): Promise<boolean> {
    try {
      const renewed = await checkRestored(this.db, this.config.namespace);
      if (renewed) {
        this.ctx.log.warn('this database was restored while the server ran: every workspace has a new epoch, so clients re-push what it lost');
        this.views.forgetAll();
        await this.ctx.bus.accessChanged({});
      }
      return renewed;
    } catch (error) {
      this.ctx.log.debug({ err: error }, 'could not check whether the database was restored');
      return false;
    }
  }

  /** Ready: the database answers, migrations are done, and this instance is not draining. */
  async readiness(): Promise<{ ready: boolean; database: boolean; migrated: boolean; draining: boolean; reason?: string }> {
    if (this.draining) return { ready: false, database: true, migrated: true, draining: true, reason: 'shutting down' };
    try {
      const rows = await this.db.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
      const migrated = (rows[0]?.version ?? 0) === this.migration.to;
      return migrated ? { ready: true, database: true, migrated, draining: false } : { ready: false, database: true, migrated, draining: false, reason: 'the schema is not at this version' };
    } catch {
      return { ready: false, database: false, migrated: false, draining: false, reason: 'the database is not reachable' };
    }
  }

  /** Gauges read on scrape: pool use and each view's lag. */
  async refreshGauges(): Promise<void> {
    const pool = this.db.poolStats();
    this.ctx.metrics.pool.set({ state: 'total' }, pool.total);
    this.ctx.metrics.pool.set({ state: 'idle' }, pool.idle);
    this.ctx.metrics.pool.set({ state: 'waiting' }, pool.waiting);
    await this.projector.lag().catch(() => undefined);
  }

  /**
   * The client's address: the socket's, or behind a trusted proxy the last address of X-Forwarded-For — the one
   * that proxy appended. Earlier entries are whatever the client sent, so they cannot be trusted for limits.
   */
  clientAddress(req: IncomingMessage): string {
    if (this.config.trustProxy) {
      const forwarded = req.headers['x-forwarded-for'];
      const list = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').map((a) => a.trim()).filter(Boolean);
      const last = list?.[list.length - 1];
      if (last) return last;
    }
    return req.socket.remoteAddress ?? 'unknown';
  }

  /** Per-token request rate (a token bucket on this instance): 429 with `Retry-After` past it. */
  limitToken(tokenId: string): void {
    const rate = this.config.rateLimitPerSecond;
    if (rate > 0) take(this.tokenBuckets, tokenId, rate, rate * 2, this.ctx.now(), 'too many requests from this device');
  }

  /** Sign-up and sign-in requests per address: 20 a minute, bursts of 20. */
  limitAddress(address: string): void {
    take(this.addressBuckets, address, 20 / 60, 20, this.ctx.now(), 'too many sign-in attempts from this address');
  }

  async stop(): Promise<void> {
    clearInterval(this.janitor);
    clearInterval(this.restoreWatch);
    this.hub.stop();
    this.hub.closeAll(liveCloseCodes.goingAway, 'the server is restarting: reconnect');
    await this.projector.stop();
    await this.webhooks.stop();
    this.mailer.stop();
    await this.ctx.bus.close();
    if (!this.options.db) await this.db.close();
  }
}

function take(buckets: Map<string, Bucket>, key: string, ratePerSecond: number, burst: number, now: number, message: string): void {
  const bucket = buckets.get(key) ?? { tokens: burst, at: now };
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
  bucket.at = now;
  if (bucket.tokens < 1) {
    buckets.set(key, bucket);
    throw new CairnError('rate_limited', message, { retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) });
  }
  bucket.tokens -= 1;
  if (buckets.size > 50_000) buckets.clear();
  buckets.set(key, bucket);
}

export interface RunningServer {
  readonly app: App;
  readonly url: string;
  readonly port: number;
  readonly http: HttpFront;
  /** Graceful shutdown: stop accepting, finish in-flight requests (up to the timeout), close sockets, stop. */
  close(): Promise<void>;
}

/** Opens the app and listens. */
export async function startServer(config: ServerConfig, options: AppOptions = {}): Promise<RunningServer> {
  const app = await App.open(config, options);
  await app.start();
  const http = createHttpFront(app);
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(config.port, config.host, () => resolve());
  });
  const port = (http.server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      app.draining = true;
      http.server.close();
      app.hub.closeAll(liveCloseCodes.goingAway, 'the server is shutting down: reconnect');
      const deadline = Date.now() + config.shutdownTimeoutMs;
      while (http.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      http.server.closeAllConnections();
      await app.ctx.bus.flush();
      await app.stop();
    })());
  return { app, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port, http, close };
}
