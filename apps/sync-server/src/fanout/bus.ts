import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db.js';
import type { Logger } from '../ops/logger.js';

export interface HeadChange {
  readonly ws: string;
  readonly head: number;
  readonly epoch: string;
}

/** Who may have lost access: their caches are dropped and their open sockets checked again at once. */
export interface AccessChange {
  readonly tokenIds?: readonly string[];
  readonly userIds?: readonly string[];
}

export interface BusHandlers {
  /** New heads, coalesced (from this instance or another). */
  heads?: (changes: readonly HeadChange[]) => void;
  access?: (change: AccessChange) => void;
  /** Notifications stored by a projection, by id. */
  notifications?: (ids: readonly string[]) => void;
  /** A read view advanced in a workspace (view caches drop its pages). */
  views?: (workspaceIds: readonly string[]) => void;
}

type Message =
  | { readonly from: string; readonly kind: 'heads'; readonly heads: readonly HeadChange[] }
  | { readonly from: string; readonly kind: 'access'; readonly change: AccessChange }
  | { readonly from: string; readonly kind: 'notifications'; readonly ids: readonly string[] }
  | { readonly from: string; readonly kind: 'views'; readonly workspaceIds: readonly string[] };

/** Postgres refuses NOTIFY payloads of 8,000 bytes or more; messages are split well below that. */
const MAX_PAYLOAD = 7_000;

/**
 * Fans changes out to every instance with Postgres LISTEN/NOTIFY (in-process with PGlite, through the same calls).
 * NOTIFY is never issued inside a push transaction — a committing transaction that notifies takes a
 * database-wide lock — but after commit, and heads are coalesced: at most one NOTIFY per instance every
 * `coalesceMs`, carrying every workspace's newest head (the first after a quiet spell without waiting). This instance's own subscribers hear its changes directly.
 */
export class Bus {
  readonly instanceId = randomUUID();
  private readonly handlers: BusHandlers[] = [];
  private readonly pendingHeads = new Map<string, HeadChange>();
  private flushTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private closed = false;
  private lastFlush = 0;
  private readonly channel: string;

  constructor(
    private readonly db: Db,
    namespace: string,
    private readonly log: Logger,
    private readonly coalesceMs = 25,
  ) {
    this.channel = `${namespace}_bus`;
  }

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(this.channel, (payload) => this.receive(payload));
  }

  subscribe(handlers: BusHandlers): void {
    this.handlers.push(handlers);
  }

  /**
   * A push committed: tell sockets everywhere with the newest head. The first change after a quiet spell goes out at
   * once (the next turn of the event loop); later ones wait for the window to pass and go out together.
   */
  headChanged(change: HeadChange): void {
    const known = this.pendingHeads.get(change.ws);
    if (!known || known.head < change.head || known.epoch !== change.epoch) this.pendingHeads.set(change.ws, change);
    if (this.flushTimer || this.closed) return;
    const wait = Math.max(0, this.lastFlush + this.coalesceMs - Date.now());
    this.flushTimer = setTimeout(() => void this.flushHeads(), wait);
  }

  async accessChanged(change: AccessChange): Promise<void> {
    this.deliver({ from: this.instanceId, kind: 'access', change });
    await this.publish({ from: this.instanceId, kind: 'access', change });
  }

  async notificationsCreated(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    this.deliver({ from: this.instanceId, kind: 'notifications', ids });
    for (let i = 0; i < ids.length; i += 100) await this.publish({ from: this.instanceId, kind: 'notifications', ids: ids.slice(i, i + 100) });
  }

  async viewsAdvanced(workspaceIds: readonly string[]): Promise<void> {
    if (workspaceIds.length === 0) return;
    this.deliver({ from: this.instanceId, kind: 'views', workspaceIds });
    await this.publish({ from: this.instanceId, kind: 'views', workspaceIds });
  }

  /** Sends what is pending now (shutdown, tests). */
  async flush(): Promise<void> {
    await this.flushHeads();
  }

  async close(): Promise<void> {
    await this.flushHeads();
    this.closed = true;
    clearTimeout(this.flushTimer);
    await this.unlisten?.().catch(() => undefined);
  }

  private async flushHeads(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingHeads.size === 0) return;
    this.lastFlush = Date.now();
    const heads = [...this.pendingHeads.values()];
    this.pendingHeads.clear();
    this.deliver({ from: this.instanceId, kind: 'heads', heads });
    let batch: HeadChange[] = [];
    let size = 0;
    for (const head of heads) {
      const bytes = head.ws.length + 80;
      if (size + bytes > MAX_PAYLOAD && batch.length > 0) {
        await this.publish({ from: this.instanceId, kind: 'heads', heads: batch });
        batch = [];
        size = 0;
      }
      batch.push(head);
      size += bytes;
    }
    if (batch.length > 0) await this.publish({ from: this.instanceId, kind: 'heads', heads: batch });
  }

  private async publish(message: Message): Promise<void> {
    try {
      await this.db.notify(this.channel, JSON.stringify(message));
    } catch (error) {
      // Other instances miss this one change; their periodic checks (projection runs, socket sweeps) catch up.
      this.log.warn({ err: error, kind: message.kind }, 'could not notify other instances');
    }
  }

  private receive(payload: string): void {
    let message: Message;
    try {
      message = JSON.parse(payload) as Message;
    } catch {
      this.log.warn('ignored a malformed bus message');
      return;
    }
    if (message.from === this.instanceId) return;
    this.deliver(message);
  }

  private deliver(message: Message): void {
    for (const handlers of this.handlers) {
      try {
        switch (message.kind) {
          case 'heads':
            handlers.heads?.(message.heads);
            break;
          case 'access':
            handlers.access?.(message.change);
            break;
          case 'notifications':
            handlers.notifications?.(message.ids);
            break;
          case 'views':
            handlers.views?.(message.workspaceIds);
            break;
        }
      } catch (error) {
        this.log.error({ err: error, kind: message.kind }, 'a bus handler failed');
      }
    }
  }
}
