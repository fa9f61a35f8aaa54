import type { Statement } from 'better-sqlite3';
import { NotFoundError, ValidationError } from '../errors/cairnError.js';
import { changedFields } from '../domain/entry/changedFields.js';
import type { EventCatalog } from '../domain/shared/eventCatalog.js';
import type { EntryEvent, EntryKind } from '../domain/entry/events.js';
import type { EventMetadata, EventOrigin, RecordedEvent } from '../domain/shared/envelope.js';
import { authorOf } from '../projections/projection.js';
import type { JsonObject } from '../domain/shared/json.js';
import type { Database } from '../store/database.js';
import type { EntryState } from '../domain/entry/state.js';
import { documentStages, type DocumentStatus } from '../domain/document/events.js';
import { processingFilters, type ActivityItem, type EntryList, type EntrySummary, type EntryView, type HistoryItem, type ListEntriesQuery, type TagCount } from './views.js';

interface EntryRow {
  id: string;
  kind: EntryKind;
  title: string;
  body: string;
  tags: string;
  attributes: string;
  deleted: number;
  version: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  /** From the documents read model (list only; null for notes). */
  doc_mime?: string | null;
  doc_status?: string | null;
  doc_reason?: string | null;
}

const summaryColumns = 'id, kind, title, tags, deleted, version, created_at, created_by, updated_at, updated_by';
const documentColumns = 'COALESCE(d.mime_type, d.file_mime) AS doc_mime, d.status AS doc_status, d.error_reason AS doc_reason';
const sortColumns = { updated: 'updated_at', created: 'created_at', title: 'title COLLATE NOCASE' } as const;
export const maxListLimit = 10_000;

/** Reads of the entry read models. Queries only; nothing here writes. */
export class EntryQueries {
  private readonly byId: Statement;
  private readonly activityStatement: Statement;
  private readonly tagsStatement: Statement;

  constructor(
    private readonly db: Database,
    private readonly catalog: EventCatalog,
  ) {
    this.byId = db.prepare(`SELECT ${summaryColumns}, body, attributes FROM entries WHERE id = ?`);
    // The feed is the log itself, newest first: no read model to keep or rebuild. Processing stages
    // of a document are left out (its outcome is not).
    this.activityStatement = db.prepare(
      `SELECT e.position, e.aggregate_id, e.type, e.schema_version, e.data, e.metadata, e.origin, n.title
         FROM events e LEFT JOIN entries n ON n.id = e.aggregate_id
        WHERE e.position < ? AND e.aggregate_type = 'entry' AND e.type != 'DocumentStatusChanged'
        ORDER BY e.position DESC LIMIT ?`,
    );
    this.tagsStatement = db.prepare(`SELECT tag, entry_count FROM tag_counts ORDER BY entry_count DESC, tag`);
  }

  get(id: string): EntryView {
    const row = this.byId.get(id) as EntryRow | undefined;
    if (!row) throw new NotFoundError(`no entry with id ${id}`, { entryId: id });
    return { ...toSummary(row), body: row.body, attributes: JSON.parse(row.attributes) as JsonObject };
  }

