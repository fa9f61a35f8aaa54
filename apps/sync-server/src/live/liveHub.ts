import { clientLiveMessageSchema, liveCloseCodes, PROTOCOL_VERSION, type Notification, type Role, type ServerLiveMessage } from '@cairn/core/protocol';
import { iso } from '../db/db.js';
import type { AccessChange, HeadChange } from '../fanout/bus.js';
import type { ServiceContext } from '../services/context.js';
import type { Identity, Principal } from '../services/identity.js';

/** All the hub needs of a socket (a `ws` WebSocket in the server, an in-memory pair in tests). */
export interface LiveSocket {
  isOpen(): boolean;
  send(text: string): void;
  close(code: number, reason: string): void;
}

interface Connection {
  readonly socket: LiveSocket;
  readonly principal: Principal;
  /** The workspaces this socket asked for (undefined: all the account's). */
  readonly only: ReadonlySet<string> | undefined;
  /** The workspaces it is told about, with the role: updated when access changes. */
  roles: ReadonlyMap<string, Role>;
  tokens: number;
  refilledAt: number;
  /** Messages held back until the welcome is sent (a poke may come while its query runs). */
  queued: string[] | undefined;
}

/** Kinds a member is not told about when they caused it themselves. */
const notForTheActor = new Set(['entry_changed', 'document_processed', 'document_failed']);

/**
 * The live sockets of this instance: pokes (`{ws, head}`, no event data) and notifications, to members only;
 * per-connection frame rate limits; sockets of revoked tokens, disabled accounts or removed members closed as soon as
 * the bus says so (and by a sweep every few seconds for anything another process changed without telling it).
 */
