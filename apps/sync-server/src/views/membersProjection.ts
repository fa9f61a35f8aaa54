import type { Queryable } from '../db/db.js';
import type { NotificationDraft, Projection, ProjectionBatch } from './projection.js';

/**
 * The members view: who joined, with which role, who left (from the audit log), and what each member pushed — how
 * many events, when last, from which devices (from the event log). Names come from the accounts when it is read.
 * Membership changes become notifications.
 */
export const membersProjection: Projection = {
  name: 'members',
  version: 1,
  tables: ['view_members'],
  readsAudit: true,
  readsBodies: false,
  digestQueries: [`SELECT workspace_id, user_id, role, joined_at, removed_at, events, last_push_at, devices FROM view_members ORDER BY workspace_id, user_id`],
  apply: applyBatch,
};

async function applyBatch(tx: Queryable, batch: ProjectionBatch): Promise<NotificationDraft[]> {
  const ws = batch.workspaceId;
  const drafts: NotificationDraft[] = [];
  for (const entry of batch.audit) {
    switch (entry.kind) {
      case 'member_joined':
        await tx.query(
          `INSERT INTO view_members (workspace_id, user_id, role, joined_at, removed_at, events, last_push_at, devices) VALUES ($1, $2, $3, $4, NULL, 0, NULL, '{}')
           ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role, joined_at = excluded.joined_at, removed_at = NULL`,
          [ws, entry.subjectUser, entry.role, entry.at],
        );
        break;
      case 'role_changed':
        await tx.query('UPDATE view_members SET role = $3 WHERE workspace_id = $1 AND user_id = $2', [ws, entry.subjectUser, entry.role]);
        break;
      case 'member_left':
        await tx.query('UPDATE view_members SET role = NULL, removed_at = $3 WHERE workspace_id = $1 AND user_id = $2', [ws, entry.subjectUser, entry.at]);
        break;
    }
    drafts.push({
      kind: entry.kind,
      entryId: null,
      title: null,
      byUser: entry.actorUser,
      byDevice: null,
      details: { userId: entry.subjectUser, role: entry.role },
      seq: entry.seq,
      source: 'audit',
    });
  }
  const perUser = new Map<string, { events: number; last: string; devices: Set<string> }>();
  for (const logged of batch.records) {
    const stats = perUser.get(logged.userId) ?? { events: 0, last: logged.receivedAt, devices: new Set<string>() };
    stats.events++;
    if (logged.receivedAt > stats.last) stats.last = logged.receivedAt;
    stats.devices.add(logged.deviceId);
    perUser.set(logged.userId, stats);
  }
  for (const [userId, stats] of perUser) {
    await tx.query(
      `INSERT INTO view_members (workspace_id, user_id, role, joined_at, removed_at, events, last_push_at, devices) VALUES ($1, $2, NULL, $4, NULL, $3, $4, $5::uuid[])
       ON CONFLICT (workspace_id, user_id) DO UPDATE SET events = view_members.events + excluded.events,
         last_push_at = greatest(view_members.last_push_at, excluded.last_push_at),
         devices = ARRAY(SELECT DISTINCT d FROM unnest(view_members.devices || excluded.devices) AS d ORDER BY d)`,
      [ws, userId, stats.events, stats.last, [...stats.devices].sort()],
    );
  }
  return drafts;
}
