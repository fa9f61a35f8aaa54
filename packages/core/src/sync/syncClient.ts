import { CairnError, type ErrorCode } from '../errors/cairnError.js';
import { syncLimits, type ServerLiveMessage } from '../protocol/index.js';
import type { BlobStore } from '../blobs/blobStore.js';
import { BlobSync, type BlobProgress } from './blobSync.js';
import { EpochChanged, type Arrival, ServerMisbehaved, type LocalSyncLog } from './localSyncLog.js';
import { SyncTransportError, type LiveConnection, type SyncTransport } from './transport.js';

/** What a person (or a script) is told about sync. */
export interface SyncStatus {
  readonly linked: boolean;
  readonly server: string | null;
  readonly workspace: string | null;
  /** `syncing` while a round runs; `offline` while the server cannot be reached (the last round could not reach it, or the breaker is open). */
  readonly state: 'unlinked' | 'idle' | 'syncing' | 'offline' | 'error';
  /** The live socket is up (pokes arrive); otherwise the client polls. */
  readonly live: boolean;
  /** Events written here that the server has not acknowledged. */
  readonly pending: number;
  readonly cursor: number;
  /** A viewer's device: its edits stay local. */
  readonly readOnly: boolean;
  readonly lastSyncAt: string | null;
  readonly lastError: { readonly code: ErrorCode; readonly message: string; readonly action: string } | null;
  /** When the next attempt is due after a failure (ISO time), or null. */
  readonly retryAt: string | null;
}

export interface SyncReport {
  readonly pushed: number;
  readonly pulled: number;
  readonly epochChanged: boolean;
}

export interface SyncClientOptions {
  readonly log: LocalSyncLog;
  /** The data directory's blobs: documents' texts and originals sync through them (without: events only). */
  readonly blobs?: BlobStore;
  readonly transport: SyncTransport;
  /** This device's own id (the engine's): clocks of restamped events name it. */
  readonly deviceId: string;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Events per push and per pull page (default: the most the protocol allows, 1,000 and 5,000). */
  readonly pushBatch?: number;
  readonly pullPage?: number;
  /** Back-off after failures: the first delay, and the longest (default 1 s and 5 min). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** How often to pull while the live socket is down (default 30 s). */
  readonly pollMs?: number;
  readonly onStatus?: (status: SyncStatus) => void;
  readonly onError?: (error: unknown) => void;
  /**
   * After a round pulled events this device did not have: what arrived, and whether it was this device's first pull
   * (a clone, whose thousands of arrivals are not news).
   */
  readonly onArrived?: (arrivals: readonly Arrival[], context: { readonly initial: boolean }) => void;
  /** While pulling: how far this device is (its cursor) of the workspace's head, page by page. */
  readonly onPullProgress?: (done: number, total: number) => void;
}

/** Failures after which the breaker opens: attempts wait for their back-off, whatever asks for them. */
const BREAKER_AFTER = 3;

/**
 * Syncs one data directory with its server workspace: pushes the events not acknowledged yet (in the order they were
 * written, in batches), then pulls from the cursor until the head. A round runs at a time; what asks for one meanwhile
 * (a local commit, a poke, a timer) gets one more after it. Transient failures (the server down, a lost connection,
 * 429/503) back off exponentially with jitter, and after a few the breaker opens so an unreachable server costs
 * nothing until its back-off is over. Everything durable is in the data directory (events, sequences, the cursor),
 * so a crash or kill at any point resumes without losing or repeating anything: pushes are idempotent by event id.
 */
export class SyncClient {
  private round: Promise<SyncReport> | undefined;
  private again = false;
  private failures = 0;
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  /** The live socket's next connection attempt after it closed. */
  private reconnectTimer: NodeJS.Timeout | undefined;
  private socket: LiveConnection | undefined;
  private socketUp = false;
  private stopped = true;
  private readOnly = false;
  private lastSyncAt: string | null = null;
  private lastError: SyncStatus['lastError'] = null;
  private fatal = false;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly blobSync: BlobSync | undefined;