  list(query: ListEntriesQuery = {}): EntryList {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxListLimit) throw new ValidationError(`limit must be between 1 and ${maxListLimit}`);
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be 0 or more');
    const where = ['e.deleted = ?'];
    const params: unknown[] = [query.deleted ? 1 : 0];
    let from = 'entries e';
    let documentsJoined = false;
    if (query.tag !== undefined) {
      from = 'entry_tags t JOIN entries e ON e.id = t.entry_id';
      where.push('t.tag = ?');
      params.push(query.tag.trim().replace(/^#+/, '').toLowerCase());
    }
    if (query.kind !== undefined) {
      where.push('e.kind = ?');
      params.push(query.kind);
    }
    if (query.status !== undefined) {
      const statuses = query.status === 'processing' ? documentStages : processingFilters.includes(query.status) ? [query.status] : undefined;
      if (!statuses) throw new ValidationError(`unknown status ${String(query.status)}: use one of ${processingFilters.join(', ')}`);
      from += ' JOIN documents d ON d.entry_id = e.id';
      documentsJoined = true;
      where.push(`d.status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    const sort = sortColumns[query.sort ?? 'updated'];
    if (!sort) throw new ValidationError(`unknown sort ${String(query.sort)}`);
    const order = (query.order ?? (query.sort === 'title' ? 'asc' : 'desc')) === 'asc' ? 'ASC' : 'DESC';
    const condition = where.join(' AND ');
    // Each row's document type and status come by a LEFT JOIN on the page's rows (one query, no lookup per row);
    // the count needs no join.
    const rowsFrom = documentsJoined ? from : `${from} LEFT JOIN documents d ON d.entry_id = e.id`;
    const rows = this.db
      .prepare(`SELECT ${summaryColumns.split(', ').map((c) => `e.${c}`).join(', ')}, ${documentColumns} FROM ${rowsFrom} WHERE ${condition} ORDER BY e.${sort} ${order}, e.id ${order} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as EntryRow[];
    const total = this.db.prepare(`SELECT count(*) FROM ${from} WHERE ${condition}`).pluck().get(...params) as number;
    return { entries: rows.map(toSummary), total, limit, offset };
  }

  tags(): TagCount[] {
    return (this.tagsStatement.all() as { tag: string; entry_count: number }[]).map((r) => ({ tag: r.tag, count: r.entry_count }));
  }

  /**
   * Recent changes across all entries, newest first. The title is the one the change set, else the
   * entry's current title (so a renamed entry is found under its name now).
   */
  activity(options: { before?: number; limit?: number } = {}): ActivityItem[] {
    const rows = this.activityStatement.all(options.before ?? Number.MAX_SAFE_INTEGER, options.limit ?? 50) as {
      position: number;
      aggregate_id: string;
      type: string;
      schema_version: number;
      data: string;
      metadata: string;
      origin: string | null;
      title: string | null;
    }[];
    return rows.map((r) => {
      const metadata = JSON.parse(r.metadata) as EventMetadata;
      const origin = r.origin === null ? null : (JSON.parse(r.origin) as EventOrigin);
      const data = this.catalog.upcast(r.type, r.schema_version, JSON.parse(r.data) as unknown);
      const event = { type: r.type, data } as unknown as EntryEvent;
      return {
        position: r.position,
        entryId: r.aggregate_id,
        eventType: r.type,
        title: titleSetBy(event) ?? r.title ?? '',
        fields: changedFields(event),
        actorId: origin?.userId ?? metadata.actorId,
        deviceId: origin?.deviceId ?? metadata.deviceId,
        actorName: null,
        deviceName: null,
        at: metadata.at,
      };
    });
  }
}

function titleSetBy(event: EntryEvent): string | undefined {
  switch (event.type) {
    case 'EntryCreated':
    case 'DocumentImported':
      return event.data.title;
    case 'EntryUpdated':
    case 'EntryReverted':
      return event.data.changes.title;
    case 'EntryDeleted':
    case 'EntryRestored':
    case 'DocumentStatusChanged':
    case 'DocumentProcessed':
    case 'DocumentProcessingFailed':
      return undefined;
    default:
      return assertNever(event);
  }
}

function toSummary(row: EntryRow): EntrySummary {
  const summary: EntrySummary = {
    id: row.id,
    kind: row.kind,
    title: row.title,
    tags: JSON.parse(row.tags) as string[],
    deleted: row.deleted === 1,
    version: row.version,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
  if (row.doc_status === undefined || row.doc_status === null) return summary;
  return { ...summary, document: { mimeType: row.doc_mime ?? '', status: row.doc_status as DocumentStatus, reason: row.doc_reason ?? null } };
}

/** The view of an entry as it was after the last of `events` (its stream from version 1). */
export function viewFromEvents(state: EntryState, events: readonly RecordedEvent[]): EntryView {
  const first = events[0]!;
  const last = events[events.length - 1]!;
  return {
    id: state.id,
    kind: state.kind,
    title: state.title,
    body: state.body,
    tags: [...state.tags],
    attributes: state.attributes,
    deleted: state.deleted,
    version: state.version,
    createdAt: first.metadata.at,
    createdBy: authorOf(first),
    updatedAt: last.metadata.at,
    updatedBy: authorOf(last),
  };
}

export function historyItem(event: RecordedEvent): HistoryItem {
  const entryEvent = event as unknown as EntryEvent;
  const item: HistoryItem = {
    version: event.version,
    eventType: event.type,
    eventId: event.eventId,
    position: event.position,
    at: event.metadata.at,
    actorId: authorOf(event),
    deviceId: event.origin?.deviceId ?? event.metadata.deviceId,
    actorName: null,
    deviceName: null,
    seq: event.seq ?? null,
    fields: changedFields(entryEvent),
  };
  return entryEvent.type === 'EntryReverted' ? { ...item, revertedTo: entryEvent.data.toVersion } : item;
}

function assertNever(value: never): never {
  throw new Error(`unhandled entry event ${JSON.stringify(value)}`);
}
