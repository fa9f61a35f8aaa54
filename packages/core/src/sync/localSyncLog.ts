import type { Statement } from 'better-sqlite3';
import type { EventCatalog } from '../domain/shared/eventCatalog.js';
import type { EventOrigin, NewEvent, RecordedEvent } from '../domain/shared/envelope.js';
import { compareHlc, decodeHlc, encodeHlc, tickHlc } from '../domain/shared/hlc.js';
import { canonicalJson } from '../domain/shared/json.js';
import { CairnError } from '../errors/cairnError.js';
import type { EntryRepository } from '../engine/entryRepository.js';
import type { ReadModels } from '../projections/readModels.js';
import { validateWireEvent, type PulledEvent, type PushResponse, type WireEvent } from '../protocol/index.js';
import type { Database } from '../store/database.js';
import type { SqliteEventStore } from '../store/sqliteEventStore.js';

/** Where this data directory syncs to, and how far it got. */
export interface SyncLink {
  /** The server's base URL. */
  readonly server: string;
  readonly workspace: string;
  /** The account and device the server knows this data directory as. */
  readonly userId: string;
  readonly serverDeviceId: string;
  /** The workspace's epoch when last seen; a different one means the server's log went back. */
  readonly epoch: string | null;
  /** Every server event up to this sequence is here. */
  readonly cursor: number;
}

export interface PullOutcome {
  /** Events this device did not have. */
  readonly inserted: number;
  /** Entries whose state may have changed. */
  readonly entryIds: readonly string[];
  readonly cursor: number;
  /** The events this device did not have, as the server recorded who pushed them: the team's news. */
  readonly arrivals: readonly Arrival[];
}

/** An event another device made, as it arrived here. */
export interface Arrival {
  readonly entryId: string;
  readonly eventType: string;
  readonly by: { readonly userId: string; readonly deviceId: string };
}

/** The names of the workspace's members and their devices, as the server last listed them (ids to names). */
export interface TeamDirectory {
  readonly users: Readonly<Record<string, string>>;
  readonly devices: Readonly<Record<string, string>>;
}

/** A sync server that sent something a correct one never sends: nothing of it is applied. */
export class ServerMisbehaved extends CairnError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', `the sync server sent ${message}; nothing of it was applied`, details);
    this.name = 'ServerMisbehaved';
  }
}

/** The workspace's epoch changed: the server's log was recreated or restored from an older backup. */
export class EpochChanged extends CairnError {
  constructor(
    readonly previous: string,
    readonly current: string,
  ) {
    super('conflict', 'the sync server’s log was recreated or restored from an older backup (a new epoch)', { previous, current });
    this.name = 'EpochChanged';
  }
}

/** What the sync log needs of the engine: its database and the parts that keep the read models right. */
export interface SyncHost {
  readonly db: Database;
  readonly store: SqliteEventStore;
  readonly repository: EntryRepository;
  readonly readModels: ReadModels;
  readonly catalog: EventCatalog;
  /** Runs `work` in one write transaction. */
  transaction<T>(work: () => T): T;
  /** Tells subscribers and background work about committed changes. */
  afterCommit(head: number): void;
  /** Shifts the engine's clock for new events (this device's clock is wrong by that much). */
  setClockOffset(offsetMs: number): void;
}

/** How far ahead of the server's clock a restamped event may still be left as it is. */
const RESTAMP_MARGIN_MS = 60_000;

/**
 * The device's side of sync, on its SQLite: the link, the events to push (those without a server sequence, in the
 * order they were written), acknowledgements, and pulled pages — each applied in one transaction: events validated
 * with the catalog first, streams put in canonical order (the server's, then this device's unacknowledged events),
 * the touched entries' read models refolded, the cursor moved. A crash at any point leaves either the page or none of
 * it; pushing and pulling again repeats nothing (events are idempotent by id on both sides).
 */
export class LocalSyncLog {
  private readonly get: Statement;
  private readonly put: Statement;
  private readonly remove: Statement;
  private readonly byPrefix: Statement;

