import type { NotificationKind } from '@cairn/core/protocol';
import type { Queryable } from '../db/db.js';
import type { LoggedEvent, LogRecord } from '../services/eventLog.js';

/** A membership change as the audit log holds it. */
export interface AuditEntry {
  readonly seq: number;
  readonly kind: 'member_joined' | 'role_changed' | 'member_left';
  readonly subjectUser: string;
  readonly role: string | null;
  readonly actorUser: string | null;
  readonly at: string;
}

/** A notification a projection derived, before it is stored (and sent to sockets, webhooks and digests). */
export interface NotificationDraft {
  readonly kind: NotificationKind;
  readonly entryId: string | null;
  readonly title: string | null;
  readonly byUser: string | null;
  readonly byDevice: string | null;
  readonly details: Record<string, unknown>;
  /** Where in the log it comes from: a rebuild stays quiet up to where the views were before. */
  readonly seq: number;
  readonly source: 'events' | 'audit';
}

/** What a batch of a projection sees: the workspace's next events and audit entries, in order. */
export interface ProjectionBatch {
  readonly workspaceId: string;
  /** Who pushed what when, in order (every projection). */
  readonly records: readonly LogRecord[];
  /** The same events with their content (only for projections that read bodies; empty otherwise). */
  readonly events: readonly LoggedEvent[];
  readonly audit: readonly AuditEntry[];
}

/**
 * A read view: tables only it writes, derived from the workspace's log (and audit log) alone, with a checkpoint per
 * workspace stored in the same transaction as its effect. Deterministic, so a rebuild gives what the live view holds.
 */
export interface Projection {
  readonly name: string;
  /** Bump when its tables or logic change: the view is then rebuilt. */
  readonly version: number;
  /** Its tables (each with a workspace_id column): a rebuild deletes a workspace's rows from each. */
  readonly tables: readonly string[];
  readonly readsAudit: boolean;
  /** Whether it needs the events themselves, or only who pushed them when (cheaper to read). */
  readonly readsBodies: boolean;
  /** One query per table, ordered by its key: what the rebuild comparison hashes. */
  readonly digestQueries: readonly string[];
  apply(tx: Queryable, batch: ProjectionBatch): Promise<NotificationDraft[]>;
}
