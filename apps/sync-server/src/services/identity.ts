import { randomUUID } from 'node:crypto';
import { CairnError } from '@cairn/core/domain';
import type { Role, TokenInfo } from '@cairn/core/protocol';
import { iso, isoOrNull, type Queryable } from '../db/db.js';
import type { AccessChange } from '../fanout/bus.js';
import type { ServiceContext } from './context.js';
import { newSecret, secretHash } from './secrets.js';

/** Who a request is from: the account and the device of its token, as the server knows them. */
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly serverAdmin: boolean;
  readonly tokenId: string;
  readonly deviceId: string;
  readonly expiresAt: number;
  /** The workspaces the account is a member of, with its role in each. */
  readonly roles: ReadonlyMap<string, Role>;
}

export const roleRank: Readonly<Record<Role, number>> = { viewer: 1, editor: 2, admin: 3, owner: 4 };

const TOKEN_PREFIX = 'cairn';
const tokenPattern = /^cairn_[A-Za-z0-9_-]{43}$/;

interface TokenRow {
  id: string;
  user_id: string;
  device_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  username: string;
  display_name: string;
  server_admin: boolean;
  disabled_at: Date | null;
  roles: [string, Role][];
}

/**
 * Device tokens: opaque 256-bit secrets handed out once and kept only as SHA-256 hashes, one per device, with an
 * expiry; revoking one takes effect at once (every instance drops what it cached, via the bus). An instance caches a
 * token check for `authCacheMs` at most, so a change another process made without telling the bus still takes
 * effect within that.
 */
export class Identity {
  private readonly cache = new Map<string, { principal: Principal; at: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly ctx: ServiceContext) {
    ctx.bus.subscribe({ access: (change) => this.evict(change) });
  }

