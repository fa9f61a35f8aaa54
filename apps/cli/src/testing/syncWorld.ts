import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Engine, HttpTransport, SyncClient, type SyncTransport } from '@cairn/core';
import { loadConfig, PgDb, PgliteDb, startServer, startServerProcess, type Db, type RunningServer, type ServerProcess } from '@cairn/sync-server';

/** The Postgres the tests use: `TEST_DATABASE_URL`, else the one every session and CI run has. */
export const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type PgliteInstance = Awaited<ReturnType<typeof PgliteDb.createInstance>>;

/** What a world needs of its server: where it answers, and how to stop it. */
interface WorldServer {
  readonly url: string;
}

/**
 * A sync server (in this process on PGlite or Postgres, or its own process on Postgres; a schema of its own) and the
 * folders of the devices that use it.
 */
export class SyncWorld<S extends WorldServer = RunningServer> {
  private readonly folders: string[] = [];
  private readonly engines: Engine[] = [];
  private readonly clients: SyncClient[] = [];

  private constructor(
    readonly server: S,
    private readonly stopServer: () => Promise<unknown>,
    /** Drops the world's schema (and closes its database when the world opened it). */
    private readonly dropSchema: () => Promise<void>,
  ) {}

  static async start(instance: PgliteInstance, settings: Record<string, string> = {}): Promise<SyncWorld> {
    const schema = `s_${randomBytes(5).toString('hex')}`;
    const db = await PgliteDb.open({ instance, schema });
    const server = await SyncWorld.serve(db, schema, settings);
    return new SyncWorld(server, () => server.close(), async () => void (await instance.exec(`SET search_path TO public; DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined)));
  }

  /** The same on a Postgres server (`connectionString`): a fresh schema, dropped by {@link close}. */
  static async startPostgres(connectionString: string, settings: Record<string, string> = {}): Promise<SyncWorld> {
    const schema = `s_${randomBytes(5).toString('hex')}`;
    const admin = new PgDb({ connectionString, maxConnections: 1 });
    try {
      await admin.execute(`CREATE SCHEMA ${schema}`);
      const db = new PgDb({ connectionString, schema });
      const server = await SyncWorld.serve(db, schema, settings);
      return new SyncWorld(server, () => server.close(), async () => {
        await db.close().catch(() => undefined);
        await SyncWorld.dropPostgresSchema(admin, schema);
      });
    } catch (error) {
      await SyncWorld.dropPostgresSchema(admin, schema);
      throw error;
    }
  }

  /**
   * The server as a team runs it: its own process (the built `cairn-sync-server`) on Postgres, in a fresh schema
   * dropped by {@link close}. It then has a core of its own instead of sharing this process's event loop.
   */
  static async startPostgresProcess(connectionString: string): Promise<SyncWorld<ServerProcess>> {
    const schema = `s_${randomBytes(5).toString('hex')}`;
    const admin = new PgDb({ connectionString, maxConnections: 1 });
    try {
      await admin.execute(`CREATE SCHEMA ${schema}`);
      const server = await startServerProcess({ DATABASE_URL: connectionString, CAIRN_DB_SCHEMA: schema, CAIRN_NAMESPACE: schema, CAIRN_SIGNUP: 'open', CAIRN_RATE_LIMIT: '0', LOG_LEVEL: 'silent' });
      return new SyncWorld(server, () => server.stop(), () => SyncWorld.dropPostgresSchema(admin, schema));
    } catch (error) {
      await SyncWorld.dropPostgresSchema(admin, schema);
      throw error;
    }
  }

  private static async dropPostgresSchema(admin: PgDb, schema: string): Promise<void> {
    await admin.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.close();
  }

  private static async serve(db: Db, schema: string, settings: Record<string, string>): Promise<RunningServer> {
    const config = loadConfig({ port: '0', host: '127.0.0.1', signup: 'open', 'log-level': 'silent', 'rate-limit': '0', namespace: schema, ...settings }, {});
    return startServer(config, { db });
  }

  get url(): string {
    return this.server.url;
  }

  /** Signs up (or in) an account and returns a token for a device. */
  async signIn(username: string, deviceId?: string): Promise<{ token: string; userId: string; deviceId: string }> {
    const password = 'correct horse battery';
    await this.call('POST', '/v1/auth/signup', undefined, { username, password });
    const answer = (await this.call('POST', '/v1/auth/signin', undefined, { username, password, deviceName: `${username}'s device`, ...(deviceId ? { deviceId } : {}) })) as { token: string; user: { id: string }; deviceId: string };
    return { token: answer.token, userId: answer.user.id, deviceId: answer.deviceId };
  }

  async call(method: string, path: string, token: string | undefined, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** A new data directory, linked to `workspace` as `account`, with its sync client (not started). */
  async device(account: { token: string; userId: string }, workspace: string, options: { transport?: (http: SyncTransport) => SyncTransport; now?: () => number } = {}): Promise<{ engine: Engine; client: SyncClient; dataDir: string; token: string; tokenId: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-sync-device-'));
    this.folders.push(dataDir);
    const engine = Engine.open({ dataDir, autoCatchUp: false, backgroundEmbedding: false, ...(options.now ? { environment: { now: options.now, newId: () => crypto.randomUUID(), random: Math.random } } : {}) });
    this.engines.push(engine);
    // Sign in as this device (its own token, its own device id on the server).
    const password = 'correct horse battery';
    const me = (await this.call('GET', '/v1/me', account.token)) as { user: { username: string } };
    const signedIn = (await this.call('POST', '/v1/auth/signin', undefined, { username: me.user.username, password, deviceName: 'device', deviceId: engine.status().deviceId })) as { token: string; tokenId: string; user: { id: string }; deviceId: string };
    engine.sync.setLink({ server: this.url, workspace, userId: signedIn.user.id, serverDeviceId: signedIn.deviceId });
    const http = new HttpTransport({ server: this.url, token: signedIn.token });
    const client = new SyncClient({ log: engine.sync, blobs: engine.blobs, transport: options.transport ? options.transport(http) : http, deviceId: engine.status().deviceId, retryBaseMs: 20, retryMaxMs: 200, ...(options.now ? { now: options.now } : {}) });
    this.clients.push(client);
    return { engine, client, dataDir, token: signedIn.token, tokenId: signedIn.tokenId };
  }

  async close(): Promise<void> {
    for (const client of this.clients) await client.stop();
    for (const engine of this.engines) engine.close();
    await this.stopServer();
    await this.dropSchema();
    for (const folder of this.folders) rmSync(folder, { recursive: true, force: true });
  }
}
