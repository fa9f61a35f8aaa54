import { randomUUID } from 'node:crypto';
import { CairnError } from '@cairn/core/domain';
import type { SignInResponse, User } from '@cairn/core/protocol';
import type { Queryable } from '../db/db.js';
import type { ServiceContext } from './context.js';
import type { Identity } from './identity.js';
import { dummyPasswordHash, hashPassword, newSecret, secretHash, verifyPassword } from './secrets.js';
import type { Workspaces } from './workspaces.js';

export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly displayName?: string | undefined;
  readonly email?: string | undefined;
  readonly serverAdmin?: boolean;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  server_admin: boolean;
  password_hash: string;
  disabled_at: Date | null;
}

/** Sign-in throttling: failures per account and per address within a window, then a growing block. */
export const signInLimits = {
  windowMs: 15 * 60_000,
  accountFailures: 5,
  addressFailures: 20,
  firstBlockMs: 30_000,
  maxBlockMs: 15 * 60_000,
} as const;

export function toUser(row: Pick<UserRow, 'id' | 'username' | 'display_name' | 'email' | 'server_admin'>): User {
  return { id: row.id, username: row.username, displayName: row.display_name, email: row.email, serverAdmin: row.server_admin };
}

/**
 * Accounts: sign-up (open, by invitation, or closed, by config), sign-in with scrypt-hashed passwords, throttled
 * per account and per address (counted in the database, so the limit holds across instances), and the admin's
 * operations. Until the first account exists, a setup code printed at start lets one person create it, as the
 * server's admin.
 */
