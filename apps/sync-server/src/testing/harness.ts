import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { encodeHlc } from '@cairn/core/domain';
import { PROTOCOL_HEADER, type WireEvent } from '@cairn/core/protocol';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { startServer, type AppOptions, type RunningServer } from '../app.js';
import { loadConfig, type ServerConfig } from '../config.js';
import type { Db } from '../db/db.js';
import { PgDb } from '../db/pgDb.js';
import { PgliteDb } from '../db/pgliteDb.js';
import { createLogger } from '../ops/logger.js';

/** The machine's Postgres (CI sets it; the default is the local one). */
export const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type BackendName = 'postgres' | 'pglite';

export interface Backend {
  readonly name: BackendName;
  /** A fresh, empty database for one test (its own schema); dropped after the test. */
  fresh(): Promise<{ db: Db; schema: string; config: Partial<Record<string, string>> }>;
  /** Runs `cleanup` after the test, before what was deferred earlier (so servers close before their schema goes). */
  defer(cleanup: () => Promise<void>): void;
}

/**
 * Runs a suite against both back ends — the machine's Postgres (a schema per test) and PGlite (one instance per
 * file, a schema per test) — with the same cases: one contract, both databases.
 */
export function describeBackends(name: string, suite: (backend: () => Backend) => void): void {
  for (const kind of ['postgres', 'pglite'] as const) {
    describe(`${name} [${kind}]`, () => {
      let backend: Backend;
      const cleanups: (() => Promise<void>)[] = [];
      beforeAll(async () => {
        backend = kind === 'postgres' ? postgresBackend(cleanups) : await pgliteBackend(cleanups);
      });
      afterEach(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
      });
      afterAll(async () => {
        await (backend as Backend & { close?: () => Promise<void> })?.close?.();
      });
      suite(() => backend);
    });
  }
}

function schemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

function postgresBackend(cleanups: (() => Promise<void>)[]): Backend {
  return {
    name: 'postgres',
    defer: (cleanup) => cleanups.push(cleanup),
    async fresh() {
      const schema = schemaName();
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const db = new PgDb({ connectionString: postgresUrl, schema, maxConnections: 10 });
      cleanups.push(async () => {
        await db.close();
        const drop = new pg.Client({ connectionString: postgresUrl });
        await drop.connect();
        await drop.query(`DROP SCHEMA ${schema} CASCADE`);
        await drop.end();
      });
      return { db, schema, config: { 'database-url': postgresUrl, 'db-schema': schema } };
    },
  };
}

async function pgliteBackend(cleanups: (() => Promise<void>)[]): Promise<Backend & { close(): Promise<void> }> {
  const instance = await PgliteDb.createInstance();
  return {
    name: 'pglite',
    defer: (cleanup) => cleanups.push(cleanup),
    async fresh() {
      const schema = schemaName();
      const db = await PgliteDb.open({ instance, schema });
      cleanups.push(async () => {
        await instance.exec(`SET search_path TO public; DROP SCHEMA ${schema} CASCADE`);
      });
      return { db, schema, config: { namespace: schema } };
    },
    close: () => instance.close(),
  };
}

/** Log lines a test server wrote (JSON), for tests that read the logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestServer extends RunningServer {
  readonly logs: LogCapture;
  readonly schema: string;
  readonly config: ServerConfig;
}

/** A server on a free loopback port over a fresh database of `backend`; closed after the test. */
export async function startTestServer(backend: Backend, settings: Readonly<Record<string, string | boolean>> = {}, options: Omit<AppOptions, 'db' | 'log'> = {}): Promise<TestServer> {
  const fresh = await backend.fresh();
  const config = loadConfig({ port: '0', host: '127.0.0.1', signup: 'open', 'log-level': 'info', 'rate-limit': '0', namespace: fresh.schema, ...fresh.config, ...settings }, {});
  const logs = new LogCapture();
  const server = await startServer(config, { ...options, db: fresh.db, log: createLogger(config.logLevel, logs) });
  backend.defer(() => server.close());
  return { ...server, logs, schema: fresh.schema, config };
}