  constructor(private readonly host: SyncHost) {
    this.byPrefix = host.db.prepare(`SELECT key, value FROM sync_state WHERE key >= ? AND key < ? ORDER BY key`);
    this.get = host.db.prepare(`SELECT value FROM sync_state WHERE key = ?`).pluck();
    this.put = host.db.prepare(`INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    this.remove = host.db.prepare(`DELETE FROM sync_state WHERE key = ?`);
  }

  link(): SyncLink | undefined {
    const raw = this.value('link');
    if (!raw) return undefined;
    const link = JSON.parse(raw) as Omit<SyncLink, 'cursor' | 'epoch'>;
    return { ...link, epoch: this.value('epoch') ?? null, cursor: Number(this.value('cursor') ?? 0) };
  }

  /** Links this data directory to a workspace (every event here will be pushed). */
  setLink(link: Omit<SyncLink, 'cursor' | 'epoch'>): void {
    this.host.transaction(() => {
      const current = this.link();
      if (current && (current.server !== link.server || current.workspace !== link.workspace)) {
        throw new CairnError('conflict', `this data directory is linked to ${current.workspace} on ${current.server}: unlink it first (one data directory per workspace)`);
      }
      this.put.run('link', JSON.stringify({ server: link.server, workspace: link.workspace, userId: link.userId, serverDeviceId: link.serverDeviceId }));
    });
  }

  /** Forgets the link (the events and their sequences stay: linking again to the same workspace resumes). */
  unlink(): void {
    this.host.transaction(() => {
      for (const key of ['link', 'epoch', 'cursor', 'status']) this.remove.run(key);
      this.host.store.forgetSequences();
    });
  }

  value(key: string): string | undefined {
    return this.get.get(key) as string | undefined;
  }

  setValue(key: string, value: string): void {
    this.put.run(key, value);
  }

  /** Who is who in the workspace (empty until the server was asked); a damaged value reads as empty. */
  directory(): TeamDirectory {
    try {
      const parsed = JSON.parse(this.value('directory') ?? '{}') as Partial<TeamDirectory>;
      return { users: { ...parsed.users }, devices: { ...parsed.devices } };
    } catch {
      return { users: {}, devices: {} };
    }
  }

  /** Adds names to the directory (what the server lists now wins over what it listed before). */
  rememberNames(names: TeamDirectory): void {
    const known = this.directory();
    this.setValue('directory', JSON.stringify({ users: { ...known.users, ...names.users }, devices: { ...known.devices, ...names.devices } }));
  }

  removeValue(key: string): void {
    this.remove.run(key);
  }

  /** Every `[key, value]` whose key starts with `prefix` (queues kept in the sync state). */
  valuesWithPrefix(prefix: string): [string, string][] {
    return (this.byPrefix.all(prefix, `${prefix}\uffff`) as { key: string; value: string }[]).map((row) => [row.key, row.value]);
  }

  /** Takes these entries' states afresh in every read model (something they depend on arrived: a document's text). */
  refold(entryIds: readonly string[]): void {
    const head = this.host.transaction(() => {
      this.host.repository.forget(new Set(entryIds));
      this.host.readModels.refoldEverywhere(entryIds.flatMap((id) => this.host.store.readStream(id)));
      this.setValue('refolds', String(Number(this.value('refolds') ?? 0) + 1)); // the search cache's version moves
      return this.host.store.head();
    });
    this.host.afterCommit(head);
  }

  pendingCount(): number {
    return this.host.store.countUnacknowledged();
  }

  /** Events to push, as their envelopes were written (the version they were authored with). */
  pending(limit: number): WireEvent[] {
    return this.host.store.unacknowledged(limit).map(toWire);
  }

  /** Records a push's acknowledgements: each event's sequence and the account and device the server recorded. */
  acknowledge(response: PushResponse): void {
    const link = this.requireLink();
    const origin: EventOrigin = { userId: link.userId, deviceId: link.serverDeviceId, receivedAt: null };
    this.host.transaction(() => {
      this.checkEpoch(response.epoch);
      const known = this.host.store.byIds(response.acks.map((a) => a.eventId));
      const touched: RecordedEvent[] = [];
      for (const ack of response.acks) {
        const event = known.get(ack.eventId);
        if (!event) throw new ServerMisbehaved(`an acknowledgement of an event this device never pushed (${ack.eventId})`);
        if (event.seq !== undefined && event.seq !== null) {
          if (event.seq !== ack.seq) throw new ServerMisbehaved(`sequence ${ack.seq} for an event it numbered ${event.seq} before`, { eventId: ack.eventId });
          continue;
        }
        this.host.store.setSequence(ack.eventId, ack.seq, origin);
        touched.push(event);
      }
      // Who changed an entry is now the account the server recorded.
      this.refresh(touched);
    });
  }

  /**
   * Applies one pulled page after the cursor, in one transaction. Refuses (changing nothing) a page that skips or
   * repeats sequences, holds an event that fails the catalog, or reuses an event id with other content.
   */
  applyPull(events: readonly PulledEvent[], epoch: string): PullOutcome {
    const link = this.requireLink();
    let expected = link.cursor + 1;
    const valid = events.map((pulled, index) => {
      if (pulled.seq !== expected) throw new ServerMisbehaved(`sequence ${pulled.seq} where ${expected} was due`, { index });
      expected++;
      try {
        return { pulled, event: validateWireEvent(pulled.event, index) };
      } catch (error) {
        throw new ServerMisbehaved(`an event that fails validation (${error instanceof Error ? error.message : String(error)})`, { index });
      }
    });
    const positionBefore = this.host.store.head();
    const touched = new Set<string>();
    let outcome: PullOutcome;
    try {
      outcome = this.host.transaction(() => {
        this.checkEpoch(epoch);
        const known = this.host.store.byIds(valid.map((v) => v.event.eventId));
        // Streams whose pulled events simply go last (every event in them numbered by the server before these) take
        // the next version as they are inserted; the others — with this device's own events, unacknowledged or
        // acknowledged ahead of the cursor — are renumbered once the page is in.
        const next = new Map<string, number | null>();
        const nextVersion = (aggregateId: string, seq: number): number | null => {
          let version = next.get(aggregateId);
          if (version === undefined) {
            const shape = this.host.store.streamShape(aggregateId);
            version = shape.sequenced === shape.count && shape.maxVersion === shape.count && shape.maxSeq < seq ? shape.count + 1 : null;
          }
          next.set(aggregateId, version === null ? null : version + 1);
          return version;
        };
        const arrivals: Arrival[] = [];
        // The events of the streams that stay in canonical order, as inserted (the others are read back whole).
        const appended = new Map<string, RecordedEvent[]>();
        let inserted = 0;
        let hlcSeen = this.value('hlc_seen') ?? '';
        for (const { pulled, event } of valid) {
          const origin: EventOrigin = { userId: pulled.pushedBy.userId, deviceId: pulled.pushedBy.deviceId, receivedAt: pulled.receivedAt };
          const mine = known.get(event.eventId);
          if (mine) {
            if (!this.sameEnvelope(mine, event)) throw new ServerMisbehaved(`event ${event.eventId} with other content than this device holds under that id`, { eventId: event.eventId });
            if (mine.seq !== undefined && mine.seq !== null && mine.seq !== pulled.seq) throw new ServerMisbehaved(`event ${event.eventId} at sequence ${pulled.seq}, numbered ${mine.seq} before`);
            this.host.store.setSequence(event.eventId, pulled.seq, origin);
            next.set(event.aggregateId, null);
          } else {
            const version = nextVersion(event.aggregateId, pulled.seq);
            const recorded = this.host.store.insertPulled(event, pulled.seq, origin, version ?? undefined);
            if (version !== null) {
              const list = appended.get(event.aggregateId);
              if (list) list.push(recorded);
              else appended.set(event.aggregateId, [recorded]);
            }
            arrivals.push({ entryId: event.aggregateId, eventType: event.type, by: pulled.pushedBy });
            inserted++;
          }
          touched.add(event.aggregateId);
          if (event.metadata.hlc > hlcSeen) hlcSeen = event.metadata.hlc;
        }
        // Each touched entry is folded once, here, and the read models take that state. A stream whose pulled events
        // simply went last is like a local append: its state takes just them (onto the remembered one), and so do
        // the inline read models. The others are renumbered, read back whole and refolded.
        const reordered: RecordedEvent[][] = [];
        const tail: RecordedEvent[] = [];
        for (const entryId of touched) {
          if (next.get(entryId) !== null) {
            const events = appended.get(entryId)!;
            this.host.repository.appended(entryId, events);
            tail.push(...events);
            continue;
          }
          this.host.store.renumber(entryId);
          this.host.repository.invalidate([entryId]);
          const stream = this.host.store.readStream(entryId);
          if (stream.length > 0) this.host.repository.refolded(entryId, stream);
          reordered.push(stream);
        }
        this.host.readModels.applyInline(tail, false);
        this.host.readModels.applyInline(reordered.flat());
        const cursor = link.cursor + valid.length;
        this.put.run('cursor', String(cursor));
        if (hlcSeen) this.put.run('hlc_seen', hlcSeen);
        return { inserted, entryIds: [...touched], cursor, arrivals };
      });
    } catch (error) {
      this.host.repository.forget(touched); // states remembered by the rolled-back transaction
      throw error;
    }
    if (outcome.inserted > 0 || outcome.entryIds.length > 0) this.host.afterCommit(Math.max(positionBefore, this.host.store.head()));
    return outcome;
  }

  /**
   * The server refused events whose clock is far ahead of its own: this device's clock is wrong. From now on new
   * events use the server's time (an offset kept here), and the unacknowledged events too far ahead get new clocks —
   * they were refused, so no one else has them — each after the one before, so their order holds. Returns how many.
   */
  restampPending(serverNowMs: number, localNowMs: number, deviceId: string): number {
    const offset = serverNowMs - localNowMs;
    return this.host.transaction(() => {
      this.put.run('clock_offset_ms', String(offset));
      this.host.setClockOffset(offset);
      let previous = decodeHlc(this.host.store.latestSequencedHlc() ?? '');
      let restamped = 0;
      for (const event of this.host.store.unacknowledged(Number.MAX_SAFE_INTEGER)) {
        const clock = decodeHlc(event.metadata.hlc);
        if (clock && clock.wallMs <= serverNowMs + RESTAMP_MARGIN_MS && (!previous || compareHlc(clock, previous) > 0)) {
          previous = clock;
          continue;
        }
        previous = tickHlc(previous, serverNowMs, deviceId);
        this.host.store.rewriteMetadata(event.eventId, { ...event.metadata, hlc: encodeHlc(previous), at: new Date(serverNowMs).toISOString() });
        restamped++;
      }
      this.host.repository.forget();
      return restamped;
    });
  }

  /**
   * The server's log went back (a new epoch): its sequence numbers mean something else now. Every event here loses
   * its sequence and the cursor starts again, so the next pull renumbers what the server still has and the next push
   * sends what it lost — this device's events and the ones it holds from others alike.
   */
  resetEpoch(epoch: string): void {
    this.host.transaction(() => {
      this.host.store.forgetSequences();
      this.put.run('cursor', '0');
      this.put.run('epoch', epoch);
      this.host.repository.forget();
    });
  }

  /** The first epoch seen is remembered; a later one differing throws {@link EpochChanged}. */
  private checkEpoch(epoch: string): void {
    const known = this.value('epoch');
    if (known === undefined) this.put.run('epoch', epoch);
    else if (known !== epoch) throw new EpochChanged(known, epoch);
  }

  /** Whether a pulled envelope is the one stored under its id (both at the current schema version, as canonical JSON). */
  private sameEnvelope(stored: RecordedEvent, pulled: NewEvent): boolean {
    const current = (event: NewEvent) => ({ ...toWire(event as RecordedEvent), schemaVersion: this.host.catalog.currentVersion(event.type), data: this.host.catalog.upcast(event.type, event.schemaVersion, event.data) });
    return canonicalJson(current(stored)) === canonicalJson(current(pulled));
  }

  private refresh(events: readonly RecordedEvent[]): void {
    this.host.repository.forget(new Set(events.map((e) => e.aggregateId)));
    this.host.readModels.applyInline(events);
  }

  private requireLink(): SyncLink {
    const link = this.link();
    if (!link) throw new CairnError('validation', 'this data directory is not linked to a sync server workspace');
    return link;
  }
}

/** The envelope of a stored event as it was written (and is pushed). */
export function toWire(event: RecordedEvent): WireEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    aggregateId: event.aggregateId,
    aggregateType: event.aggregateType,
    version: event.authoredVersion ?? event.version,
    data: event.data,
    metadata: event.metadata,
  };
}
