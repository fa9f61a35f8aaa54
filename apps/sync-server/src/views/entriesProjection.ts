import {
  applyMerge,
  canonicalJson,
  changedFields,
  entryAggregateType,
  eventCatalog,
  initialMergeState,
  mergeEntryStream,
  needsAuthorView,
  toMergeEvents,
  type EntryEvent,
  type MergeEvent,
  type MergeState,
} from '@cairn/core/domain';
import type { Queryable } from '../db/db.js';
import { readEntryStream, type LoggedEvent } from '../services/eventLog.js';
import type { NotificationDraft, Projection, ProjectionBatch } from './projection.js';

interface EntryRow {
  merge_state: string;
  created_at: Date;
  created_by_user: string;
  created_by_device: string;
}

/** What a view row needs besides the merged state. */
interface Provenance {
  createdAt: string;
  createdByUser: string;
  createdByDevice: string;
}

/** Above this many entries changed by one account in one batch, one summary notification instead of one each. */
const SUMMARY_OVER = 20;

/**
 * The entries, documents and activity views of a workspace, in one fold of its log. Each entry's state is folded by
 * core's merge rules (`applyMerge`, the function every synced device uses), so the server and the devices agree on
 * every title and tag. The merge state is kept with the row (without the body, which only a concurrent body edit
 * needs: that case folds the entry's whole stream again with `mergeEntryStream`). It also derives the notifications:
 * entries changed, documents processed or failed, bodies that clashed.
 */
export const entriesProjection: Projection = {
  name: 'entries',
  version: 1,
  tables: ['view_entries', 'view_documents', 'view_activity'],
  readsAudit: false,
  readsBodies: true,
  digestQueries: [
    `SELECT workspace_id, entry_id, kind, title, tags, deleted, version, created_at, created_by_user, created_by_device, updated_at, updated_by_user, updated_by_device, seq, merge_state
     FROM view_entries ORDER BY workspace_id, entry_id`,
    `SELECT workspace_id, entry_id, title, file_name, mime_type, size, sha256, status, error_code, error_reason, text_sha256, page_count, ocr_used, language, deleted, updated_at, seq
     FROM view_documents ORDER BY workspace_id, entry_id`,
    `SELECT workspace_id, seq, entry_id, event_type, title, fields, user_id, device_id, at FROM view_activity ORDER BY workspace_id, seq`,
  ],
  apply: applyBatch,
};