/** A second instance on the same Postgres schema as `first` (horizontal scale); closed after the test. */
export async function startPeerServer(backend: Backend, first: TestServer, settings: Readonly<Record<string, string | boolean>> = {}, options: Omit<AppOptions, 'db' | 'log'> = {}): Promise<TestServer> {
  if (backend.name !== 'postgres') throw new Error('peers share a Postgres schema; PGlite is one process');
  const db = new PgDb({ connectionString: postgresUrl, schema: first.schema, maxConnections: 10 });
  const config = loadConfig({ port: '0', host: '127.0.0.1', signup: 'open', 'log-level': 'info', 'rate-limit': '0', namespace: first.schema, 'database-url': postgresUrl, 'db-schema': first.schema, ...settings }, {});
  const logs = new LogCapture();
  const server = await startServer(config, { ...options, db, log: createLogger(config.logLevel, logs) });
  backend.defer(async () => {
    await server.close();
    await db.close();
  });
  return { ...server, logs, schema: first.schema, config };
}

/** An answer as a test reads it: a JSON body is looked into freely, as a client's code would. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted on by the tests
export type WireBody = any;

/** A client of the protocol over real HTTP. */
export class TestClient {
  token: string | undefined;
  userId: string | undefined;
  deviceId: string | undefined;

  constructor(readonly url: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: WireBody; headers: Headers; text: string }> {
    const init: RequestInit = {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body) } : {}),
    };
    const res = await fetch(`${this.url}${path}`, init);
    const text = method === 'HEAD' ? '' : await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  }

  /** Signs up (open sign-up) and in; the client keeps the token. */
  async account(username = `u${randomBytes(4).toString('hex')}`, password = 'correct horse battery', extra: Record<string, unknown> = {}): Promise<this> {
    const up = await this.request('POST', '/v1/auth/signup', { username, password, ...extra });
    if (up.status !== 201) throw new Error(`sign-up failed: ${up.status} ${up.text}`);
    await this.signIn(username, password);
    return this;
  }

  async signIn(username: string, password: string, deviceId?: string): Promise<void> {
    const res = await this.request('POST', '/v1/auth/signin', { username, password, deviceName: 'test device', ...(deviceId ? { deviceId } : {}) });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
    this.token = res.body.token;
    this.userId = res.body.user.id;
    this.deviceId = res.body.deviceId;
  }

  async workspace(id = `w${randomBytes(4).toString('hex')}`): Promise<string> {
    const res = await this.request('POST', '/v1/workspaces', { id, name: `Workspace ${id}` });
    if (res.status !== 201) throw new Error(`workspace creation failed: ${res.status} ${res.text}`);
    return id;
  }

  /** Invites (as an admin) and returns the code. */
  async invite(ws: string, role: 'admin' | 'editor' | 'viewer'): Promise<string> {
    const res = await this.request('POST', `/v1/workspaces/${ws}/invitations`, { role });
    if (res.status !== 201) throw new Error(`invitation failed: ${res.status} ${res.text}`);
    return res.body.code;
  }

  async join(code: string): Promise<void> {
    const res = await this.request('POST', '/v1/invitations/accept', { code });
    if (res.status !== 200) throw new Error(`accepting failed: ${res.status} ${res.text}`);
  }

  push(ws: string, events: readonly unknown[], clientId = 'test'): Promise<{ status: number; body: WireBody; headers: Headers; text: string }> {
    return this.request('POST', `/v1/workspaces/${ws}/push`, { clientId, events });
  }

  pull(ws: string, after = 0, limit?: number): Promise<{ status: number; body: WireBody; headers: Headers; text: string }> {
    return this.request('GET', `/v1/workspaces/${ws}/pull?after=${after}${limit ? `&limit=${limit}` : ''}`);
  }
}

/** A pulled page as the tests read it. */
export interface PulledPage {
  readonly epoch: string;
  readonly head: number;
  readonly more: boolean;
  readonly events: readonly { readonly seq: number; readonly event: WireEvent }[];
}

