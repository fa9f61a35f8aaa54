import nodemailer, { type Transporter } from 'nodemailer';
import type { ServiceContext } from './context.js';
import type { Invitation } from './workspaces.js';

interface DigestRow {
  workspace_id: string;
  workspace_name: string;
  kind: string;
  title: string | null;
  by_name: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

/** Lines of changes in one digest (the rest is counted). */
const DIGEST_LINES = 50;

/**
 * Nodemailer waits up to 2 minutes for a connection and 10 for a quiet socket; an invitation is sent inside its
 * request, so a stalled SMTP server must give up sooner. The URL's own parameters (`?socketTimeout=…`) still win.
 */
const smtpTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as const;

function transportUrl(smtpUrl: string): string {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    return smtpUrl; // nodemailer's own parser has the last word on what it accepts
  }
  for (const [key, value] of Object.entries(smtpTimeouts)) if (!url.searchParams.has(key)) url.searchParams.set(key, String(value));
  return url.toString();
}

/**
 * E-mail through SMTP (nodemailer), when `--smtp-url` is set: invitations that name an address, and a periodic
 * digest of teammates' changes to each member with an address (members turn it off with `PATCH /v1/me`). Each
 * member's digest is claimed under an advisory lock, so with several instances it is sent once.
 */
export class Mailer {
  private readonly transport: Transporter | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: ServiceContext) {
    this.transport = ctx.config.smtpUrl ? nodemailer.createTransport(transportUrl(ctx.config.smtpUrl)) : undefined;
  }

  get enabled(): boolean {
    return this.transport !== undefined;
  }

  async sendInvitation(invitation: Invitation & { code: string; workspaceName: string; invitedBy: string }): Promise<boolean> {
    if (!this.transport || !invitation.email) return false;
    const server = this.ctx.config.publicUrl ?? 'this Cairn sync server';
    const text = [
      `${invitation.invitedBy} invited you to the Cairn workspace "${invitation.workspaceName}" as ${invitation.role}.`,
      '',
      `Server: ${server}`,
      `Invitation code: ${invitation.code}`,
      '',
      `New to the server? Sign up with the code: cairn sync login ${server} --user YOURNAME --invitation CODE`,
      `Already have an account? Accept it: cairn sync link --workspace ${invitation.workspaceId} --invitation CODE`,
      '',
      `The code works once and expires at ${invitation.expiresAt}.`,
    ].join('\n');
    return this.send('invitation', invitation.email, `Invitation to "${invitation.workspaceName}" on Cairn`, text);
  }

  start(): void {
    const interval = this.ctx.config.digestIntervalMinutes;
    if (!this.transport || interval === 0) return;
    this.timer = setInterval(() => void this.sendDigests().catch((error: unknown) => this.ctx.log.warn({ err: error }, 'digests could not be sent')), Math.min(interval * 60_000, 5 * 60_000));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.transport?.close();
  }

  /** Sends every digest that is due; returns how many were sent. A digest that could not be sent is due again. */
  async sendDigests(): Promise<number> {
    if (!this.transport || this.ctx.config.digestIntervalMinutes === 0) return 0;
    const now = this.ctx.now();
    const intervalMs = this.ctx.config.digestIntervalMinutes * 60_000;
    const users = await this.ctx.db.query<{ id: string; email: string; display_name: string; since: Date | null }>(
      `SELECT u.id, u.email, u.display_name, d.last_sent_at AS since FROM users u LEFT JOIN digests d ON d.user_id = u.id
       WHERE u.email IS NOT NULL AND u.digest AND u.disabled_at IS NULL AND (d.last_sent_at IS NULL OR d.last_sent_at <= $1)`,
      [new Date(now - intervalMs)],
    );
    let sent = 0;
    for (const user of users) {
      const since = user.since ?? new Date(now - intervalMs);
      const claimed = await this.ctx.db.transaction(async (tx) => {
        const locked = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS ok', [`${this.ctx.config.namespace}:digest`, user.id]);
        if (!locked[0]?.ok) return undefined;
        const still = await tx.query('SELECT 1 FROM digests WHERE user_id = $1 AND last_sent_at > $2', [user.id, new Date(now - intervalMs)]);
        if (still.length > 0) return undefined;
        const rows = await tx.query<DigestRow>(
          `SELECT n.workspace_id, w.name AS workspace_name, n.kind, n.title, u.display_name AS by_name, n.details, n.created_at
           FROM notifications n JOIN memberships m ON m.workspace_id = n.workspace_id AND m.user_id = $1 JOIN workspaces w ON w.id = n.workspace_id
           LEFT JOIN users u ON u.id = n.by_user
           WHERE n.created_at > $2 AND n.created_at <= $3 AND (n.by_user IS NULL OR n.by_user <> $1) ORDER BY n.workspace_id, n.created_at`,
          [user.id, since, new Date(now)],
        );
        await tx.query('INSERT INTO digests (user_id, last_sent_at) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET last_sent_at = excluded.last_sent_at', [user.id, new Date(now)]);
        return rows;
      });
      if (!claimed || claimed.length === 0) continue;
      if (await this.send('digest', user.email, `Cairn: ${claimed.length} change${claimed.length === 1 ? '' : 's'} by your teammates`, digestText(user.display_name, claimed))) {
        sent++;
      } else {
        // Give the claim back (unless another run claimed since), so the same changes go in the next digest.
        if (user.since) await this.ctx.db.query('UPDATE digests SET last_sent_at = $2 WHERE user_id = $1 AND last_sent_at = $3', [user.id, user.since, new Date(now)]);
        else await this.ctx.db.query('DELETE FROM digests WHERE user_id = $1 AND last_sent_at = $2', [user.id, new Date(now)]);
      }
    }
    return sent;
  }

  private async send(kind: 'invitation' | 'digest', to: string, subject: string, text: string): Promise<boolean> {
    try {
      await this.transport!.sendMail({ from: this.ctx.config.mailFrom, to, subject, text });
      this.ctx.metrics.emails.inc({ kind, outcome: 'sent' });
      return true;
    } catch (error) {
      this.ctx.metrics.emails.inc({ kind, outcome: 'failed' });
      this.ctx.log.warn({ err: error, kind }, 'an e-mail could not be sent');
      return false;
    }
  }
}

function digestText(name: string, rows: readonly DigestRow[]): string {
  const lines = [`Hello ${name},`, '', "Here is what your teammates changed:"];
  let workspace = '';
  for (const row of rows.slice(0, DIGEST_LINES)) {
    if (row.workspace_id !== workspace) {
      workspace = row.workspace_id;
      lines.push('', `${row.workspace_name} (${row.workspace_id})`);
    }
    lines.push(`  - ${describe(row)}`);
  }
  if (rows.length > DIGEST_LINES) lines.push('', `…and ${rows.length - DIGEST_LINES} more.`);
  return lines.join('\n');
}

function describe(row: DigestRow): string {
  const who = row.by_name ?? 'an admin';
  const count = typeof row.details.count === 'number' ? row.details.count : 1;
  switch (row.kind) {
    case 'entry_changed':
      return row.title ? `${who} changed "${row.title}"` : `${who} changed ${count} entries`;
    case 'document_processed':
      return `"${row.title ?? 'a document'}" is ready to search`;
    case 'document_failed':
      return `"${row.title ?? 'a document'}" could not be processed`;
    case 'merge_conflict':
      return `"${row.title ?? 'an entry'}" has edits that clashed: both versions are kept`;
    case 'member_joined':
      return 'a new member joined';
    case 'member_left':
      return 'a member left';
    default:
      return `${who}: ${row.kind.replace(/_/g, ' ')}`;
  }
}