  /** The principal of an `Authorization: Bearer …` header; `unauthorized` without a valid token. */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (header === undefined || header === '') throw new CairnError('unauthorized', 'this request needs a device token: sign in first');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !tokenPattern.test(match[1]!)) throw new CairnError('unauthorized', 'the Authorization header must be "Bearer <device token>"');
    const key = secretHash(match[1]!).toString('hex');
    const now = this.ctx.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < this.ctx.config.authCacheMs && cached.principal.expiresAt > now) return cached.principal;
    const rows = await this.ctx.db.query<TokenRow>(
      `SELECT t.id, t.user_id, t.device_id, t.expires_at, t.revoked_at, t.last_used_at, u.username, u.display_name, u.server_admin, u.disabled_at,
         (SELECT coalesce(json_agg(json_build_array(m.workspace_id, m.role)), '[]'::json) FROM memberships m WHERE m.user_id = u.id) AS roles
       FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
      [Buffer.from(key, 'hex')],
    );
    const row = rows[0];
    this.cache.delete(key);
    if (!row) throw new CairnError('unauthorized', 'this token is not valid: sign in again');
    if (row.revoked_at) throw new CairnError('unauthorized', 'this token was revoked: sign in again');
    if (row.expires_at.getTime() <= now) throw new CairnError('unauthorized', 'this token has expired: sign in again');
    if (row.disabled_at) throw new CairnError('unauthorized', 'this account is disabled');
    const principal: Principal = {
      userId: row.user_id,
      username: row.username,
      displayName: row.display_name,
      serverAdmin: row.server_admin,
      tokenId: row.id,
      deviceId: row.device_id,
      expiresAt: row.expires_at.getTime(),
      roles: new Map(row.roles),
    };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { principal, at: now });
    this.touch(row.id, row.last_used_at);
    return principal;
  }

  /** Issues a token for a device (replacing the device's earlier one) inside the caller's transaction. */
  async issue(tx: Queryable, userId: string, deviceName: string, deviceId?: string): Promise<{ token: string; tokenId: string; deviceId: string; expiresAt: string; replaced: string[] }> {
    const token = newSecret(TOKEN_PREFIX);
    const id = randomUUID();
    const device = deviceId ?? randomUUID();
    const expiresAt = new Date(this.ctx.now() + this.ctx.config.tokenTtlDays * 86_400_000);
    const replaced = await tx.query<{ id: string }>(
      'UPDATE tokens SET revoked_at = $3 WHERE user_id = $1 AND device_id = $2 AND revoked_at IS NULL RETURNING id',
      [userId, device, new Date(this.ctx.now())],
    );
    await tx.query('INSERT INTO tokens (id, user_id, device_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      id,
      userId,
      device,
      deviceName,
      secretHash(token),
      new Date(this.ctx.now()),
      expiresAt,
    ]);
    return { token, tokenId: id, deviceId: device, expiresAt: expiresAt.toISOString(), replaced: replaced.map((r) => r.id) };
  }

  async list(userId: string, currentTokenId?: string): Promise<TokenInfo[]> {
    const rows = await this.ctx.db.query<{ id: string; device_id: string; name: string; created_at: Date; last_used_at: Date | null; expires_at: Date }>(
      'SELECT id, device_id, name, created_at, last_used_at, expires_at FROM tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at',
      [userId, new Date(this.ctx.now())],
    );
    return rows.map((row) => ({
      id: row.id,
      deviceId: row.device_id,
      name: row.name,
      createdAt: iso(row.created_at),
      lastUsedAt: isoOrNull(row.last_used_at),
      expiresAt: iso(row.expires_at),
      current: row.id === currentTokenId,
    }));
  }

  /** Revokes one token of `userId` (or any user's when `userId` is undefined: the admin CLI). */
  async revoke(tokenId: string, userId?: string): Promise<void> {
    const rows = await this.ctx.db.query<{ id: string }>(
      userId === undefined
        ? 'UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id'
        : 'UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND user_id = $3 AND revoked_at IS NULL RETURNING id',
      userId === undefined ? [tokenId, new Date(this.ctx.now())] : [tokenId, new Date(this.ctx.now()), userId],
    );
    if (rows.length === 0) throw new CairnError('not_found', 'no such token');
    await this.ctx.bus.accessChanged({ tokenIds: [tokenId] });
  }

  /** Revokes every token of an account (disabled, or its password reset). */
  async revokeAll(tx: Queryable, userId: string): Promise<string[]> {
    const rows = await tx.query<{ id: string }>('UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [userId, new Date(this.ctx.now())]);
    return rows.map((r) => r.id);
  }

  /** Which of these tokens are still valid (for open sockets), with each one's current workspace roles. */
  async stillValid(tokenIds: readonly string[]): Promise<Map<string, ReadonlyMap<string, Role>>> {
    if (tokenIds.length === 0) return new Map();
    const rows = await this.ctx.db.query<{ id: string; roles: [string, Role][] }>(
      `SELECT t.id, (SELECT coalesce(json_agg(json_build_array(m.workspace_id, m.role)), '[]'::json) FROM memberships m WHERE m.user_id = t.user_id) AS roles
       FROM tokens t JOIN users u ON u.id = t.user_id
       WHERE t.id = ANY($1::uuid[]) AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled_at IS NULL`,
      [tokenIds, new Date(this.ctx.now())],
    );
    return new Map(rows.map((row) => [row.id, new Map(row.roles)]));
  }

  private evict(change: AccessChange): void {
    const tokens = new Set(change.tokenIds ?? []);
    const users = new Set(change.userIds ?? []);
    for (const [key, { principal }] of this.cache) {
      if (tokens.has(principal.tokenId) || users.has(principal.userId)) this.cache.delete(key);
    }
  }

  /** Records when a token was last used, at most once a minute per token, off the request's path. */
  private touch(tokenId: string, lastUsed: Date | null): void {
    const now = this.ctx.now();
    const last = Math.max(this.touched.get(tokenId) ?? 0, lastUsed?.getTime() ?? 0);
    if (now - last < 60_000) return;
    this.touched.set(tokenId, now);
    if (this.touched.size > 10_000) this.touched.clear();
    this.ctx.db.query('UPDATE tokens SET last_used_at = $2 WHERE id = $1', [tokenId, new Date(now)]).catch((error: unknown) => this.ctx.log.debug({ err: error }, 'could not record token use'));
  }
}

/** Throws `forbidden` unless the principal has at least `minimum` in the workspace. The same answer whether or not it exists. */
export function requireRole(principal: Principal, workspaceId: string, minimum: Role): Role {
  const role = principal.roles.get(workspaceId);
  if (!role) throw new CairnError('forbidden', 'you are not a member of this workspace');
  if (roleRank[role] < roleRank[minimum]) {
    throw new CairnError('forbidden', minimum === 'editor' ? `a ${role} can read this workspace but not change it` : `this needs the ${minimum} role or higher; you are ${role === 'admin' ? 'an' : 'a'} ${role}`);
  }
  return role;
}