export class Accounts {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly identity: Identity,
    private readonly workspaces: Workspaces,
  ) {}

  /** A fresh setup code when there is no account yet (the server prints it); undefined otherwise. */
  async setupCode(): Promise<string | undefined> {
    return this.ctx.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.ctx.config.namespace}:setup`]);
      const users = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
      if (users[0]!.n > 0) {
        await tx.query('DELETE FROM setup_codes');
        return undefined;
      }
      const code = newSecret('setup');
      await tx.query('DELETE FROM setup_codes');
      await tx.query('INSERT INTO setup_codes (code_hash) VALUES ($1)', [secretHash(code)]);
      return code;
    });
  }

  async create(tx: Queryable, user: NewUser): Promise<User> {
    const existing = await tx.query('SELECT 1 FROM users WHERE username = $1 OR ($2::text IS NOT NULL AND lower(email) = lower($2::text))', [user.username, user.email ?? null]);
    if (existing.length > 0) throw new CairnError('conflict', 'that username or e-mail address is taken');
    const id = randomUUID();
    const rows = await tx.query<UserRow>(
      `INSERT INTO users (id, username, display_name, email, password_hash, server_admin, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, username, display_name, email, server_admin, password_hash, disabled_at`,
      [id, user.username, user.displayName ?? user.username, user.email ?? null, await hashPassword(user.password), user.serverAdmin === true, new Date(this.ctx.now())],
    );
    return toUser(rows[0]!);
  }

  /** `POST /v1/auth/signup`: an account (and with an invitation code, membership of its workspace). */
  async signUp(input: NewUser & { invitation?: string | undefined }): Promise<User> {
    const mode = this.ctx.config.signUp;
    const user = await this.ctx.db.transaction(async (tx) => {
      if (input.invitation?.startsWith('setup_')) {
        const used = await tx.query('DELETE FROM setup_codes WHERE code_hash = $1 RETURNING 1', [secretHash(input.invitation)]);
        if (used.length === 0) throw new CairnError('forbidden', 'this setup code is not valid (the first account exists already, or the server restarted with a new code)');
        return this.create(tx, { ...input, serverAdmin: true });
      }
      if (input.invitation !== undefined) {
        if (mode === 'closed') throw new CairnError('forbidden', 'this server does not take sign-ups: ask its admin for an account');
        const created = await this.create(tx, input);
        await this.workspaces.redeem(tx, created.id, input.invitation);
        return created;
      }
      if (mode !== 'open') throw new CairnError('forbidden', mode === 'invite' ? 'signing up here needs an invitation code' : 'this server does not take sign-ups: ask its admin for an account');
      return this.create(tx, input);
    });
    this.ctx.log.info({ userId: user.id }, 'account created');
    return user;
  }

  /** `POST /v1/auth/signin`: a token for this device, after the throttle and a constant-time password check. */
  async signIn(input: { username: string; password: string; deviceName: string; deviceId?: string | undefined }, address: string): Promise<SignInResponse> {
    const name = input.username.toLowerCase();
    const keys = [`account:${name}`, `address:${address}`];
    await this.checkThrottle(keys);
    const rows = await this.ctx.db.query<UserRow>(
      'SELECT id, username, display_name, email, server_admin, password_hash, disabled_at FROM users WHERE username = $1 OR lower(email) = $1',
      [name],
    );
    const row = rows[0];
    const ok = await verifyPassword(input.password, row?.password_hash ?? (await dummyPasswordHash()));
    if (!row || !ok) {
      await this.recordFailure(keys);
      throw new CairnError('unauthorized', 'wrong username or password');
    }
    if (row.disabled_at) throw new CairnError('forbidden', 'this account is disabled: ask the server admin');
    const issued = await this.ctx.db.transaction(async (tx) => {
      await tx.query('DELETE FROM signin_failures WHERE key = $1', [keys[0]]);
      return this.identity.issue(tx, row.id, input.deviceName, input.deviceId);
    });
    if (issued.replaced.length > 0) await this.ctx.bus.accessChanged({ tokenIds: issued.replaced });
    this.ctx.log.info({ userId: row.id, tokenId: issued.tokenId, deviceId: issued.deviceId }, 'signed in');
    return { token: issued.token, tokenId: issued.tokenId, deviceId: issued.deviceId, expiresAt: issued.expiresAt, user: toUser(row) };
  }

  async get(userId: string): Promise<User> {
    const rows = await this.ctx.db.query<UserRow>('SELECT id, username, display_name, email, server_admin FROM users WHERE id = $1', [userId]);
    if (!rows[0]) throw new CairnError('not_found', 'no such account');
    return toUser(rows[0]);
  }

  async list(): Promise<(User & { disabled: boolean; createdAt: string })[]> {
    const rows = await this.ctx.db.query<UserRow & { created_at: Date }>('SELECT id, username, display_name, email, server_admin, disabled_at, created_at FROM users ORDER BY username');
    return rows.map((row) => ({ ...toUser(row), disabled: row.disabled_at !== null, createdAt: row.created_at.toISOString() }));
  }

  /** Disables an account: its tokens are revoked and its open sockets closed. */
  async disable(username: string): Promise<void> {
    const userId = await this.ctx.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>('UPDATE users SET disabled_at = $2 WHERE username = $1 AND disabled_at IS NULL RETURNING id', [username, new Date(this.ctx.now())]);
      if (!rows[0]) throw new CairnError('not_found', `no enabled account named ${username}`);
      await this.identity.revokeAll(tx, rows[0].id);
      return rows[0].id;
    });
    await this.ctx.bus.accessChanged({ userIds: [userId] });
  }

  async enable(username: string): Promise<void> {
    const rows = await this.ctx.db.query('UPDATE users SET disabled_at = NULL WHERE username = $1 RETURNING id', [username]);
    if (rows.length === 0) throw new CairnError('not_found', `no account named ${username}`);
  }

  /** Sets a new password; every device must sign in again. */
  async resetPassword(username: string, password: string): Promise<void> {
    const hash = await hashPassword(password);
    const userId = await this.ctx.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>('UPDATE users SET password_hash = $2 WHERE username = $1 RETURNING id', [username, hash]);
      if (!rows[0]) throw new CairnError('not_found', `no account named ${username}`);
      await this.identity.revokeAll(tx, rows[0].id);
      await tx.query('DELETE FROM signin_failures WHERE key = $1', [`account:${username}`]);
      return rows[0].id;
    });
    await this.ctx.bus.accessChanged({ userIds: [userId] });
  }

  async setDigest(userId: string, digest: boolean): Promise<void> {
    await this.ctx.db.query('UPDATE users SET digest = $2 WHERE id = $1', [userId, digest]);
  }

  private async checkThrottle(keys: readonly string[]): Promise<void> {
    const rows = await this.ctx.db.query<{ blocked_until: Date | null }>('SELECT blocked_until FROM signin_failures WHERE key = ANY($1::text[]) AND blocked_until > $2', [
      keys,
      new Date(this.ctx.now()),
    ]);
    const until = Math.max(0, ...rows.map((row) => row.blocked_until?.getTime() ?? 0));
    if (until > 0) {
      throw new CairnError('rate_limited', 'too many failed sign-ins: wait before trying again', { retryAfterSeconds: Math.max(1, Math.ceil((until - this.ctx.now()) / 1000)) });
    }
  }

  private async recordFailure(keys: readonly string[]): Promise<void> {
    const now = this.ctx.now();
    await this.ctx.db.transaction(async (tx) => {
      for (const key of keys) {
        const limit = key.startsWith('account:') ? signInLimits.accountFailures : signInLimits.addressFailures;
        const rows = await tx.query<{ window_start: Date; failures: number }>('SELECT window_start, failures FROM signin_failures WHERE key = $1 FOR UPDATE', [key]);
        const fresh = !rows[0] || now - rows[0].window_start.getTime() > signInLimits.windowMs;
        const failures = fresh ? 1 : rows[0]!.failures + 1;
        const over = failures - limit;
        const blockedUntil = over >= 0 ? new Date(now + Math.min(signInLimits.maxBlockMs, signInLimits.firstBlockMs * 2 ** over)) : null;
        await tx.query(
          `INSERT INTO signin_failures (key, window_start, failures, blocked_until) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, failures = excluded.failures, blocked_until = excluded.blocked_until`,
          [key, fresh ? new Date(now) : rows[0]!.window_start, failures, blockedUntil],
        );
      }
    });
  }
}