  constructor(private readonly options: SyncClientOptions) {
    this.blobSync = options.blobs ? new BlobSync(options.log, options.blobs, options.transport) : undefined;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.lastSyncAt = options.log.value('last_sync_at') ?? null;
    this.readOnly = options.log.value('read_only') === 'true';
  }

  status(): SyncStatus {
    const link = this.options.log.link();
    const offline = this.lastError?.code === 'unavailable' || (this.failures >= BREAKER_AFTER && this.retryAt > this.now());
    return {
      linked: link !== undefined,
      server: link?.server ?? null,
      workspace: link?.workspace ?? null,
      state: !link ? 'unlinked' : this.round ? 'syncing' : this.fatal ? 'error' : offline ? 'offline' : this.lastError ? 'error' : 'idle',
      live: this.socketUp,
      pending: this.options.log.pendingCount(),
      cursor: link?.cursor ?? 0,
      readOnly: this.readOnly,
      lastSyncAt: this.lastSyncAt,
      lastError: this.lastError,
      retryAt: this.retryAt > this.now() ? new Date(this.retryAt).toISOString() : null,
    };
  }

  /** Syncs now (a person asked): ignores the back-off once, and reports what moved or throws why it could not. */
  async syncNow(): Promise<SyncReport> {
    this.retryAt = 0;
    this.fatal = false;
    return this.runRound();
  }