/** The same account and token, talking to another instance. */
export function via(client: TestClient, url: string): TestClient {
  const other = new TestClient(url);
  other.token = client.token;
  other.userId = client.userId;
  other.deviceId = client.deviceId;
  return other;
}

/** The whole log of a workspace, page by page; fails on a gap, a sequence out of order or an event id twice. */
export async function readWholeLog(reader: TestClient, ws: string, pageSize = 100): Promise<{ epoch: string; head: number; seqOf: Map<string, number> }> {
  const seqOf = new Map<string, number>();
  let cursor = 0;
  for (;;) {
    const res = await reader.pull(ws, cursor, pageSize);
    expect(res.status, res.text).toBe(200);
    const page = res.body as PulledPage;
    for (const { seq, event } of page.events) {
      expect(seq).toBe(cursor + 1);
      expect(seqOf.has(event.eventId), `${event.eventId} twice`).toBe(false);
      seqOf.set(event.eventId, seq);
      cursor = seq;
    }
    if (!page.more) {
      expect(page.head).toBe(cursor);
      return { epoch: page.epoch, head: page.head, seqOf };
    }
  }
}

/** A device that writes valid events as the engine would (one entry stream at a time, clocks that tick). */
export class EventFactory {
  private wall: number;
  private counter = 0;
  private readonly versions = new Map<string, number>();

  constructor(
    readonly deviceId: string = randomUUID(),
    start = Date.now(),
  ) {
    this.wall = start;
  }

  private envelope(type: string, schemaVersion: number, entryId: string, data: unknown, baseEventId: string | null = null, wallMs?: number): WireEvent {
    const version = (this.versions.get(entryId) ?? 0) + 1;
    this.versions.set(entryId, version);
    if (wallMs !== undefined) this.wall = wallMs;
    else this.wall += 1;
    this.counter++;
    return {
      eventId: randomUUID(),
      type,
      schemaVersion,
      aggregateId: entryId,
      aggregateType: 'entry',
      version,
      data: data,
      metadata: {
        workspaceId: 'personal',
        actorId: 'user:test',
        deviceId: this.deviceId,
        hlc: encodeHlc({ wallMs: this.wall, counter: 0, node: this.deviceId }),
        baseVersion: version - 1,
        correlationId: randomUUID(),
        causationId: null,
        at: new Date(this.wall).toISOString(),
        baseEventId,
      },
    };
  }

  create(title: string, options: { body?: string; tags?: string[]; entryId?: string; wallMs?: number } = {}): WireEvent {
    return this.envelope('EntryCreated', 2, options.entryId ?? randomUUID(), { kind: 'note', title, body: options.body ?? '', tags: options.tags ?? [], attributes: {} }, null, options.wallMs);
  }

  update(entryId: string, changes: Record<string, unknown>, options: { baseEventId?: string | null; tagChanges?: { added: string[]; removed: string[] }; wallMs?: number } = {}): WireEvent {
    return this.envelope('EntryUpdated', 2, entryId, options.tagChanges ? { changes, tagChanges: options.tagChanges } : { changes }, options.baseEventId ?? null, options.wallMs);
  }

  delete(entryId: string, baseEventId: string | null = null): WireEvent {
    return this.envelope('EntryDeleted', 1, entryId, {}, baseEventId);
  }

  importDocument(title: string, file: { sha256: string; name: string; size: number; mimeType: string }, entryId: string = randomUUID()): WireEvent {
    return this.envelope('DocumentImported', 1, entryId, { title, tags: [], attributes: {}, file });
  }

  processed(entryId: string, textSha256: string, chars: number): WireEvent {
    return this.envelope('DocumentProcessed', 1, entryId, { textSha256, mimeType: 'text/plain', pageCount: null, ocrUsed: false, language: 'en', chars });
  }

  failed(entryId: string, reason: string): WireEvent {
    return this.envelope('DocumentProcessingFailed', 1, entryId, { reason, code: 'corrupt', retryable: false });
  }
}

/** Headers naming a protocol version (for version tests). */
export function protocolHeader(version: string): Record<string, string> {
  return { [PROTOCOL_HEADER]: version };
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