async function applyBatch(tx: Queryable, batch: ProjectionBatch): Promise<NotificationDraft[]> {
  const ws = batch.workspaceId;
  const events = batch.events.filter((e) => e.event.aggregateType === entryAggregateType);
  if (events.length === 0) return [];
  const entryIds = [...new Set(events.map((e) => e.event.aggregateId))];
  const rows = await tx.query<EntryRow & { entry_id: string }>(
    'SELECT entry_id, merge_state, created_at, created_by_user, created_by_device FROM view_entries WHERE workspace_id = $1 AND entry_id = ANY($2::uuid[])',
    [ws, entryIds],
  );
  const states = new Map<string, { state: MergeState; provenance: Provenance | undefined }>(
    rows.map((row) => [row.entry_id, { state: JSON.parse(row.merge_state) as MergeState, provenance: { createdAt: row.created_at.toISOString(), createdByUser: row.created_by_user, createdByDevice: row.created_by_device } }]),
  );
  const seqOf = await baseSequences(tx, ws, events);
  const drafts: NotificationDraft[] = [];
  const changed = new Map<string, { user: string; device: string; entries: Map<string, string>; seq: number; types: Set<string> }>();
  const activity: unknown[][] = [];
  const touched = new Map<string, LoggedEvent>();

  for (const logged of events) {
    const { event } = logged;
    const known = states.get(event.aggregateId) ?? { state: initialMergeState(event.aggregateId), provenance: undefined };
    const merge = toMergeEvent(logged, seqOf);
    let next: MergeState;
    let conflict = false;
    if (needsAuthorView(known.state, merge)) {
      // A body edit concurrent with another device's: fold the entry's stream again, as every device does.
      const stream = await readEntryStream(tx, ws, event.aggregateId, logged.seq);
      const folded = mergeEntryStream(event.aggregateId, toMergeEvents(stream.map(streamInput)));
      next = folded.state;
      conflict = folded.conflicts.includes(event.eventId);
    } else {
      next = applyMerge(known.state, merge, () => {
        throw new Error('the author view is needed only for concurrent body edits');
      }).state;
    }
    const stored: MergeState = { ...next, entry: { ...next.entry, body: '' } };
    const provenance = known.provenance ?? { createdAt: logged.receivedAt, createdByUser: logged.userId, createdByDevice: logged.deviceId };
    states.set(event.aggregateId, { state: stored, provenance: next.entry.exists ? provenance : undefined });
    if (!next.entry.exists) continue;
    touched.set(event.aggregateId, logged);
    const title = next.entry.title;
    if (event.type !== 'DocumentStatusChanged') {
      activity.push([logged.seq, event.aggregateId, event.type, title, changedFields({ type: event.type, data: merge.event.data } as EntryEvent), logged.userId, logged.deviceId, logged.receivedAt]);
      const key = logged.userId;
      const group = changed.get(key) ?? { user: logged.userId, device: logged.deviceId, entries: new Map<string, string>(), seq: logged.seq, types: new Set<string>() };
      group.entries.set(event.aggregateId, title);
      group.seq = logged.seq;
      group.types.add(event.type);
      changed.set(key, group);
    }
    if (event.type === 'DocumentProcessed' || event.type === 'DocumentProcessingFailed') {
      const document = next.entry.document;
      drafts.push({
        kind: event.type === 'DocumentProcessed' ? 'document_processed' : 'document_failed',
        entryId: event.aggregateId,
        title,
        byUser: logged.userId,
        byDevice: logged.deviceId,
        details: event.type === 'DocumentProcessed' ? { status: document?.status ?? 'done' } : { status: document?.status ?? 'failed', code: document?.failure?.code ?? null, reason: document?.failure?.reason ?? null },
        seq: logged.seq,
        source: 'events',
      });
    }
    if (conflict) {
      drafts.push({ kind: 'merge_conflict', entryId: event.aggregateId, title, byUser: logged.userId, byDevice: logged.deviceId, details: { eventId: event.eventId }, seq: logged.seq, source: 'events' });
    }
  }

  await writeEntries(tx, ws, states, touched);
  await writeDocuments(tx, ws, states, touched);
  if (activity.length > 0) {
    await tx.query(
      `INSERT INTO view_activity (workspace_id, seq, entry_id, event_type, title, fields, user_id, device_id, at)
       SELECT $1, (e->>0)::bigint, (e->>1)::uuid, e->>2, e->>3, ARRAY(SELECT json_array_elements_text(e->4)), (e->>5)::uuid, (e->>6)::uuid, (e->>7)::timestamptz
       FROM json_array_elements($2::json) AS e`,
      [ws, JSON.stringify(activity)],
    );
  }
  for (const group of changed.values()) {
    const entries = [...group.entries];
    const [entryId, title] = entries.length === 1 ? entries[0]! : [null, null];
    drafts.push({
      kind: 'entry_changed',
      entryId,
      title,
      byUser: group.user,
      byDevice: group.device,
      details: entries.length <= SUMMARY_OVER ? { count: entries.length, entries: entries.map(([id, t]) => ({ id, title: t })) } : { count: entries.length, entries: entries.slice(0, SUMMARY_OVER).map(([id, t]) => ({ id, title: t })) },
      seq: group.seq,
      source: 'events',
    });
  }
  return drafts;
}

/** The server sequence of every event named as an author's base (in the batch, or stored before it). */
async function baseSequences(tx: Queryable, ws: string, events: readonly LoggedEvent[]): Promise<Map<string, number>> {
  const seqOf = new Map(events.map((e) => [e.event.eventId, e.seq]));
  const missing = [...new Set(events.map((e) => e.event.metadata.baseEventId).filter((id): id is string => typeof id === 'string' && !seqOf.has(id)))];
  if (missing.length > 0) {
    const rows = await tx.query<{ event_id: string; seq: number }>('SELECT event_id, seq FROM events WHERE workspace_id = $1 AND event_id = ANY($2::uuid[])', [ws, missing]);
    for (const row of rows) seqOf.set(row.event_id, row.seq);
  }
  return seqOf;
}

function toMergeEvent(logged: LoggedEvent, seqOf: ReadonlyMap<string, number>): MergeEvent {
  const { event } = logged;
  const base = event.metadata.baseEventId;
  const baseSeq = base ? (seqOf.get(base) ?? 0) : 0;
  return {
    eventId: event.eventId,
    event: { type: event.type, data: eventCatalog.upcast(event.type, event.schemaVersion, event.data) } as EntryEvent,
    deviceId: event.metadata.deviceId,
    hlc: event.metadata.hlc,
    order: logged.seq,
    // A base stored after the event itself cannot have been seen: treat it as none.
    seenOrder: baseSeq < logged.seq ? baseSeq : 0,
  };
}