export class LiveHub {
  private readonly connections = new Set<Connection>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly identity: Identity,
  ) {
    ctx.bus.subscribe({
      heads: (heads) => this.poke(heads),
      access: (change) => void this.recheck(change),
      notifications: (ids) => void this.deliverNotifications(ids),
    });
  }

  start(sweepMs = 5_000): void {
    this.sweepTimer = setInterval(() => void this.recheck(undefined), sweepMs);
    this.sweepTimer.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** Takes a new authenticated socket: sends the welcome with its workspaces' heads. */
  async connect(socket: LiveSocket, principal: Principal, only: readonly string[] | undefined): Promise<(raw: string | Buffer, isBinary: boolean) => void> {
    const roles = filterRoles(principal.roles, only ? new Set(only) : undefined);
    const connection: Connection = { socket, principal, only: only ? new Set(only) : undefined, roles, tokens: this.burst(), refilledAt: this.ctx.now(), queued: [] };
    this.connections.add(connection);
    this.ctx.metrics.sockets.set(this.connections.size);
    const ids = [...roles.keys()];
    const heads = ids.length === 0 ? [] : await this.ctx.db.query<{ ws: string; head: number; epoch: string }>(
      'SELECT h.workspace_id AS ws, h.head, w.epoch FROM workspace_heads h JOIN workspaces w ON w.id = h.workspace_id WHERE h.workspace_id = ANY($1::text[]) ORDER BY h.workspace_id',
      [ids],
    );
    const queued = connection.queued ?? [];
    connection.queued = undefined;
    this.send(connection, {
      type: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      userId: principal.userId,
      heartbeatMs: this.ctx.config.heartbeatMs,
      workspaces: heads.map((h) => ({ ws: h.ws, head: h.head, epoch: h.epoch, role: roles.get(h.ws)! })),
    });
    for (const text of queued) if (socket.isOpen()) socket.send(text);
    return (raw, isBinary) => this.receive(connection, raw, isBinary);
  }

  disconnected(socket: LiveSocket): void {
    for (const connection of this.connections) if (connection.socket === socket) this.connections.delete(connection);
    this.ctx.metrics.sockets.set(this.connections.size);
  }

  /** Closes every socket with a reconnect hint (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const connection of this.connections) connection.socket.close(code, reason);
    this.connections.clear();
    this.ctx.metrics.sockets.set(0);
  }

  stop(): void {
    clearInterval(this.sweepTimer);
  }

  private receive(connection: Connection, raw: string | Buffer, isBinary: boolean): void {
    if (!this.take(connection)) {
      this.drop(connection, liveCloseCodes.rateLimited, `more than ${this.ctx.config.wsFramesPerSecond} frames a second`);
      return;
    }
    if (isBinary) {
      this.drop(connection, liveCloseCodes.protocolError, 'binary frames are not part of the protocol');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString());
    } catch {
      this.drop(connection, liveCloseCodes.protocolError, 'a frame was not JSON');
      return;
    }
    const message = clientLiveMessageSchema.safeParse(parsed);
    if (!message.success) {
      this.drop(connection, liveCloseCodes.protocolError, 'a frame was not a client message of the protocol');
      return;
    }
    switch (message.data.type) {
      case 'ping':
        this.send(connection, message.data.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.data.id });
        break;
    }
  }

  private poke(heads: readonly HeadChange[]): void {
    const texts = heads.map((head) => [head.ws, JSON.stringify({ type: 'poke', ws: head.ws, head: head.head, epoch: head.epoch } satisfies ServerLiveMessage)] as const);
    let sent = 0;
    for (const connection of this.connections) {
      for (const [ws, text] of texts) {
        if (!connection.roles.has(ws)) continue;
        this.sendText(connection, text);
        sent++;
      }
    }
    if (sent > 0) this.ctx.metrics.pokes.inc(sent);
  }

  private async deliverNotifications(ids: readonly string[]): Promise<void> {
    if (this.connections.size === 0) return;
    try {
      const rows = await this.ctx.db.query<{ id: string; workspace_id: string; kind: Notification['kind']; entry_id: string | null; title: string | null; by_user: string | null; by_device: string | null; details: Record<string, unknown>; created_at: Date }>(
        'SELECT id, workspace_id, kind, entry_id, title, by_user, by_device, details, created_at FROM notifications WHERE id = ANY($1::uuid[]) ORDER BY created_at, id',
        [ids],
      );
      for (const row of rows) {
        const notification: Notification = {
          type: 'notification',
          id: row.id,
          ws: row.workspace_id,
          kind: row.kind,
          at: iso(row.created_at),
          by: row.by_user ? { userId: row.by_user, deviceId: row.by_device } : null,
          entryId: row.entry_id,
          title: row.title,
          details: row.details,
        };
        for (const connection of this.connections) {
          if (!connection.roles.has(row.workspace_id)) continue;
          if (notForTheActor.has(row.kind) && row.by_user === connection.principal.userId) continue;
          this.send(connection, notification);
        }
      }
    } catch (error) {
      this.ctx.log.warn({ err: error }, 'could not deliver notifications to live sockets');
    }
  }

  /**
   * Checks the sockets an access change may concern (all of them when `change` is undefined) against the database:
   * a revoked or expired token or a disabled account closes its sockets; a workspace the account left closes the
   * sockets that served it.
   */
  private async recheck(change: AccessChange | undefined): Promise<void> {
    const tokens = new Set(change?.tokenIds ?? []);
    const users = new Set(change?.userIds ?? []);
    const concerned = [...this.connections].filter((c) => !change || tokens.has(c.principal.tokenId) || users.has(c.principal.userId));
    if (concerned.length === 0) return;
    let valid: Map<string, ReadonlyMap<string, Role>>;
    try {
      valid = await this.identity.stillValid([...new Set(concerned.map((c) => c.principal.tokenId))]);
    } catch (error) {
      this.ctx.log.warn({ err: error }, 'could not check live sockets against the database; retrying at the next sweep');
      return;
    }
    for (const connection of concerned) {
      if (!this.connections.has(connection)) continue;
      const roles = valid.get(connection.principal.tokenId);
      if (!roles) {
        this.drop(connection, liveCloseCodes.unauthorized, 'this token is no longer valid: sign in again');
        continue;
      }
      const now = filterRoles(roles, connection.only);
      const lost = [...connection.roles.keys()].filter((ws) => !now.has(ws));
      if (lost.length > 0) {
        this.drop(connection, liveCloseCodes.policyViolation, 'your membership changed: reconnect');
        continue;
      }
      connection.roles = now;
    }
  }

  private send(connection: Connection, message: ServerLiveMessage): void {
    this.sendText(connection, JSON.stringify(message));
  }

  private sendText(connection: Connection, text: string): void {
    if (connection.queued) connection.queued.push(text);
    else if (connection.socket.isOpen()) connection.socket.send(text);
  }

  private drop(connection: Connection, code: number, reason: string): void {
    this.connections.delete(connection);
    this.ctx.metrics.sockets.set(this.connections.size);
    connection.socket.close(code, reason);
  }

  private burst(): number {
    return this.ctx.config.wsFramesPerSecond * 2;
  }

  /** A token bucket per connection: `wsFramesPerSecond`, bursts of twice that. */
  private take(connection: Connection): boolean {
    const now = this.ctx.now();
    const rate = this.ctx.config.wsFramesPerSecond;
    connection.tokens = Math.min(this.burst(), connection.tokens + ((now - connection.refilledAt) / 1000) * rate);
    connection.refilledAt = now;
    if (connection.tokens < 1) return false;
    connection.tokens -= 1;
    return true;
  }
}

function filterRoles(roles: ReadonlyMap<string, Role>, only: ReadonlySet<string> | undefined): ReadonlyMap<string, Role> {
  if (!only) return roles;
  return new Map([...roles].filter(([ws]) => only.has(ws)));
}
