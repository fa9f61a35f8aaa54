import type { Statement } from 'better-sqlite3';
import { entryAggregateType, type EntryEvent } from '../domain/entry/events.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import type { ProjectionDefinition, ProjectionHandler } from './projection.js';

/**
 * The activity feed: one row per change, newest last, with the entry's title as it was then and the
 * fields the change touched. An async subscriber (it is not needed in the write transaction).
 */
export const activityProjection: ProjectionDefinition = {
  name: 'activity',
  version: 1,
  schema: `
    CREATE TABLE IF NOT EXISTS activity (
      position INTEGER PRIMARY KEY,
      entry_id TEXT NOT NULL,
      event_type TEXT NOT NULL,
      title TEXT NOT NULL,
      fields TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      device_id TEXT NOT NULL,
      at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS activity_by_entry ON activity (entry_id, position);
  `,
  tables: ['activity'],
  digestQueries: [`SELECT position, entry_id, event_type, title, fields, actor_id, device_id, at FROM activity ORDER BY position`],
  createHandler: (db) => new ActivityHandler(db),
  createReplayer: (db) => {
    const handler = new ActivityHandler(db, new Map());
    return { apply: (events) => handler.apply(events), finish: () => undefined };
  },
};

/** The names of the fields an entry event sets. */
export function changedFields(event: EntryEvent): string[] {
  switch (event.type) {
    case 'EntryCreated':
      return ['title', 'body', 'tags', 'attributes', 'kind'].filter((field) => {
        const value = event.data[field as keyof typeof event.data];
        return field === 'title' || field === 'kind' || (Array.isArray(value) ? value.length > 0 : typeof value === 'object' ? Object.keys(value).length > 0 : value !== '');
      });
    case 'EntryUpdated':
      return Object.keys(event.data.changes).sort();
    case 'EntryReverted':
      return Object.keys(event.data.changes).sort();
    case 'EntryDeleted':
    case 'EntryRestored':
      return ['deleted'];
    case 'DocumentImported':
      return ['title', 'kind', 'file', ...(event.data.tags.length > 0 ? ['tags'] : []), ...(Object.keys(event.data.attributes).length > 0 ? ['attributes'] : [])];
    case 'DocumentStatusChanged':
    case 'DocumentProcessingFailed':
      return ['status'];
    case 'DocumentProcessed':
      return ['status', 'text'];
    default:
      return assertNever(event);
  }
}

/**
 * Live, the title an event leaves unchanged is looked up in the feed; during a replay, `titles` holds
 * the latest title of every entry instead (a lookup per event would dominate the rebuild).
 */
class ActivityHandler implements ProjectionHandler {
  private readonly insert: Statement;
  private readonly lastTitle: Statement;

  constructor(
    db: Database,
    private readonly titles?: Map<string, string>,
  ) {
    this.insert = db.prepare(
      `INSERT INTO activity (position, entry_id, event_type, title, fields, actor_id, device_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.lastTitle = db.prepare(`SELECT title FROM activity WHERE entry_id = ? ORDER BY position DESC LIMIT 1`).pluck();
  }

  apply(events: readonly RecordedEvent[]): void {
    for (const raw of events) {
      if (raw.aggregateType !== entryAggregateType) continue;
      const event = raw as RecordedEvent & EntryEvent;
      // Progress through processing stages is not a change anyone reviews later; the outcome is.
      if (event.type === 'DocumentStatusChanged') continue;
      const title =
        event.type === 'EntryCreated' || event.type === 'DocumentImported'
          ? event.data.title
          : ((event.type === 'EntryUpdated' || event.type === 'EntryReverted' ? event.data.changes.title : undefined) ?? this.previousTitle(event.aggregateId));
      this.titles?.set(event.aggregateId, title);
      const { metadata } = event;
      this.insert.run(event.position, event.aggregateId, event.type, title, JSON.stringify(changedFields(event)), metadata.actorId, metadata.deviceId, metadata.at);
    }
  }

  private previousTitle(entryId: string): string {
    if (this.titles) return this.titles.get(entryId) ?? '';
    return (this.lastTitle.get(entryId) as string | undefined) ?? '';
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled entry event ${JSON.stringify(value)}`);
}
