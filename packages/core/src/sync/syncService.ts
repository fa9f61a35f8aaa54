import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Engine } from '../engine/engine.js';
import { CairnError } from '../errors/cairnError.js';
import { conflictMarkers } from '../domain/index.js';
import type { TeamChange, TeamChangeKind } from '../engine/views.js';
import { memberViewItemSchema, PROTOCOL_HEADER, PROTOCOL_VERSION, signInResponseSchema, viewPageSchema, workspaceSchema, type Workspace } from '../protocol/index.js';
import type { Arrival } from './localSyncLog.js';
import { HttpTransport } from './httpTransport.js';
import { SyncClient, type SyncReport, type SyncStatus } from './syncClient.js';
import { SyncTransportError, type SyncTransport } from './transport.js';

/**
 * Where the device token is kept: the OS keychain where the host has one (the desktop app passes Electron's
 * `safeStorage`), else a file in the data directory only this user can read. Never the event log, never a log.
 */
export interface SecretStore {
  read(): string | undefined;
  write(secret: string): void;
  remove(): void;
}

/** The token file: mode 0600, written whole. */
export class FileSecretStore implements SecretStore {
  constructor(private readonly file: string) {}

  read(): string | undefined {
    try {
      return readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
  }

  write(secret: string): void {
    writeFileSync(this.file, secret, { mode: 0o600 });
    chmodSync(this.file, 0o600);
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}

const credentialsSchema = z.object({ server: z.string(), username: z.string(), userId: z.string(), token: z.string(), tokenId: z.string(), serverDeviceId: z.string() }).strict();
type Credentials = z.infer<typeof credentialsSchema>;

/** What the sync panel and `cairn sync status` show. */
export interface SyncOverview extends SyncStatus {
  /** This device's id: the one its edits carry, and conflict markers name (by its last 8 characters). */
  readonly deviceId: string;
  /** The account this device is signed in as (null: signed out). */
  readonly account: { readonly server: string; readonly username: string; readonly userId: string } | null;
}

export interface SyncServiceOptions {
  readonly secrets?: SecretStore;
  /** A transport for a server and token (tests give an in-memory one); default HTTP. */
  readonly transport?: (server: string, token: string) => SyncTransport;
  readonly fetch?: typeof fetch;
  readonly onError?: (error: unknown) => void;
  readonly onStatus?: (status: SyncOverview) => void;
  /** Events per push and per pull page (the client's defaults otherwise). */
  readonly pushBatch?: number;
  readonly pullPage?: number;
}

/**
 * Sync as a host runs it (the CLI, `cairn serve`, the desktop app): signing in (a token per device, kept in the
 * {@link SecretStore}), linking the data directory to a workspace (its existing entries are pushed), syncing now, and
 * staying in sync in the background. One per engine.
 */
export class SyncService {
  private readonly secrets: SecretStore;
  private client: SyncClient | undefined;
  private unsubscribe: (() => void) | undefined;
  private running = false;
  private namesRetry: { timer: NodeJS.Timeout; tries: number } | undefined;
  private readonly deviceId: string;

  constructor(
    private readonly engine: Engine,
    private readonly options: SyncServiceOptions = {},
  ) {
    this.secrets = options.secrets ?? new FileSecretStore(join(engine.dataDir, 'sync-credentials.json'));
    this.deviceId = engine.status().deviceId;
  }

  overview(): SyncOverview {
    const credentials = this.credentials();
    const status = this.ensureClient()?.status() ?? unlinkedStatus(this.engine);
    return { ...status, deviceId: this.deviceId, account: credentials ? { server: credentials.server, username: credentials.username, userId: credentials.userId } : null };
  }

  /**
   * Signs this device in (signing up first when an invitation code is given and the account is new), and keeps the
   * token. Returns the account's workspaces.
   */
  async login(params: { server: string; username: string; password: string; invitation?: string | undefined; signup?: boolean | undefined }): Promise<{ username: string; workspaces: Workspace[] }> {
    const server = normalizeServer(params.server);
    const current = this.engine.sync.link();
    if (current && current.server !== server) throw new CairnError('conflict', `this data directory syncs with ${current.server}: unlink it first to use another server`);
    // An invitation (or the server's setup code) signs the account up and joins; an existing account joins after signing in.
    let joinAfterSignIn = false;
    if (params.invitation !== undefined || params.signup === true) {
      const up = await this.request(server, 'POST', '/v1/auth/signup', undefined, { username: params.username, password: params.password, ...(params.invitation !== undefined && { invitation: params.invitation }) }, true);
      if (up.status === 409) joinAfterSignIn = params.invitation !== undefined;
      else if (up.status >= 300) throw errorOf(up);
    }
    const deviceName = `Cairn on ${hostname()}`;
    const signIn = await this.request(server, 'POST', '/v1/auth/signin', undefined, { username: params.username, password: params.password, deviceName, deviceId: this.deviceId });
    const answer = signInResponseSchema.parse(signIn.body);
    this.engine.sync.rememberNames({ users: { [answer.user.id]: answer.user.username }, devices: { [answer.deviceId]: deviceName } });
    const credentials: Credentials = { server, username: answer.user.username, userId: answer.user.id, token: answer.token, tokenId: answer.tokenId, serverDeviceId: answer.deviceId };
    if (joinAfterSignIn) {
      const accepted = await this.request(server, 'POST', '/v1/invitations/accept', answer.token, { code: params.invitation }, true);
      if (accepted.status >= 300 && accepted.status !== 409) throw errorOf(accepted);
    }
    this.secrets.write(JSON.stringify(credentials));
    this.resetClient();
    if (current) this.engine.sync.setLink({ server, workspace: current.workspace, userId: credentials.userId, serverDeviceId: credentials.serverDeviceId });
    this.announce();
    return { username: credentials.username, workspaces: await this.workspaces() };
  }

  async workspaces(): Promise<Workspace[]> {
    const credentials = this.requireCredentials();
    const res = await this.request(credentials.server, 'GET', '/v1/workspaces', credentials.token);
    return z.object({ workspaces: z.array(workspaceSchema) }).parse(res.body).workspaces;
  }

  /** Links this data directory to a workspace (creating it when asked) and syncs: what is here is pushed, what is there pulled. */
  async link(params: { workspace: string; create?: string | undefined }): Promise<SyncReport> {
    const credentials = this.requireCredentials();
    if (params.create !== undefined) {
      const made = await this.request(credentials.server, 'POST', '/v1/workspaces', credentials.token, { id: params.workspace, name: params.create || params.workspace }, true);
      if (made.status >= 300 && made.status !== 409) throw errorOf(made);
    }
    await this.request(credentials.server, 'GET', `/v1/workspaces/${encodeURIComponent(params.workspace)}`, credentials.token);
    this.engine.sync.setLink({ server: credentials.server, workspace: params.workspace, userId: credentials.userId, serverDeviceId: credentials.serverDeviceId });
    this.resetClient();
    return this.syncNow();
  }

  async syncNow(): Promise<SyncReport> {
    const client = this.ensureClient();
    if (!client) throw new CairnError('validation', this.engine.sync.link() ? 'sign in first (cairn sync login URL --user NAME)' : 'link this data directory to a workspace first (cairn sync link --workspace W)');
    return client.syncNow();
  }

  /**
   * Brings a document's original onto this device from the workspace (it was imported on another device), resuming
   * an interrupted download, with `original` progress notices. A no-op when it is here.
   */
  async fetchOriginal(entryId: string): Promise<{ id: string; sha256: string; size: number; fetched: boolean }> {
    const document = this.engine.documents.get(entryId);
    const { sha256, size } = document.file;
    if (this.engine.blobs.has(sha256)) return { id: entryId, sha256, size, fetched: false };
    const client = this.ensureClient();
    if (!client) {
      throw new CairnError('not_found', `the original of "${document.file.name}" is not on this device${this.engine.sync.link() ? ': sign in to download it from the sync server' : ''}`, { id: entryId });
    }
    this.engine.reportProgress({ type: 'progress', task: 'original', done: 0, total: size, entryId, name: document.file.name });
    await client.fetchOriginal(sha256, size, ({ done, total }) => this.engine.reportProgress({ type: 'progress', task: 'original', done, total, entryId, name: document.file.name }));
    this.engine.reportProgress({ type: 'progress', task: 'original', done: size, total: size, entryId, name: document.file.name });
    return { id: entryId, sha256, size, fetched: true };
  }

  /** Stays in sync in the background (pokes, polling, pushes after local commits) until {@link stop}. */
  start(): void {
    this.running = true;
    const client = this.ensureClient();
    client?.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.dropClient();
  }

  /** Signs this device out: the server revokes its token; the link and every local edit stay. */
  async logout(): Promise<void> {
    const credentials = this.credentials();
    await this.dropClient();
    if (credentials) await this.request(credentials.server, 'POST', '/v1/auth/signout', credentials.token, undefined, true).catch(() => undefined);
    this.secrets.remove();
    this.announce();
  }

  /** Stops syncing this data directory (its entries stay; linking again resumes). */
  async unlink(): Promise<void> {
    await this.dropClient();
    this.engine.sync.unlink();
    this.announce();
  }

  /** Tells the host (and the engine's subscribers: the sync panel, the indicator) the state changed. */
  private announce(): void {
    const status = this.overview();
    this.engine.reportSync({ type: 'sync', status });
    this.options.onStatus?.(status);
  }

  private ensureClient(): SyncClient | undefined {
    if (this.client) return this.client;
    const link = this.engine.sync.link();
    const credentials = this.credentials();
    if (!link || !credentials || credentials.server !== link.server) return undefined;
    const transport = this.options.transport ? this.options.transport(link.server, credentials.token) : new HttpTransport({ server: link.server, token: credentials.token, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
    this.unsubscribe = this.engine.subscribe((notice) => {
      // A commit here: push it soon (a pull's own notices find nothing pending, which costs one query).
      if (notice.type === 'changed' && this.running) this.client?.request(50);
    });
    this.client = new SyncClient({
      log: this.engine.sync,
      blobs: this.engine.blobs,
      transport,
      deviceId: this.deviceId,
      ...(this.options.pushBatch !== undefined && { pushBatch: this.options.pushBatch }),
      ...(this.options.pullPage !== undefined && { pullPage: this.options.pullPage }),
      onError: (error) => this.options.onError?.(error),
      onStatus: () => this.announce(),
      onArrived: (arrivals, { initial }) => void this.arrived(arrivals, initial),
      onPullProgress: (done, total) => this.engine.reportProgress({ type: 'progress', task: 'sync', done, total }),
    });
    if (this.running) this.client.start();
    return this.client;
  }

  /**
   * Other devices' events arrived: learn the names of whoever is new (the server's members view), then tell the
   * subscribers what changed — conflicts, documents processed elsewhere, teammates' edits.
   */
  private async arrived(arrivals: readonly Arrival[], initial: boolean): Promise<void> {
    try {
      await this.learnNames(arrivals);
    } catch (error) {
      this.options.onError?.(error); // the names wait for the next arrival; the news goes out with ids
    }
    if (this.engine.isClosed) return;
    const byEntry = new Map<string, Arrival[]>();
    for (const arrival of arrivals) byEntry.set(arrival.entryId, [...(byEntry.get(arrival.entryId) ?? []), arrival]);
    if (initial) return this.engine.reportSync({ type: 'team', initial: true, entries: byEntry.size, changes: [] });
    const { users, devices } = this.engine.sync.directory();
    const changes: TeamChange[] = [];
    for (const [entryId, events] of byEntry) {
      const last = events.at(-1)!;
      let title = '';
      let body = '';
      try {
        const entry = this.engine.getEntry(entryId);
        title = entry.title;
        body = entry.body;
      } catch {
        continue; // gone again (a later page deleted it for good): nothing to show
      }
      const kind = kindOf(events.map((e) => e.eventType), body);
      changes.push({ entryId, title, kind, by: { ...last.by, username: users[last.by.userId] ?? null, deviceName: devices[last.by.deviceId] ?? null } });
    }
    const rank: Record<TeamChangeKind, number> = { conflict: 0, processed: 1, created: 2, changed: 3, deleted: 4 };
    changes.sort((a, b) => rank[a.kind] - rank[b.kind]);
    this.engine.reportSync({ type: 'team', initial: false, entries: byEntry.size, changes: changes.slice(0, 50) });
  }

  /**
   * Asks the server who the members and their devices are when an arrival names someone this device does not know.
   * The server's members view may lag its log by a moment: whoever it does not list yet is asked for again shortly.
   */
  private async learnNames(arrivals: readonly Arrival[]): Promise<void> {
    const unknown = (names: { users: Readonly<Record<string, string>>; devices: Readonly<Record<string, string>> }) =>
      arrivals.filter((a) => names.users[a.by.userId] === undefined || names.devices[a.by.deviceId] === undefined);
    if (unknown(this.engine.sync.directory()).length === 0) return;
    const link = this.engine.sync.link();
    const credentials = this.credentials();
    if (!link || !credentials) return;
    const names = { users: {} as Record<string, string>, devices: {} as Record<string, string> };
    let cursor: string | null = null;
    do {
      const query: string = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await this.request(credentials.server, 'GET', `/v1/workspaces/${encodeURIComponent(link.workspace)}/views/members?${query}`, credentials.token);
      const page = viewPageSchema.parse(res.body);
      for (const raw of page.items) {
        const member = memberViewItemSchema.safeParse(raw);
        if (!member.success) continue;
        names.users[member.data.userId] = member.data.username;
        for (const device of member.data.devices) names.devices[device.deviceId] = device.name;
      }
      cursor = page.next;
    } while (cursor);
    if (this.engine.isClosed) return;
    this.engine.sync.rememberNames(names);
    const missing = unknown(this.engine.sync.directory());
    const tries = this.namesRetry?.tries ?? 0;
    if (missing.length > 0 && this.client && tries < 10) {
      clearTimeout(this.namesRetry?.timer);
      const timer = setTimeout(() => void this.learnNames(missing).catch((error: unknown) => this.options.onError?.(error)), 500 * (tries + 1));
      timer.unref();
      this.namesRetry = { timer, tries: tries + 1 };
    } else if (missing.length === 0) {
      this.namesRetry = undefined;
    }
  }

  private resetClient(): void {
    void this.dropClient().then(() => {
      if (this.running) this.ensureClient();
    });
  }

  private async dropClient(): Promise<void> {
    clearTimeout(this.namesRetry?.timer);
    this.namesRetry = undefined;
    const client = this.client;
    this.client = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await client?.stop();
  }

  private credentials(): Credentials | undefined {
    const raw = this.secrets.read();
    if (!raw) return undefined;
    try {
      return credentialsSchema.parse(JSON.parse(raw));
    } catch {
      return undefined;
    }
  }

  private requireCredentials(): Credentials {
    const credentials = this.credentials();
    if (!credentials) throw new CairnError('unauthorized', 'sign in first (cairn sync login URL --user NAME)');
    return credentials;
  }

  /** One call to the server's account API; unless `raw`, a failure becomes its error. */
  private async request(server: string, method: string, path: string, token: string | undefined, body?: unknown, raw = false): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(`${server}${path}`, {
        method,
        headers: { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION), ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new SyncTransportError('unavailable', `the sync server at ${server} cannot be reached (${error instanceof Error ? error.message : String(error)})`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new SyncTransportError('unavailable', `${server} did not answer like a Cairn sync server`);
    }
    const answer = { status: res.status, body: parsed };
    if (!raw && res.status >= 300) throw errorOf(answer);
    return answer;
  }
}

function errorOf(answer: { status: number; body: unknown }): CairnError {
  const body = answer.body as { code?: unknown; message?: unknown } | undefined;
  if (body && typeof body.code === 'string' && typeof body.message === 'string') return new SyncTransportError(body.code as CairnError['code'], body.message);
  return new SyncTransportError(answer.status >= 500 ? 'unavailable' : 'validation', `the sync server answered ${answer.status}`);
}

/** What a pull did to one entry: a conflict it now holds wins, then a document processed elsewhere, then the rest. */
function kindOf(eventTypes: readonly string[], body: string): TeamChangeKind {
  const lines = body.split('\n');
  if (lines.some((l) => l.startsWith(`${conflictMarkers.start} `)) && lines.some((l) => l.startsWith(`${conflictMarkers.end} `))) return 'conflict';
  if (eventTypes.includes('DocumentProcessed')) return 'processed';
  if (eventTypes.includes('EntryCreated') || eventTypes.includes('DocumentImported')) return 'created';
  if (eventTypes.at(-1) === 'EntryDeleted') return 'deleted';
  return 'changed';
}

export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CairnError('validation', `${JSON.stringify(raw)} is not a URL (e.g. https://sync.example.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CairnError('validation', 'the sync server URL must be http or https');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function unlinkedStatus(engine: Engine): SyncStatus {
  const link = engine.sync.link();
  return {
    linked: link !== undefined,
    server: link?.server ?? null,
    workspace: link?.workspace ?? null,
    state: link ? 'error' : 'unlinked',
    live: false,
    pending: engine.sync.pendingCount(),
    cursor: link?.cursor ?? 0,
    readOnly: false,
    lastSyncAt: engine.sync.value('last_sync_at') ?? null,
    lastError: link ? { code: 'unauthorized', message: 'this device is signed out', action: 'sign in again (cairn sync login); your edits are kept and sync when you do' } : null,
    retryAt: null,
  };
}

