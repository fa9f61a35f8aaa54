import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { BlobStore, isSha256 } from '../blobs/blobStore.js';
import { eventCatalog } from '../domain/catalog.js';
import type { EntryCommand } from '../domain/entry/commands.js';
import { decideEntry } from '../domain/entry/decide.js';
import { evolveEntry } from '../domain/entry/evolve.js';
import { entryAggregateType } from '../domain/entry/events.js';
import type { CommandContext, NewEvent, RecordedEvent } from '../domain/shared/envelope.js';
import { decodeHlc, encodeHlc, tickHlc } from '../domain/shared/hlc.js';
import { ConcurrencyError, NotFoundError, ValidationError } from '../errors/cairnError.js';
import { isUuid, systemEnvironment, type Environment } from '../ids/ids.js';
import { JobQueue } from '../jobs/jobQueue.js';
import { activityProjection } from '../projections/activityProjection.js';
import { entriesProjection } from '../projections/entriesProjection.js';
import { tagCountsProjection } from '../projections/tagCountsProjection.js';
import { ReadModels, type RebuildResult } from '../projections/readModels.js';
import { openDatabase, SCHEMA_VERSION, type Database } from '../store/database.js';
import { SqliteEventStore } from '../store/sqliteEventStore.js';
import type { VectorFormat } from '../embeddings/vectorStore.js';
import { createSearchProjection } from '../search/searchProjection.js';
import { SearchService } from '../search/searchService.js';
import { EntryQueries, historyItem, viewFromEvents } from './entryQueries.js';
import { EntryRepository } from './entryRepository.js';
import type { ActivityItem, CommandResult, EngineChange, EngineNotice, EngineStatus, EntryList, EntryView, HistoryItem, ListEntriesQuery, TagCount } from './views.js';

export interface EngineOptions {
  readonly dataDir: string;
  readonly environment?: Environment;
  /** Who is acting; defaults to the data directory's local user. */
  readonly actorId?: string;
  readonly busyTimeoutMs?: number;
  readonly snapshotEvery?: number;
  /** Run async subscribers soon after each commit (default true). Tests and benchmarks may turn it off. */
  readonly autoCatchUp?: boolean;
  /** How often to look for events appended by other processes while someone is subscribed. */
  readonly pollIntervalMs?: number;
  /** Where background failures (catch-up, polling, embedding) are reported. */
  readonly onBackgroundError?: (error: unknown) => void;
  /** An embedding model folder for this process (`--model-dir`, `CAIRN_MODEL_DIR`); wins over `model use`. */
  readonly modelDir?: string;
  /** Compute vectors for new chunks in the background (default: as autoCatchUp). */
  readonly backgroundEmbedding?: boolean;
  /** How vectors are stored (benchmarks compare them); default float32. */
  readonly vectorFormat?: VectorFormat;
  /** Threads for the embedding model (default: the ONNX runtime's choice). */
  readonly modelThreads?: number;
  /** The semantic list's weight in hybrid fusion (default: the model's declared weight). */
  readonly semanticWeight?: number;
}

export interface ExecuteOptions {
  /** Fail with a ConcurrencyError unless the entry is at this version (optimistic concurrency). */
  readonly expectedVersion?: number;
  readonly correlationId?: string;
  readonly causationId?: string | null;
}

export type EngineListener = (notice: EngineNotice) => void;

interface Meta {
  workspaceId: string;
  deviceId: string;
  actorId: string;
}

/**
 * The local engine: command → decide → events appended (inline projections in the same transaction) →
 * async subscribers → queries. Synchronous, because SQLite through better-sqlite3 is; the async,
 * serializable facade front ends use is `EngineApi`.
 */
export class Engine {
  readonly dataDir: string;
  /** The durable job queue in this data directory (ingestion and sync use it). */
  readonly jobs: JobQueue;
  /** Content-addressed files (originals, extracted text) under `<data>/blobs`. */
  readonly blobs: BlobStore;
  /** Search (lexical, semantic, hybrid), the query cache and the embedding model. */
  readonly search: SearchService;
  private readonly store: SqliteEventStore;
  private readonly readModels: ReadModels;
  private readonly repository: EntryRepository;
  private readonly queries: EntryQueries;
  private readonly env: Environment;
  private readonly meta: Meta;
  private readonly lastHlcStatement: Statement;
  private readonly listeners = new Set<EngineListener>();
  private notifiedHead: number;
  private catchUpScheduled = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;

