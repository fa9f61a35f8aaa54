import { randomUUID } from 'node:crypto';
import { CairnError } from '@cairn/core/domain';
import type { Role, Workspace } from '@cairn/core/protocol';
import { iso, isoOrNull, pgCode, pgCodes, type Queryable } from '../db/db.js';
import type { ServiceContext } from './context.js';
import { requireRole, roleRank, type Principal } from './identity.js';
import { newSecret, secretHash } from './secrets.js';

/** Membership changes, as the audit log records them (the members view and notifications fold them). */
export const auditKinds = ['member_joined', 'role_changed', 'member_left'] as const;
export type AuditKind = (typeof auditKinds)[number];

export interface Invitation {
  readonly id: string;
  readonly workspaceId: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt: string | null;
  readonly email: string | null;
  readonly code?: string;
}

export interface MemberInfo {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly joinedAt: string;
}

/**
 * Workspaces and who may do what in them. Roles: an owner does everything; an admin manages members (below owner),
 * invitations and webhooks; an editor pushes; a viewer only reads. Every membership change is written to the audit
 * log in its transaction, and after commit the bus tells every instance, so a removed member's sockets close at once.
 */
export class Workspaces {
  /** Called with an invitation that names an e-mail address (the mailer sends it). */
  onInvitation: ((invitation: Invitation & { code: string; workspaceName: string; invitedBy: string }) => Promise<boolean>) | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  async create(principal: Pick<Principal, 'userId'>, id: string, name: string): Promise<Workspace> {
    const epoch = randomUUID();
    const now = new Date(this.ctx.now());
    try {
      await this.ctx.db.transaction(async (tx) => {
        await tx.query('INSERT INTO workspaces (id, name, epoch, created_at, created_by) VALUES ($1, $2, $3, $4, $5)', [id, name, epoch, now, principal.userId]);
        await tx.query('INSERT INTO workspace_heads (workspace_id) VALUES ($1)', [id]);
        await tx.query('INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)', [id, principal.userId, 'owner', now]);
        await this.audit(tx, id, 'member_joined', principal.userId, 'owner', principal.userId);
      });
    } catch (error) {
      if (pgCode((error as { cause?: unknown }).cause) === pgCodes.uniqueViolation) {
        throw new CairnError('conflict', `a workspace named ${id} exists already: choose another id`);
      }
      throw error;
    }
    await this.ctx.bus.accessChanged({ userIds: [principal.userId] });
    return { id, name, role: 'owner', epoch, head: 0, createdAt: now.toISOString() };
  }

  async list(principal: Pick<Principal, 'userId'>): Promise<Workspace[]> {
    const rows = await this.ctx.db.query<{ id: string; name: string; role: Role; epoch: string; head: number; created_at: Date }>(
      `SELECT w.id, w.name, m.role, w.epoch, h.head, w.created_at FROM memberships m JOIN workspaces w ON w.id = m.workspace_id JOIN workspace_heads h ON h.workspace_id = w.id
       WHERE m.user_id = $1 ORDER BY w.id`,
      [principal.userId],
    );
    return rows.map((row) => ({ id: row.id, name: row.name, role: row.role, epoch: row.epoch, head: row.head, createdAt: iso(row.created_at) }));
  }

  async get(principal: Principal, id: string): Promise<Workspace> {
    const role = requireRole(principal, id, 'viewer');
    const rows = await this.ctx.db.query<{ name: string; epoch: string; head: number; created_at: Date }>(
      'SELECT w.name, w.epoch, h.head, w.created_at FROM workspaces w JOIN workspace_heads h ON h.workspace_id = w.id WHERE w.id = $1',
      [id],
    );
    if (!rows[0]) throw new CairnError('forbidden', 'you are not a member of this workspace');
    return { id, name: rows[0].name, role, epoch: rows[0].epoch, head: rows[0].head, createdAt: iso(rows[0].created_at) };
  }

  /** Every workspace (admin CLI). */
  async all(): Promise<{ id: string; name: string; members: number; head: number; epoch: string; createdAt: string }[]> {
    const rows = await this.ctx.db.query<{ id: string; name: string; members: number; head: number; epoch: string; created_at: Date }>(
      `SELECT w.id, w.name, (SELECT count(*)::int FROM memberships m WHERE m.workspace_id = w.id) AS members, h.head, w.epoch, w.created_at
       FROM workspaces w JOIN workspace_heads h ON h.workspace_id = w.id ORDER BY w.id`,
    );
    return rows.map((row) => ({ id: row.id, name: row.name, members: row.members, head: row.head, epoch: row.epoch, createdAt: iso(row.created_at) }));
  }