function streamInput(logged: LoggedEvent) {
  const { event } = logged;
  return { eventId: event.eventId, type: event.type, data: eventCatalog.upcast(event.type, event.schemaVersion, event.data), metadata: event.metadata, order: logged.seq };
}

async function writeEntries(tx: Queryable, ws: string, states: Map<string, { state: MergeState; provenance: Provenance | undefined }>, touched: Map<string, LoggedEvent>): Promise<void> {
  const rows = [...touched].map(([id, logged]) => ({ id, logged, ...states.get(id)! }));
  if (rows.length === 0) return;
  // One JSON text of rows (each merge state embedded as its canonical text): Postgres parses it, the driver need not
  // escape thousands of array elements.
  const json = `[${rows
    .map((r) =>
      `[${JSON.stringify([
        r.id,
        r.state.entry.kind,
        r.state.entry.title,
        r.state.entry.tags,
        r.state.entry.deleted,
        r.state.entry.version,
        r.provenance!.createdAt,
        r.provenance!.createdByUser,
        r.provenance!.createdByDevice,
        r.logged.receivedAt,
        r.logged.userId,
        r.logged.deviceId,
        r.logged.seq,
      ]).slice(1, -1)},${canonicalJson(r.state)}]`,
    )
    .join(',')}]`;
  await tx.query(
    `INSERT INTO view_entries (workspace_id, entry_id, kind, title, tags, deleted, version, created_at, created_by_user, created_by_device, updated_at, updated_by_user, updated_by_device, seq, merge_state)
     SELECT $1, (e->>0)::uuid, e->>1, e->>2, ARRAY(SELECT json_array_elements_text(e->3)), (e->>4)::boolean, (e->>5)::int, (e->>6)::timestamptz, (e->>7)::uuid, (e->>8)::uuid,
       (e->>9)::timestamptz, (e->>10)::uuid, (e->>11)::uuid, (e->>12)::bigint, (e->13)::text
     FROM json_array_elements($2::json) AS e
     ON CONFLICT (workspace_id, entry_id) DO UPDATE SET kind = excluded.kind, title = excluded.title, tags = excluded.tags, deleted = excluded.deleted, version = excluded.version,
       updated_at = excluded.updated_at, updated_by_user = excluded.updated_by_user, updated_by_device = excluded.updated_by_device, seq = excluded.seq, merge_state = excluded.merge_state`,
    [ws, json],
  );
}

async function writeDocuments(tx: Queryable, ws: string, states: Map<string, { state: MergeState; provenance: Provenance | undefined }>, touched: Map<string, LoggedEvent>): Promise<void> {
  const rows = [...touched].flatMap(([id, logged]) => {
    const entry = states.get(id)!.state.entry;
    return entry.document ? [{ id, logged, entry, document: entry.document }] : [];
  });
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO view_documents (workspace_id, entry_id, title, file_name, mime_type, size, sha256, status, error_code, error_reason, text_sha256, page_count, ocr_used, language, deleted, updated_at, seq)
     SELECT $1, x.* FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::boolean[], $14::text[], $15::boolean[], $16::timestamptz[], $17::bigint[]) AS x
     ON CONFLICT (workspace_id, entry_id) DO UPDATE SET title = excluded.title, file_name = excluded.file_name, mime_type = excluded.mime_type, size = excluded.size, sha256 = excluded.sha256,
       status = excluded.status, error_code = excluded.error_code, error_reason = excluded.error_reason, text_sha256 = excluded.text_sha256, page_count = excluded.page_count,
       ocr_used = excluded.ocr_used, language = excluded.language, deleted = excluded.deleted, updated_at = excluded.updated_at, seq = excluded.seq`,
    [
      ws,
      rows.map((r) => r.id),
      rows.map((r) => r.entry.title),
      rows.map((r) => r.document.file.name),
      rows.map((r) => r.document.processed?.mimeType ?? r.document.file.mimeType),
      rows.map((r) => r.document.file.size),
      rows.map((r) => r.document.file.sha256),
      rows.map((r) => r.document.status),
      rows.map((r) => r.document.failure?.code ?? null),
      rows.map((r) => r.document.failure?.reason ?? null),
      rows.map((r) => r.document.processed?.textSha256 ?? null),
      rows.map((r) => r.document.processed?.pageCount ?? null),
      rows.map((r) => r.document.processed?.ocrUsed ?? null),
      rows.map((r) => r.document.processed?.language ?? null),
      rows.map((r) => r.entry.deleted),
      rows.map((r) => r.logged.receivedAt),
      rows.map((r) => r.logged.seq),
    ],
  );
}
