import { ConcurrencyError } from '../errors/cairnError.js';
import type { EventCatalog } from '../domain/shared/eventCatalog.js';
import type { NewEvent, RecordedEvent } from '../domain/shared/envelope.js';
import { resolveDuplicates, validateBatch } from './appendChecks.js';
import { upcastRecorded } from './upcastRecorded.js';
import type { AppendResult, EventStore, ReadAllOptions, ReadStreamOptions } from './eventStore.js';

/** The reference implementation of {@link EventStore}: the contract suite runs against it and SQLite. */
export class MemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly streams = new Map<string, RecordedEvent[]>();

  constructor(private readonly catalog: EventCatalog) {}

  append(events: readonly NewEvent[]): AppendResult {
    if (events.length === 0) return { events: [], duplicate: false };
    const duplicates = resolveDuplicates(events, (id) => this.byId.get(id));
    if (duplicates) return { events: duplicates, duplicate: true };
    const firstVersions = validateBatch(events, this.catalog);
    for (const [aggregateId, first] of firstVersions) {
      const current = this.streamVersion(aggregateId);
      if (first !== current + 1) throw new ConcurrencyError(aggregateId, first - 1, current);
    }
    const recorded = events.map((event, i) => ({ ...event, position: this.log.length + i + 1 }));
    for (const event of recorded) {
      this.log.push(event);
      this.byId.set(event.eventId, event);
      const stream = this.streams.get(event.aggregateId) ?? [];
      stream.push(event);
      this.streams.set(event.aggregateId, stream);
    }
    return { events: recorded, duplicate: false };
  }

  readStream(aggregateId: string, options: ReadStreamOptions = {}): RecordedEvent[] {
    const from = options.fromVersion ?? 1;
    const to = options.toVersion ?? Number.MAX_SAFE_INTEGER;
    return (this.streams.get(aggregateId) ?? []).filter((e) => e.version >= from && e.version <= to).map((e) => upcastRecorded(this.catalog, e));
  }

  readAll(options: ReadAllOptions = {}): RecordedEvent[] {
    const after = options.after ?? 0;
    return this.log.slice(after, options.limit === undefined ? undefined : after + options.limit).map((e) => upcastRecorded(this.catalog, e));
  }

  streamVersion(aggregateId: string): number {
    return this.streams.get(aggregateId)?.length ?? 0;
  }

  head(): number {
    return this.log.length;
  }
}
