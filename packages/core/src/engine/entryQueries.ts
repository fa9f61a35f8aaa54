import type { Statement } from 'better-sqlite3';
import { NotFoundError, ValidationError } from '../errors/cairnError.js';
import { changedFields } from '../projections/activityProjection.js';
import type { EntryEvent, EntryKind } from '../domain/entry/events.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { JsonObject } from '../domain/shared/json.js';
import type { Database } from '../store/database.js';
import type { EntryState } from '../domain/entry/state.js';
import type { ActivityItem, EntryList, EntrySummary, EntryView, HistoryItem, ListEntriesQuery, TagCount } from './views.js';

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
}

const summaryColumns = 'id, kind, title, tags, deleted, version, created_at, created_by, updated_at, updated_by';
const sortColumns = { updated: 'updated_at', created: 'created_at', title: 'title COLLATE NOCASE' } as const;
export const maxListLimit = 10_000;

/** Reads of the entry read models. Queries only; nothing here writes. */
export class EntryQueries {
  private readonly byId: Statement;
  private readonly activityStatement: Statement;
  private readonly tagsStatement: Statement;

  constructor(private readonly db: Database) {
    this.byId = db.prepare(`SELECT ${summaryColumns}, body, attributes FROM entries WHERE id = ?`);
    this.activityStatement = db.prepare(
      `SELECT position, entry_id, event_type, title, fields, actor_id, device_id, at FROM activity WHERE position < ? ORDER BY position DESC LIMIT ?`,
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
    if (query.tag !== undefined) {
      from = 'entry_tags t JOIN entries e ON e.id = t.entry_id';
      where.push('t.tag = ?');
      params.push(query.tag.trim().replace(/^#+/, '').toLowerCase());
    }
    if (query.kind !== undefined) {
      where.push('e.kind = ?');
      params.push(query.kind);
    }
    const sort = sortColumns[query.sort ?? 'updated'];
    if (!sort) throw new ValidationError(`unknown sort ${String(query.sort)}`);
    const order = (query.order ?? (query.sort === 'title' ? 'asc' : 'desc')) === 'asc' ? 'ASC' : 'DESC';
    const condition = where.join(' AND ');
    const rows = this.db
      .prepare(`SELECT ${summaryColumns.split(', ').map((c) => `e.${c}`).join(', ')} FROM ${from} WHERE ${condition} ORDER BY e.${sort} ${order}, e.id ${order} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as EntryRow[];
    const total = this.db.prepare(`SELECT count(*) FROM ${from} WHERE ${condition}`).pluck().get(...params) as number;
    return { entries: rows.map(toSummary), total, limit, offset };
  }

  tags(): TagCount[] {
    return (this.tagsStatement.all() as { tag: string; entry_count: number }[]).map((r) => ({ tag: r.tag, count: r.entry_count }));
  }

  activity(options: { before?: number; limit?: number } = {}): ActivityItem[] {
    const rows = this.activityStatement.all(options.before ?? Number.MAX_SAFE_INTEGER, options.limit ?? 50) as {
      position: number;
      entry_id: string;
      event_type: string;
      title: string;
      fields: string;
      actor_id: string;
      device_id: string;
      at: string;
    }[];
    return rows.map((r) => ({
      position: r.position,
      entryId: r.entry_id,
      eventType: r.event_type,
      title: r.title,
      fields: JSON.parse(r.fields) as string[],
      actorId: r.actor_id,
      deviceId: r.device_id,
      at: r.at,
    }));
  }
}

function toSummary(row: EntryRow): EntrySummary {
  return {
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
    createdBy: first.metadata.actorId,
    updatedAt: last.metadata.at,
    updatedBy: last.metadata.actorId,
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
    actorId: event.metadata.actorId,
    deviceId: event.metadata.deviceId,
    fields: changedFields(entryEvent),
  };
  return entryEvent.type === 'EntryReverted' ? { ...item, revertedTo: entryEvent.data.toVersion } : item;
}