  static open(options: EngineOptions): Engine {
    const db = openDatabase(options.dataDir, options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs });
    try {
      return new Engine(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(
    private readonly db: Database,
    private readonly options: EngineOptions,
  ) {
    this.dataDir = resolve(options.dataDir);
    this.env = options.environment ?? systemEnvironment;
    this.store = new SqliteEventStore(db, eventCatalog);
    this.blobs = new BlobStore(this.dataDir);
    const searchProjection = createSearchProjection((sha256) => (isSha256(sha256) && this.blobs.has(sha256) ? this.blobs.readText(sha256) : undefined));
    this.readModels = new ReadModels(db, this.store, { inline: [entriesProjection], async: [activityProjection, tagCountsProjection, searchProjection] });
    this.readModels.repair();
    this.repository = new EntryRepository(db, this.store, options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery });
    this.queries = new EntryQueries(db);
    this.jobs = new JobQueue(db, this.env);
    this.search = new SearchService({
      db,
      dataDir: this.dataDir,
      catchUp: () => this.catchUp(),
      backgroundEmbedding: options.backgroundEmbedding ?? options.autoCatchUp !== false,
      ...(options.modelDir !== undefined && { modelDir: options.modelDir }),
      ...(options.vectorFormat !== undefined && { vectorFormat: options.vectorFormat }),
      ...(options.modelThreads !== undefined && { modelThreads: options.modelThreads }),
      ...(options.semanticWeight !== undefined && { semanticWeight: options.semanticWeight }),
      onProgress: (task, done, total) => this.emit({ type: 'progress', task, done, total }),
      onBackgroundError: (error) => (options.onBackgroundError ?? (() => undefined))(error),
    });
    this.meta = this.loadMeta(options.actorId);
    this.lastHlcStatement = db.prepare(`SELECT json_extract(metadata, '$.hlc') FROM events ORDER BY position DESC LIMIT 1`).pluck();
    this.notifiedHead = this.store.head();
  }

  // ── commands ──────────────────────────────────────────────────────────────────────────────────

  execute(command: EntryCommand, options: ExecuteOptions = {}): CommandResult {
    const [result] = this.executeBatch([command], options);
    return result!;
  }

  /** Runs the commands in one transaction: all of them take effect, or none. */
  executeBatch(commands: readonly EntryCommand[], options: ExecuteOptions = {}): CommandResult[] {
    this.assertOpen();
    const correlationId = options.correlationId ?? this.env.newId();
    const appended: RecordedEvent[] = [];
    const results = this.store.transaction(() =>
      commands.map((command) => {
        const result = this.executeInTransaction(command, { ...options, correlationId });
        appended.push(...result.events);
        return result.result;
      }),
    );
    if (appended.length > 0) this.afterCommit(appended[appended.length - 1]!.position);
    return results;
  }

  private executeInTransaction(command: EntryCommand, options: ExecuteOptions & { correlationId: string }): { result: CommandResult; events: RecordedEvent[] } {
    if (typeof command.entryId !== 'string' || !isUuid(command.entryId)) {
      throw new ValidationError(`entry id ${JSON.stringify(command.entryId)} is not a valid id`);
    }
    const { state, snapshotVersion } = this.repository.load(command.entryId);
    if (options.expectedVersion !== undefined && options.expectedVersion !== state.version) {
      throw new ConcurrencyError(command.entryId, options.expectedVersion, state.version);
    }
    const input = command.type === 'RevertEntry' && command.toVersion >= 1 && command.toVersion <= state.version
      ? { stateAtTarget: this.repository.loadAt(command.entryId, command.toVersion) }
      : {};
    const decided = decideEntry(command, state, input);
    if (decided.length === 0) return { result: { entryId: command.entryId, version: state.version, changed: false, positions: [] }, events: [] };
    const context: CommandContext = {
      workspaceId: this.meta.workspaceId,
      actorId: this.meta.actorId,
      deviceId: this.meta.deviceId,
      correlationId: options.correlationId,
      causationId: options.causationId ?? null,
    };
    const now = this.env.now();
    let hlc = decodeHlc((this.lastHlcStatement.get() as string | undefined) ?? '');
    const newEvents: NewEvent[] = decided.map((event, i) => {
      hlc = tickHlc(hlc, now, this.meta.deviceId);
      return {
        eventId: this.env.newId(),
        type: event.type,
        schemaVersion: eventCatalog.currentVersion(event.type),
        aggregateId: command.entryId,
        aggregateType: entryAggregateType,
        version: state.version + i + 1,
        data: event.data,
        metadata: { ...context, hlc: encodeHlc(hlc), baseVersion: state.version, at: new Date(now).toISOString() },
      };
    });
    const { events } = this.store.appendInTransaction(newEvents);
    const newState = decided.reduce(evolveEntry, state);
    this.repository.maybeSnapshot(newState, snapshotVersion);
    return {
      result: { entryId: command.entryId, version: newState.version, changed: true, positions: events.map((e) => e.position) },
      events: [...events],
    };
  }

  // ── queries ───────────────────────────────────────────────────────────────────────────────────

  /** The entry now, or as it was right after `version`. */
  getEntry(entryId: string, version?: number): EntryView {
    this.assertOpen();
    if (version === undefined) return this.queries.get(entryId);
    const events = this.store.readStream(entryId, { toVersion: version });
    if (events.length === 0) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
    const latest = this.store.streamVersion(entryId);
    if (!Number.isInteger(version) || version < 1 || version > latest) {
      throw new ValidationError(`entry ${entryId} has versions 1 to ${latest}; there is no version ${version}`, { entryId, version, latestVersion: latest });
    }
    return viewFromEvents(this.repository.loadAt(entryId, version), events);
  }

  listEntries(query: ListEntriesQuery = {}): EntryList {
    this.assertOpen();
    return this.queries.list(query);
  }

  history(entryId: string): HistoryItem[] {
    this.assertOpen();
    const events = this.store.readStream(entryId);
    if (events.length === 0) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
    return events.map(historyItem);
  }

  log(options: { after?: number; limit?: number } = {}): RecordedEvent[] {
    this.assertOpen();
    return this.store.readAll(options);
  }

  tags(): TagCount[] {
    this.assertOpen();
    this.catchUp();
    return this.queries.tags();
  }

  activity(options: { before?: number; limit?: number } = {}): ActivityItem[] {
    this.assertOpen();
    this.catchUp();
    return this.queries.activity(options);
  }

  status(): EngineStatus {
    this.assertOpen();
    return {
      dataDir: this.dataDir,
      schemaVersion: SCHEMA_VERSION,
      workspaceId: this.meta.workspaceId,
      deviceId: this.meta.deviceId,
      actorId: this.meta.actorId,
      events: this.store.head(),
      entries: this.readModels.countEntries(),
      subscriberLag: this.readModels.lag(),
    };
  }

  // ── read models ───────────────────────────────────────────────────────────────────────────────

  /** Runs async subscribers up to the head of the log. */
  catchUp(): number {
    this.assertOpen();
    return this.readModels.catchUp();
  }

  /** Replays the log into fresh read models, reporting `rebuild` progress to subscribers. */
  rebuild(): RebuildResult {
    this.assertOpen();
    return this.readModels.rebuild((done, total) => this.emit({ type: 'progress', task: 'rebuild', done, total }));
  }

  /** The digest of every read model, after the async ones caught up. */
  digest(): string {
    this.catchUp();
    return this.readModels.digest();
  }

  // ── changes ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Calls `listener` after events are committed here or by another process on this data directory,
   * and with the progress of long tasks.
   */
  subscribe(listener: EngineListener): () => void {
    this.assertOpen();
    if (this.listeners.size === 0) this.notifiedHead = this.store.head();
    this.listeners.add(listener);
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => this.guard(() => this.notify()), this.options.pollIntervalMs ?? 500);
      this.pollTimer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.pollTimer) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
      }
    };
  }

  close(): void {
    if (this.closed) return;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.listeners.clear();
    this.guard(() => this.readModels.catchUp());
    this.search.close();
    this.closed = true;
    this.db.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private afterCommit(head: number): void {
    // Without listeners there is nobody to tell: remember the head without another query.
    if (this.listeners.size === 0) this.notifiedHead = head;
    else this.notify();
    if (this.options.autoCatchUp === false || this.catchUpScheduled) return;
    this.catchUpScheduled = true;
    setImmediate(() => {
      this.catchUpScheduled = false;
      if (!this.closed) this.guard(() => this.readModels.catchUp());
      if (!this.closed) this.search.kick();
    });
  }

  /** Tells listeners about events after the last head they heard of. */
  private notify(): void {
    if (this.listeners.size === 0 || this.closed) return;
    const events = this.store.readAll({ after: this.notifiedHead, limit: 10_000 });
    if (events.length === 0) return;
    const change: EngineChange = {
      type: 'changed',
      head: events[events.length - 1]!.position,
      entryIds: [...new Set(events.map((e) => e.aggregateId))],
      eventTypes: [...new Set(events.map((e) => e.type))],
    };
    this.notifiedHead = change.head;
    this.emit(change);
  }

  private emit(notice: EngineNotice): void {
    for (const listener of this.listeners) this.guard(() => listener(notice));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      (this.options.onBackgroundError ?? (() => undefined))(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ValidationError('the engine is closed');
  }

  private loadMeta(actorOverride: string | undefined): Meta {
    const read = this.db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck();
    const get = (key: string) => read.get(key) as string | undefined;
    if (get('device_id') === undefined || get('workspace_id') === undefined || get('actor_id') === undefined) {
      const insert = this.db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)`);
      this.store.transaction(() => {
        insert.run('device_id', this.env.newId());
        insert.run('workspace_id', 'personal');
        insert.run('actor_id', `user:${localUserName()}`);
      });
    }
    return { deviceId: get('device_id')!, workspaceId: get('workspace_id')!, actorId: actorOverride ?? get('actor_id')! };
  }
}

function localUserName(): string {
  try {
    return userInfo().username || 'local';
  } catch {
    return 'local';
  }
}