  async members(workspaceId: string): Promise<MemberInfo[]> {
    const rows = await this.ctx.db.query<{ user_id: string; username: string; display_name: string; role: Role; joined_at: Date }>(
      `SELECT m.user_id, u.username, u.display_name, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.username`,
      [workspaceId],
    );
    return rows.map((row) => ({ userId: row.user_id, username: row.username, displayName: row.display_name, role: row.role, joinedAt: iso(row.joined_at) }));
  }

  async createInvitation(principal: Principal, workspaceId: string, role: Exclude<Role, 'owner'>, expiresInHours: number, email?: string): Promise<Invitation & { code: string; emailed: boolean }> {
    const mine = requireRole(principal, workspaceId, 'admin');
    if (roleRank[role] > roleRank[mine]) throw new CairnError('forbidden', `an ${mine} cannot invite an ${role}`);
    const code = newSecret('invite');
    const id = randomUUID();
    const now = this.ctx.now();
    const expiresAt = new Date(now + expiresInHours * 3_600_000);
    await this.ctx.db.query('INSERT INTO invitations (id, workspace_id, code_hash, role, email, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      id,
      workspaceId,
      secretHash(code),
      role,
      email ?? null,
      principal.userId,
      new Date(now),
      expiresAt,
    ]);
    const invitation = { id, workspaceId, role, createdAt: new Date(now).toISOString(), expiresAt: expiresAt.toISOString(), usedAt: null, email: email ?? null, code };
    let emailed = false;
    if (email && this.onInvitation) {
      const names = await this.ctx.db.query<{ name: string }>('SELECT name FROM workspaces WHERE id = $1', [workspaceId]);
      emailed = await this.onInvitation({ ...invitation, workspaceName: names[0]?.name ?? workspaceId, invitedBy: principal.displayName });
    }
    return { ...invitation, emailed };
  }

  async listInvitations(principal: Principal, workspaceId: string): Promise<Invitation[]> {
    requireRole(principal, workspaceId, 'admin');
    const rows = await this.ctx.db.query<{ id: string; role: Role; created_at: Date; expires_at: Date; used_at: Date | null; email: string | null }>(
      'SELECT id, role, created_at, expires_at, used_at, email FROM invitations WHERE workspace_id = $1 ORDER BY created_at DESC LIMIT 200',
      [workspaceId],
    );
    return rows.map((row) => ({ id: row.id, workspaceId, role: row.role, createdAt: iso(row.created_at), expiresAt: iso(row.expires_at), usedAt: isoOrNull(row.used_at), email: row.email }));
  }

  async revokeInvitation(principal: Principal, workspaceId: string, invitationId: string): Promise<void> {
    requireRole(principal, workspaceId, 'admin');
    const rows = await this.ctx.db.query('UPDATE invitations SET expires_at = least(expires_at, $3) WHERE id = $1 AND workspace_id = $2 AND used_at IS NULL RETURNING 1', [
      invitationId,
      workspaceId,
      new Date(this.ctx.now()),
    ]);
    if (rows.length === 0) throw new CairnError('not_found', 'no open invitation with that id');
  }

  /** `POST /v1/invitations/accept`: joins the invitation's workspace with its role. */
  async accept(principal: Principal, code: string): Promise<{ workspaceId: string; role: Role }> {
    const joined = await this.ctx.db.transaction((tx) => this.redeem(tx, principal.userId, code));
    await this.ctx.bus.accessChanged({ userIds: [principal.userId] });
    return joined;
  }

  /** Uses an invitation code inside the caller's transaction (sign-up with a code, or accept). */
  async redeem(tx: Queryable, userId: string, code: string): Promise<{ workspaceId: string; role: Role }> {
    const now = new Date(this.ctx.now());
    const rows = await tx.query<{ id: string; workspace_id: string; role: Role }>(
      'UPDATE invitations SET used_at = $2, used_by = $3 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING id, workspace_id, role',
      [secretHash(code), now, userId],
    );
    const invitation = rows[0];
    if (!invitation) throw new CairnError('forbidden', 'this invitation code is not valid: it may have expired or been used already');
    const existing = await tx.query<{ role: Role }>('SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2', [invitation.workspace_id, userId]);
    if (existing[0]) throw new CairnError('conflict', `you are already a member of this workspace (as ${existing[0].role})`);
    await tx.query('INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)', [invitation.workspace_id, userId, invitation.role, now]);
    await this.audit(tx, invitation.workspace_id, 'member_joined', userId, invitation.role, userId);
    return { workspaceId: invitation.workspace_id, role: invitation.role };
  }

  /** Adds an account directly (admin CLI). */
  async addMember(workspaceId: string, userId: string, role: Role): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const exists = await tx.query('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId]);
      if (exists.length === 0) throw new CairnError('not_found', `no workspace ${workspaceId}`);
      const rows = await tx.query('INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1', [
        workspaceId,
        userId,
        role,
        new Date(this.ctx.now()),
      ]);
      if (rows.length === 0) throw new CairnError('conflict', 'that account is a member already');
      await this.audit(tx, workspaceId, 'member_joined', userId, role, null);
    });
    await this.ctx.bus.accessChanged({ userIds: [userId] });
  }

  /**
   * Changes a member's role. An owner changes anyone's; an admin changes editors' and viewers' (up to admin). The
   * last owner cannot step down. `principal` undefined: the admin CLI.
   */
  async changeRole(principal: Principal | undefined, workspaceId: string, userId: string, role: Role): Promise<void> {
    const mine = principal ? requireRole(principal, workspaceId, 'admin') : 'owner';
    await this.ctx.db.transaction(async (tx) => {
      const current = await this.lockMember(tx, workspaceId, userId);
      if (mine !== 'owner' && (current === 'owner' || roleRank[role] > roleRank[mine])) throw new CairnError('forbidden', 'only an owner can change an owner, or make one');
      if (current === role) return;
      if (current === 'owner') await this.requireAnotherOwner(tx, workspaceId, userId);
      await tx.query('UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2', [workspaceId, userId, role]);
      await this.audit(tx, workspaceId, 'role_changed', userId, role, principal?.userId ?? null);
    });
    await this.ctx.bus.accessChanged({ userIds: [userId] });
  }

  /** Removes a member (or lets one leave): their open sockets for it close at once. */
  async removeMember(principal: Principal | undefined, workspaceId: string, userId: string): Promise<void> {
    const leaving = principal?.userId === userId;
    const mine = principal ? requireRole(principal, workspaceId, leaving ? 'viewer' : 'admin') : 'owner';
    await this.ctx.db.transaction(async (tx) => {
      const current = await this.lockMember(tx, workspaceId, userId);
      if (!leaving && mine !== 'owner' && roleRank[current] >= roleRank[mine]) throw new CairnError('forbidden', `an ${mine} cannot remove an ${current}`);
      if (current === 'owner') await this.requireAnotherOwner(tx, workspaceId, userId);
      await tx.query('DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2', [workspaceId, userId]);
      await this.audit(tx, workspaceId, 'member_left', userId, null, principal?.userId ?? null);
    });
    await this.ctx.bus.accessChanged({ userIds: [userId] });
  }

  private async lockMember(tx: Queryable, workspaceId: string, userId: string): Promise<Role> {
    // Lock the workspace's owners first, so two owners stepping down at once cannot both succeed.
    await tx.query(`SELECT 1 FROM memberships WHERE workspace_id = $1 AND role = 'owner' FOR UPDATE`, [workspaceId]);
    const rows = await tx.query<{ role: Role }>('SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2 FOR UPDATE', [workspaceId, userId]);
    if (!rows[0]) throw new CairnError('not_found', 'that account is not a member of this workspace');
    return rows[0].role;
  }

  private async requireAnotherOwner(tx: Queryable, workspaceId: string, userId: string): Promise<void> {
    const others = await tx.query(`SELECT 1 FROM memberships WHERE workspace_id = $1 AND role = 'owner' AND user_id <> $2`, [workspaceId, userId]);
    if (others.length === 0) throw new CairnError('conflict', 'a workspace needs an owner: make someone else an owner first');
  }

  /** Appends to the workspace's audit log (its own gap-free sequence, bumped under the head row's lock). */
  private async audit(tx: Queryable, workspaceId: string, kind: AuditKind, subject: string, role: Role | null, actor: string | null): Promise<void> {
    const rows = await tx.query<{ audit_head: number }>('UPDATE workspace_heads SET audit_head = audit_head + 1 WHERE workspace_id = $1 RETURNING audit_head', [workspaceId]);
    await tx.query('INSERT INTO audit_log (workspace_id, seq, kind, subject_user, role, actor_user, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      workspaceId,
      rows[0]!.audit_head,
      kind,
      subject,
      role,
      actor,
      new Date(this.ctx.now()),
    ]);
    this.auditChanged?.(workspaceId);
  }

  /** Told after an audit entry is written (in the transaction, so it only schedules work). */
  auditChanged: ((workspaceId: string) => void) | undefined;
}