  /** Stays in sync: the live socket (pokes), polling while it is down, a round whenever something asks. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connectLive();
    this.poller = setInterval(() => {
      if (!this.socketUp) this.request();
    }, this.options.pollMs ?? 30_000);
    this.poller.unref();
    this.request();
  }

  /** Asks for a round soon (local events to push, a poke); coalesced, and held back while the breaker is open. */
  request(delayMs = 10): void {
    if (this.stopped || this.fatal) return;
    const wait = Math.max(delayMs, this.retryAt - this.now());
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runRound().catch(() => undefined); // reported through the status and onError
    }, wait);
    this.timer.unref();
  }

  /** Downloads a document's original from the workspace (resumable, verified); a no-op when it is here. */
  async fetchOriginal(sha256: string, size: number, onProgress?: (progress: BlobProgress) => void): Promise<void> {
    const link = this.options.log.link();
    if (!link || !this.blobSync) throw new CairnError('not_found', 'the original of this document is not on this device, and this data directory does not sync');
    await this.blobSync.fetchOriginal(link.workspace, sha256, size, onProgress);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.poller);
    clearTimeout(this.reconnectTimer);
    this.timer = undefined;
    this.reconnectTimer = undefined;
    this.socket?.close();
    this.socket = undefined;
    this.socketUp = false;
    await this.round?.catch(() => undefined);
  }

  private async runRound(): Promise<SyncReport> {
    if (this.round) {
      this.again = true;
      return this.round;
    }
    this.round = (async () => {
      this.emit();
      try {
        let report = await this.syncRound();
        while (this.again) {
          this.again = false;
          const next = await this.syncRound();
          report = { pushed: report.pushed + next.pushed, pulled: report.pulled + next.pulled, epochChanged: report.epochChanged || next.epochChanged };
        }
        this.succeeded();
        return report;
      } catch (error) {
        this.failed(error);
        throw error;
      }
    })();
    try {
      return await this.round;
    } finally {
      this.round = undefined;
      this.emit();
    }
  }

  /** One round: push everything pending, then pull to the head; a new epoch starts both again from scratch. */
  private async syncRound(): Promise<SyncReport> {
    const log = this.options.log;
    const link = log.link();
    if (!link) throw new CairnError('validation', 'this data directory is not linked to a sync server workspace');
    let pushed = 0;
    let pulled = 0;
    let epochChanged = false;
    for (let attempt = 0; ; attempt++) {
      try {
        // Pull first after an epoch change, so what the server kept is renumbered before the rest is pushed again.
        if (!epochChanged) pushed += await this.pushAll(link.workspace);
        pulled += await this.pullAll(link.workspace);
        if (epochChanged) pushed += await this.pushAll(link.workspace);
        if (!this.readOnly) await this.blobSync?.afterRound(link.workspace);
        return { pushed, pulled, epochChanged };
      } catch (error) {
        if (error instanceof EpochChanged && attempt < 2) {
          log.resetEpoch(error.current);
          epochChanged = true;
          continue;
        }
        throw error;
      }
    }
  }

  private async pushAll(workspace: string): Promise<number> {
    const log = this.options.log;
    let pushed = 0;
    for (let skewRetries = 0; ; ) {
      if (this.readOnly) return pushed;
      const events = log.pending(this.options.pushBatch ?? syncLimits.maxPushEvents);
      if (events.length === 0) return pushed;
      try {
        await this.blobSync?.beforePush(workspace, events);
        const response = await this.options.transport.push(workspace, { clientId: this.options.deviceId, events });
        log.acknowledge(response);
        pushed += events.length;
      } catch (error) {
        if (error instanceof SyncTransportError && error.code === 'forbidden') {
          // A viewer (or a member whose role went down): edits stay on this device; pulling goes on.
          this.readOnly = true;
          log.setValue('read_only', 'true');
          return pushed;
        }
        if (error instanceof SyncTransportError && error.code === 'clock_skew' && skewRetries < 2) {
          const serverTime = Number(error.details?.serverTime);
          if (!Number.isFinite(serverTime)) throw error;
          log.restampPending(serverTime, this.now(), this.options.deviceId);
          skewRetries++;
          continue;
        }
        throw error;
      }
    }
  }

  private async pullAll(workspace: string): Promise<number> {
    const log = this.options.log;
    // A device's very first pull (a clone, or linking to a workspace that has a history): what it brings is not news.
    const initial = log.link()!.cursor === 0 && log.value('last_sync_at') === undefined;
    const arrivals: Arrival[] = [];
    let pulled = 0;
    try {
      for (;;) {
        const cursor = log.link()!.cursor;
        const page = await this.options.transport.pull(workspace, cursor, this.options.pullPage ?? syncLimits.maxPullLimit);
        if (page.head < cursor) {
          // The server has fewer events than this device pulled under the same epoch: it went back without saying so.
          throw new EpochChanged(log.value('epoch') ?? '', page.epoch);
        }
        await this.blobSync?.beforeApply(workspace, page.events);
        const outcome = log.applyPull(page.events, page.epoch);
        arrivals.push(...outcome.arrivals);
        pulled += page.events.length;
        if (page.events.length > 0 && (page.more || pulled > (this.options.pullPage ?? syncLimits.maxPullLimit))) this.options.onPullProgress?.(outcome.cursor, page.head);
        if (!page.more || page.events.length === 0) return pulled;
      }
    } finally {
      // What was applied is news even when a later page failed.
      if (arrivals.length > 0) this.options.onArrived?.(arrivals, { initial });
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = null;
    this.lastSyncAt = new Date(this.now()).toISOString();
    this.options.log.setValue('last_sync_at', this.lastSyncAt);
    if (this.readOnly && this.options.log.pendingCount() === 0) {
      // Nothing waits to be pushed: the next local edit tries again (the role may have changed).
      this.readOnly = false;
      this.options.log.setValue('read_only', 'false');
    }
  }

  private failed(error: unknown): void {
    this.options.onError?.(error);
    const code: ErrorCode = error instanceof CairnError ? error.code : 'internal';
    const message = error instanceof Error ? error.message : String(error);
    const transient = error instanceof SyncTransportError && ['unavailable', 'rate_limited', 'busy'].includes(error.code);
    this.lastError = { code, message, action: actionFor(error) };
    if (!transient) {
      // Retrying cannot help (signed out, a refused event, a misbehaving server): wait for a person or a new start.
      this.fatal = code === 'unauthorized' || code === 'client_too_old' || code === 'server_too_old' || error instanceof ServerMisbehaved;
      if (!this.fatal) this.schedule(error);
      return;
    }
    this.schedule(error);
  }

  private schedule(error: unknown): void {
    this.failures++;
    const base = this.options.retryBaseMs ?? 1_000;
    const max = this.options.retryMaxMs ?? 300_000;
    const delay = Math.min(max, base * 2 ** (this.failures - 1));
    const stated = error instanceof SyncTransportError ? (error.retryAfterMs ?? 0) : 0;
    // Full jitter, so devices that lost the server together do not come back together.
    this.retryAt = this.now() + Math.max(stated, Math.round(delay * (0.5 + this.random() / 2)));
    if (!this.stopped) this.request(this.retryAt - this.now());
  }

  private connectLive(): void {
    this.reconnectTimer = undefined;
    // Stopped first: the host may have closed the data directory since (the link is read from it).
    if (this.stopped) return;
    const link = this.options.log.link();
    const transport = this.options.transport;
    if (!link || !transport.live) return;
    this.socket = transport.live([link.workspace], {
      onOpen: () => {
        if (this.stopped) return;
        this.socketUp = true;
        this.emit();
      },
      onMessage: (message: ServerLiveMessage) => {
        if (this.stopped) return;
        if (message.type === 'welcome') {
          const mine = message.workspaces.find((w) => w.ws === link.workspace);
          if (mine && mine.head !== this.options.log.link()?.cursor) this.request(0);
        } else if (message.type === 'poke' && message.ws === link.workspace && message.head > (this.options.log.link()?.cursor ?? 0)) {
          this.request(0);
        }
      },
      onClose: (code) => {
        this.socketUp = false;
        this.socket = undefined;
        // Closed by stop(): the host may be closing the data directory right after.
        if (this.stopped) return;
        this.emit();
        if (code === 4001) {
          this.lastError = { code: 'unauthorized', message: 'the sync server no longer accepts this device’s sign-in', action: actionFor(new CairnError('unauthorized', '')) };
          this.fatal = true;
          return;
        }
        // Reconnect after a pause that grows with failures; polling covers the gap.
        const wait = Math.min(60_000, 1_000 * 2 ** Math.min(this.failures, 6)) * (0.5 + this.random() / 2);
        this.reconnectTimer = setTimeout(() => this.connectLive(), wait);
        this.reconnectTimer.unref();
      },
    });
  }

  private emit(): void {
    this.options.onStatus?.(this.status());
  }
}

/** What a person should do about a failure. */
export function actionFor(error: unknown): string {
  const code = error instanceof CairnError ? error.code : 'internal';
  if (error instanceof ServerMisbehaved) return 'the server sent something wrong; your data here is untouched. Tell the server’s admin; sync tries again later';
  switch (code) {
    case 'unauthorized':
      return 'sign in again (cairn sync login); your edits are kept and sync when you do';
    case 'forbidden':
      return 'ask a workspace admin for access; your edits stay on this device';
    case 'unavailable':
    case 'busy':
    case 'rate_limited':
      return 'nothing to do: your edits are kept and sync when the server is reachable';
    case 'client_too_old':
      return 'update Cairn to sync with this server';
    case 'server_too_old':
      return 'ask the server’s admin to update it';
    case 'clock_skew':
      return 'set this device’s clock right (automatic time); your edits are kept';
    case 'validation':
    case 'not_found':
    case 'conflict':
    case 'concurrency':
    case 'unsupported':
    case 'too_large':
    case 'read_only':
    case 'storage':
    case 'internal':
      return 'try again; if it persists, report it with the message';
  }
}
