import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { BlobStore, isSha256 } from '../blobs/blobStore.js';
import { eventCatalog } from '../domain/catalog.js';
import { isDocumentCommand, type DocumentCommand } from '../domain/document/commands.js';
import { decideDocument } from '../domain/document/decide.js';
import type { EntryCommand, EntryDecisionInput } from '../domain/entry/commands.js';
import { decideEntry } from '../domain/entry/decide.js';
import { entryAggregateType } from '../domain/entry/events.js';
import type { NewEvent, RecordedEvent } from '../domain/shared/envelope.js';
import { applyMerge, initialMergeState } from '../domain/merge/mergeEntry.js';
import { decodeHlc, encodeHlc, tickHlc, type Hlc } from '../domain/shared/hlc.js';
import { ConcurrencyError, ConflictError, NotFoundError, ValidationError } from '../errors/cairnError.js';
import { isUuid, systemEnvironment, type Environment } from '../ids/ids.js';
import { DocumentQueries } from '../ingest/documentQueries.js';
import { JobQueue } from '../jobs/jobQueue.js';
import { engineReadModels } from './readModelSet.js';
import { ReadModels, type RebuildResult } from '../projections/readModels.js';
import { openDatabase, SCHEMA_VERSION, type Database } from '../store/database.js';
import { SqliteEventStore } from '../store/sqliteEventStore.js';
import type { VectorFormat, VectorPartitioning } from '../embeddings/vectorStore.js';
import { searchProjectionName, type TextReader } from '../search/searchProjection.js';
import { PreparedTexts, prepareText } from '../search/preparedText.js';
import { SearchService } from '../search/searchService.js';
import { AskService } from '../agents/askService.js';
import { Dismissals, type Dismissal } from '../agents/dismissals.js';
import { SavedSearches, type AlertMatcher, type SavedSearch, type SavedSearchInput } from '../agents/savedSearches.js';
import { readSummary, summariesProjectionName, type SummaryView } from '../agents/summaryProjection.js';
import { LinkQueries, type EntryLinksView } from '../agents/linkQueries.js';
import { inBackgroundTurn } from './backgroundTurns.js';
import { linkFirstMention } from '../agents/mentions.js';
import { linkKey, parseLinks } from '../domain/entry/links.js';
import type { EntryState } from '../domain/entry/state.js';
import { nearDuplicatesProjectionName, readNearCopies, readNearDuplicatePairs, type NearCopy, type NearDuplicatePair } from '../agents/nearDuplicateProjection.js';
import { linksProjectionName } from '../agents/linksProjection.js';
import { RelatedEntries, type RelatedView } from '../agents/related.js';
import { suggestTags, type TagSuggestionsView } from '../agents/tagSuggestions.js';
import { EntryQueries, historyItem, viewFromEvents } from './entryQueries.js';
import { EntryRepository, mergeEventOf } from './entryRepository.js';
import { LocalSyncLog } from '../sync/localSyncLog.js';
import type { ActivityItem, CommandResult, EngineChange, EngineNotice, EngineProgress, EngineStatus, EngineSyncNotice, EngineTeamNotice, EntryList, EntryView, HistoryItem, ListEntriesQuery, TagCount } from './views.js';

/** Every command the engine handles; all of them act on entry streams. */
export type EngineCommand = EntryCommand | DocumentCommand;

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
  /** When and how finely vectors are partitioned (evaluations force it on small sets); see VectorStore. */
  readonly vectorPartitions?: VectorPartitioning;
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

/** How long one slice of the background catch-up holds the thread. */
const backgroundSliceMs = 5;
/**
 * How long a query (a search, an agent's panel) brings the read models it reads up to date before it answers, in a
 * long-running process: bounded by time, not by events, since one event may carry a large document.
 */
const queryCatchUpMs = 10;
/** A change a person just made is at most this many events: always taken in (within the budget), whatever it costs. */
const queryFreshEvents = 16;

export type EngineListener = (notice: EngineNotice) => void;

/** What the commands of one transaction share. */
interface BatchContext {
  hlc: Hlc | undefined;
  readonly now: number;
}

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
  /** Reads of the `documents` read model (imported files and their processing). */
  readonly documents: DocumentQueries;
  /** Search (lexical, semantic, hybrid), the query cache and the embedding model. */
  readonly search: SearchService;
  /** Extracted texts that extraction threads already chunked and analyzed, for the search projection to take. */
  readonly preparedTexts = new PreparedTexts();
  /** This data directory's side of sync: its link, what to push, acknowledgements and pulled pages. */
  readonly sync: LocalSyncLog;
  /** Suggestions a person dismissed on this device (agents read it to leave them out). */
  readonly dismissals: Dismissals;
  /** Searches saved on this device, and their alerts. */
  readonly savedSearches: SavedSearches;
  /** Answers from the user's own entries, with citations (agents/askService.ts). */
  readonly ask: AskService;
  private relatedAgent: RelatedEntries | undefined;
  private readonly store: SqliteEventStore;
  private readonly readModels: ReadModels;
  private readonly repository: EntryRepository;
  private readonly queries: EntryQueries;
  private readonly linkQueries: LinkQueries;
  private readonly env: Environment;
  private readonly meta: Meta;
  private readonly lastHlcStatement: Statement;
  private readonly cursorStatement: Statement;
  /** How far this device's clock is off the sync server's (learned when the server refused a clock far ahead). */
  private clockOffsetMs = 0;
  private readonly listeners = new Set<EngineListener>();
  private readonly pending: { command: EngineCommand; options: ExecuteOptions; resolve: (result: CommandResult) => void; reject: (error: Error) => void }[] = [];
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
    const readText: TextReader = (sha256) =>
      this.preparedTexts.take(sha256) ?? (isSha256(sha256) && this.blobs.has(sha256) ? prepareText(this.blobs.readText(sha256)) : undefined);
    this.repository = new EntryRepository(db, this.store, options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery });
    const readRawText = (sha256: string) => (isSha256(sha256) && this.blobs.has(sha256) ? this.blobs.readText(sha256) : undefined);
    this.readModels = new ReadModels(db, this.store, engineReadModels(readText, readRawText), this.repository);
    this.readModels.repair();
    this.queries = new EntryQueries(db, eventCatalog);
    this.dismissals = new Dismissals(db);
    this.savedSearches = new SavedSearches(db);
    this.linkQueries = new LinkQueries(db);
    this.jobs = new JobQueue(db, this.env);
    this.documents = new DocumentQueries(db, (sha256) => this.blobs.has(sha256));
    this.search = new SearchService({
      db,
      dataDir: this.dataDir,
      catchUp: () => this.catchUp(),
      catchUpForSearch: () => this.catchUpForSearch(),
      backgroundEmbedding: options.backgroundEmbedding ?? options.autoCatchUp !== false,
      ...(options.modelDir !== undefined && { modelDir: options.modelDir }),
      ...(options.vectorFormat !== undefined && { vectorFormat: options.vectorFormat }),
      ...(options.vectorPartitions !== undefined && { vectorPartitions: options.vectorPartitions }),
      ...(options.modelThreads !== undefined && { modelThreads: options.modelThreads }),
      ...(options.semanticWeight !== undefined && { semanticWeight: options.semanticWeight }),
      onProgress: (task, done, total) => this.emit({ type: 'progress', task, done, total }),
      summaryOf: (entryId) => readSummary(db, entryId)?.text,
      onBackgroundError: (error) => (options.onBackgroundError ?? (() => undefined))(error),
    });
    this.ask = new AskService({ db, search: this.search, emit: (notice) => {
        if (!this.closed) this.emit(notice);
      }, newId: () => this.env.newId() });
    this.meta = this.loadMeta(options.actorId);
    this.sync = new LocalSyncLog({
      db,
      store: this.store,
      repository: this.repository,
      readModels: this.readModels,
      catalog: eventCatalog,
      transaction: (work) => this.store.transaction(work),
      afterCommit: (head) => this.afterCommit(head),
      setClockOffset: (offset) => (this.clockOffsetMs = offset),
    });
    this.clockOffsetMs = Number(this.sync.value('clock_offset_ms') ?? 0);
    // The clock of the last event written here, or of the newest pulled from the server if that is later (a new
    // event must come after everything this device has seen).
    this.lastHlcStatement = db
      .prepare(`SELECT max(coalesce((SELECT json_extract(metadata, '$.hlc') FROM events ORDER BY position DESC LIMIT 1), ''), coalesce((SELECT value FROM sync_state WHERE key = 'hlc_seen'), ''))`)
      .pluck();
    this.cursorStatement = db.prepare(`SELECT value FROM sync_state WHERE key = 'cursor'`).pluck();
    this.notifiedHead = this.store.head();
  }

  // ── commands ──────────────────────────────────────────────────────────────────────────────────

  execute(command: EngineCommand, options: ExecuteOptions = {}): CommandResult {
    const [result] = this.executeBatch([command], options);
    return result!;
  }

  /** Runs the commands in one transaction: all of them take effect, or none. */
  executeBatch(commands: readonly EngineCommand[], options: ExecuteOptions = {}): CommandResult[] {
    return this.transact((execute) => commands.map((command) => execute(command)), options);
  }

  /**
   * Runs `work` in one write transaction: the commands it executes, the reads it makes in between (which
   * see its own writes) and other writes to this database (e.g. `jobs`) all take effect, or none do.
   * Use it when what to command depends on the current state, such as skipping a file already imported.
   */
  transact<T>(work: (execute: (command: EngineCommand) => CommandResult) => T, options: ExecuteOptions = {}): T {
    this.assertOpen();
    const correlationId = options.correlationId ?? this.env.newId();
    const touched: string[] = [];
    let lastPosition = 0;
    let result: T;
    try {
      result = this.store.transaction(() => {
        // Read once per transaction: the clock of the last event in the log (ours or another process's).
        const batch: BatchContext = { hlc: decodeHlc((this.lastHlcStatement.get() as string | undefined) ?? ''), now: this.env.now() + this.clockOffsetMs };
        return work((command) => {
          touched.push(command.entryId);
          const executed = this.executeInTransaction(command, { ...options, correlationId }, batch);
          if (executed.positions.length > 0) lastPosition = executed.positions[executed.positions.length - 1]!;
          return executed;
        });
      });
    } catch (error) {
      this.repository.forget(touched); // states cached by the rolled-back transaction
      throw error;
    }
    if (lastPosition > 0) this.afterCommit(lastPosition);
    return result;
  }

  /**
   * Queues a command and resolves when it is committed. Commands submitted in the same turn of the
   * event loop share one transaction (group commit) — each in its own savepoint, so each succeeds or
   * fails on its own exactly as with {@link execute}. A caller that awaits each command before the
   * next gets one transaction per command; concurrent callers (several tabs, an import, sync) share
   * the cost of committing.
   */
  submit(command: EngineCommand, options: ExecuteOptions = {}): Promise<CommandResult> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.pending.push({ command, options, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flushPending());
    });
  }

  private flushPending(): void {
    const queued = this.pending.splice(0);
    if (queued.length === 0) return;
    if (this.closed) {
      for (const item of queued) item.reject(new ValidationError('the engine is closed'));
      return;
    }
    const outcomes: ({ ok: true; result: CommandResult } | { ok: false; error: unknown })[] = [];
    let lastPosition = 0;
    try {
      this.store.transaction(() => {
        const batch: BatchContext = { hlc: decodeHlc((this.lastHlcStatement.get() as string | undefined) ?? ''), now: this.env.now() + this.clockOffsetMs };
        for (const { command, options } of queued) {
          try {
            const run = () => this.executeInTransaction(command, { ...options, correlationId: options.correlationId ?? this.env.newId() }, batch);
            const result = this.db.transaction(run)(); // a savepoint inside the outer transaction
            if (result.positions.length > 0) lastPosition = result.positions[result.positions.length - 1]!;
            outcomes.push({ ok: true, result });
          } catch (error) {
            this.repository.forget([command.entryId]);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      this.repository.forget(queued.map((q) => q.command.entryId));
      for (const item of queued) item.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (lastPosition > 0) this.afterCommit(lastPosition);
    queued.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.result);
      else item.reject(outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error)));
    });
  }

  private executeInTransaction(command: EngineCommand, options: ExecuteOptions & { correlationId: string }, batch: BatchContext): CommandResult {
    const entryId = command.entryId;
    if (typeof entryId !== 'string' || !isUuid(entryId)) {
      throw new ValidationError(`entry id ${JSON.stringify(entryId)} is not a valid id`);
    }
    // A create needs no read: it is decided against an empty stream, and the unique (entry, version)
    // index refuses it atomically if the entry exists after all.
    const { merged, snapshotVersion } = command.type === 'CreateEntry' ? { merged: initialMergeState(entryId), snapshotVersion: 0 } : this.repository.load(entryId);
    const state = merged.entry;
    if (options.expectedVersion !== undefined && options.expectedVersion !== state.version && command.type !== 'CreateEntry') {
      throw new ConcurrencyError(entryId, options.expectedVersion, state.version);
    }
    const input =
      command.type === 'RevertEntry' && command.toVersion >= 1 && command.toVersion <= state.version
        ? { stateAtTarget: this.repository.loadAt(entryId, command.toVersion) }
        : this.linkInput(command, state);
    const decided = isDocumentCommand(command) ? decideDocument(command, state) : decideEntry(command, state, input);
    if (decided.length === 0) return { entryId, version: state.version, changed: false, positions: [] };
    const at = new Date(batch.now).toISOString();
    // What this device has received from the server of the entry: merging later edits needs to know what this one saw.
    const baseEventId = command.type === 'CreateEntry' ? null : this.store.lastPulled(entryId, this.cursor());
    const baseVersion = baseEventId ? (this.store.versionOf(entryId, baseEventId) ?? 0) : 0;
    const newEvents: NewEvent[] = decided.map((event, i) => {
      batch.hlc = tickHlc(batch.hlc, batch.now, this.meta.deviceId);
      return {
        eventId: this.env.newId(),
        type: event.type,
        schemaVersion: eventCatalog.currentVersion(event.type),
        aggregateId: entryId,
        aggregateType: entryAggregateType,
        version: state.version + i + 1,
        data: event.data,
        metadata: {
          workspaceId: this.meta.workspaceId,
          actorId: this.meta.actorId,
          deviceId: this.meta.deviceId,
          hlc: encodeHlc(batch.hlc),
          baseVersion: state.version,
          correlationId: options.correlationId,
          causationId: options.causationId ?? null,
          at,
          baseEventId,
        },
      };
    });
    // The new state is known before the events are stored: the inline read models take it from the repository.
    let next = merged;
    for (const event of newEvents) next = applyMerge(next, mergeEventOf(event as RecordedEvent, baseVersion), () => next.entry.body).state;
    this.repository.saved(next, snapshotVersion);
    let events: readonly RecordedEvent[];
    try {
      // The decider built and normalized these events, so the schema check is skipped for them.
      ({ events } = this.store.appendInTransaction(newEvents, { validated: true }));
    } catch (error) {
      this.repository.forget([entryId]);
      if (command.type === 'CreateEntry' && error instanceof ConcurrencyError) {
        throw new ConflictError(`entry ${entryId} already exists`, { entryId });
      }
      throw error;
    }
    return { entryId, version: next.entry.version, changed: true, positions: events.map((e) => e.position) };
  }

  /**
   * What deciding an edit's links needs (EntryDecisionInput): the entries the `[[Title]]`s of the new body name now,
   * and the current titles of the entries it already links to (renamed ones are rewritten).
   */
  private linkInput(command: EngineCommand, state: EntryState): EntryDecisionInput {
    if ((command.type !== 'CreateEntry' && command.type !== 'UpdateEntry') || typeof command.body !== 'string') return {};
    const written = parseLinks(command.body);
    const targetTitles = command.type === 'UpdateEntry' && Object.keys(state.links).length > 0 ? this.linkQueries.titles(Object.values(state.links)) : {};
    if (written.length === 0) return { targetTitles };
    const linkTargets = this.linkQueries.resolve(written.map((link) => link.title));
    if (command.type === 'UpdateEntry' && command.linkTo) {
      for (const [title, id] of Object.entries(command.linkTo)) if (typeof id === 'string' && this.linkQueries.live(id)) linkTargets[linkKey(title)] = id;
    }
    return { linkTargets, targetTitles };
  }

  /** The sync cursor: every server event up to it is here (0 on a device not linked). */
  private cursor(): number {
    return Number((this.cursorStatement.get() as string | undefined) ?? 0);
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
    return this.named(events.map(historyItem));
  }

  log(options: { after?: number; limit?: number } = {}): RecordedEvent[] {
    this.assertOpen();
    return this.store.readAll(options);
  }

  /** The entry's extractive summary (agents/summary.ts); null when its text is too short to need one. */
  summary(entryId: string): SummaryView | null {
    this.assertOpen();
    this.freshen([summariesProjectionName]);
    if (this.store.readStream(entryId).length === 0) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
    return readSummary(this.db, entryId) ?? null;
  }

  /**
   * The entry's links (each with where it leads now, or missing), its backlinks (entries linking to it, by id or — for
   * links written before it existed — by its title) and its unlinked mentions (entries whose text holds its title
   * outside a link; those dismissed for agent 'links' on this device are left out).
   */
  links(entryId: string): EntryLinksView {
    this.assertOpen();
    this.freshen([linksProjectionName, searchProjectionName]);
    if (this.store.readStream(entryId, { toVersion: 1 }).length === 0) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
    const readText = (id: string) => {
      const sha = this.repository.state(id).document?.processed?.textSha256;
      return sha && isSha256(sha) && this.blobs.has(sha) ? this.blobs.readText(sha) : undefined;
    };
    return {
      entryId,
      links: this.linkQueries.links(entryId),
      backlinks: this.linkQueries.backlinks(entryId),
      mentions: this.linkQueries.mentions(entryId, (title, limit) => this.search.mentionCandidates(title, limit), readText, this.dismissals.dismissed(entryId, 'links')),
    };
  }

  /**
   * Accepts an unlinked mention: edits `fromId`'s body so its first plain mention of the entry's title becomes
   * `[[Title]]` (or `[[Title|as written]]`), linked to this entry. An ordinary edit: it has history and syncs.
   */
  linkMention(entryId: string, fromId: string): CommandResult {
    this.assertOpen();
    const target = this.linkQueries.live(entryId);
    if (!target) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
    const from = this.linkQueries.live(fromId);
    if (!from) throw new NotFoundError(`no entry with id ${fromId}`, { entryId: fromId });
    if (/[[\]|\n]/u.test(target.title)) throw new ValidationError(`"${target.title}" holds a bracket or a "|", so it cannot be written as a [[link]]`, { entryId });
    const body = linkFirstMention(from.body, target.title);
    if (body === undefined) {
      throw new ValidationError(`"${from.title}" does not mention "${target.title}" outside a link in its text${from.kind === 'document' ? ' (a document\'s extracted text cannot be edited)' : ''}`, { entryId, from: fromId });
    }
    return this.execute({ type: 'UpdateEntry', entryId: fromId, body, linkTo: { [target.title]: entryId } });
  }

  /**
   * The entry's near copies (agents/nearDuplicateProjection.ts), most similar first, without those a person kept
   * (dismissed for agent `duplicates` on either side).
   */
  nearDuplicates(entryId: string, limit = 50): NearCopy[] {
    this.assertOpen();
    this.freshen([nearDuplicatesProjectionName]);
    if (this.store.readStream(entryId).length === 0) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
    const kept = this.dismissals.dismissed(entryId, 'duplicates');
    return readNearCopies(this.db, entryId, limit, (other) => kept.has(other) || this.dismissals.dismissed(other, 'duplicates').has(entryId));
  }

  /** Pairs of near copies in the whole library, most similar first, without those a person kept. */
  duplicates(limit = 100): NearDuplicatePair[] {
    this.assertOpen();
    this.freshen([nearDuplicatesProjectionName]);
    const kept = new Map<string, Set<string>>();
    const keptBy = (id: string) => kept.get(id) ?? kept.set(id, this.dismissals.dismissed(id, 'duplicates')).get(id)!;
    return readNearDuplicatePairs(this.db, limit, (a, b) => keptBy(a).has(b) || keptBy(b).has(a));
  }

  /** Entries related to this one ("see also", agents/related.ts): by its distinctive words and, with a model, its vectors. */
  related(entryId: string, limit?: number): RelatedView {
    this.assertOpen();
    return this.relatedEntries().related(entryId, limit);
  }

  /** Tags to add to the entry (agents/tagSuggestions.ts); accepting one is an ordinary `UpdateEntry` with `addTags`. */
  suggestTags(entryId: string): TagSuggestionsView {
    this.assertOpen();
    const related = this.relatedEntries();
    const keywords = related.keywords(entryId);
    const neighbours = related.related(entryId).results;
    const tagsOf = (id: string) => this.queries.get(id).tags;
    const suggestions = suggestTags({
      keywords,
      tagsInUse: this.queries.tags().map((t) => t.tag),
      ownTags: tagsOf(entryId),
      relatedTags: neighbours.map((n) => tagsOf(n.entryId)),
      dismissed: this.dismissals.dismissed(entryId, 'tags'),
    });
    return { entryId, suggestions, related: neighbours.length };
  }

  /**
   * Tells subscribers what the agents found for documents whose processing this host just finished (a person may be
   * waiting on them): an `agents` notice per document with its suggested tags and how many related entries it has.
   */
  reportFindings(entryIds: readonly string[]): void {
    if (this.closed || this.listeners.size === 0) return;
    for (const entryId of entryIds) {
      this.guard(() => {
        const tags = this.suggestTags(entryId);
        const title = this.queries.get(entryId).title;
        this.emit({ type: 'agents', entryId, title, suggestedTags: tags.suggestions.map((s) => s.tag), related: tags.related });
      });
    }
  }

  /** Prepares related entries ahead of use, in slices between other work (see RelatedEntries.warmUp). */
  warmUpRelated(): Promise<number> {
    this.assertOpen();
    this.catchUp();
    return this.relatedEntries().warmUp(() => !this.closed);
  }

  private relatedEntries(): RelatedEntries {
    this.relatedAgent ??= new RelatedEntries(this.db, this.search, this.dismissals, () => this.freshen([searchProjectionName]));
    return this.relatedAgent;
  }

  /** Remembers that a person dismissed a suggestion for an entry, so agents no longer offer it. */
  dismissSuggestion(dismissal: Dismissal): void {
    this.assertOpen();
    if (this.store.readStream(dismissal.entryId).length === 0) throw new NotFoundError(`no entry with id ${dismissal.entryId}`, { entryId: dismissal.entryId });
    this.dismissals.dismiss(dismissal);
  }

  /** Saves a search as `id` (a new one, or changes the one saved as `id`); what it finds now never alerts. */
  saveSearch(id: string, input: SavedSearchInput): SavedSearch {
    this.assertOpen();
    // What it finds now is read from the search index, so that is what must be up to date.
    this.readModels.catchUpUntil(Infinity, [searchProjectionName]);
    return this.savedSearches.save(id, input, this.alertMatcher);
  }

  private readonly alertMatcher: AlertMatcher = (search, entryIds) =>
    this.search.matching({ query: search.query, ...(search.tag !== null && { tag: search.tag }), ...(search.kind !== null && { kind: search.kind }), ...(search.type !== null && { type: search.type }) }, entryIds);

  /**
   * Tells listeners which entries saved searches found since they last looked: after the background catch-up reached
   * the head, and on the poll (which first catches up, when there is no background catch-up to wait for).
   */
  private checkAlerts(catchUpFirst: boolean): void {
    if (this.closed || this.listeners.size === 0 || !this.savedSearches.behind()) return;
    if (catchUpFirst) this.readModels.catchUpUntil(Infinity, [searchProjectionName]);
    else if ((this.readModels.lag()[searchProjectionName] ?? 0) > 0) return;
    const alerts = this.savedSearches.check(this.alertMatcher);
    if (alerts.length > 0) this.emit({ type: 'alert', alerts });
  }

  tags(): TagCount[] {
    this.assertOpen();
    // Only the tag counts (cheap to bring up to date): the library's sidebar asks after every change, an import's too.
    this.readModels.catchUpUntil(Infinity, ['tag_counts']);
    return this.queries.tags();
  }

  activity(options: { before?: number; limit?: number } = {}): ActivityItem[] {
    this.assertOpen();
    return this.named(this.queries.activity(options));
  }

  /** Adds the names the sync server lists to who made each change. */
  private named<T extends { actorId: string; deviceId: string }>(items: T[]): T[] {
    const { users, devices } = this.sync.directory();
    return items.map((item) => ({ ...item, actorName: users[item.actorId] ?? null, deviceName: devices[item.deviceId] ?? null }));
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
    this.repository.forget();
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
      this.pollTimer = setInterval(() => {
        this.guard(() => this.notify());
        // What another process wrote: the background catch-up takes it (and checks alerts when done), else do it here.
        if (this.options.autoCatchUp === false) this.guard(() => this.checkAlerts(true));
        else if (this.savedSearches.behind()) this.scheduleCatchUp();
      }, this.options.pollIntervalMs ?? 500);
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

  /** Tells subscribers how a long task (an import, document processing) is going. */
  reportProgress(progress: EngineProgress): void {
    if (!this.closed) this.emit(progress);
  }

  /** Tells subscribers sync's state changed. */
  reportSync(notice: EngineSyncNotice | EngineTeamNotice): void {
    if (!this.closed) this.emit(notice);
  }

  private afterCommit(head: number): void {
    // Without listeners there is nobody to tell: remember the head without another query.
    if (this.listeners.size === 0) this.notifiedHead = head;
    else this.notify();
    this.scheduleCatchUp();
  }

  /**
   * The background catch-up of long-running processes: the agents (async subscribers) work through the log in slices
   * of {@link backgroundSliceMs}, each in its own turn of the event loop, so requests that came meanwhile (a search,
   * a keystroke's save) are served between slices instead of waiting for a whole import's backlog. When every agent is
   * at the head, saved searches' alerts are checked and the embedding back-fill is woken.
   */
  private scheduleCatchUp(): void {
    if (this.options.autoCatchUp === false || this.catchUpScheduled) return;
    this.catchUpScheduled = true;
    inBackgroundTurn(() => {
      this.catchUpScheduled = false;
      if (this.closed) return;
      let done = true;
      this.guard(() => (done = this.readModels.catchUpUntil(performance.now() + backgroundSliceMs).done));
      if (this.closed) return;
      if (!done) return this.scheduleCatchUp();
      this.guard(() => this.checkAlerts(false));
      this.search.kick();
    });
  }

  /**
   * Brings the read models a query reads up to date: wholly in a one-shot process; in a long-running one for at most
   * {@link queryCatchUpMs} (a change just made is a few events, done well within it), leaving the rest to the
   * background catch-up — so a panel that asks after every change never holds the thread for a backlog.
   */
  private freshen(names: readonly string[]): void {
    if (this.options.autoCatchUp === false) {
      this.readModels.catchUpUntil(Infinity, names);
      return;
    }
    const lag = this.readModels.lag();
    if (!names.some((name) => (lag[name] ?? 0) > 0)) return;
    // A backlog beyond the budget (an import in progress) is left to the background catch-up: see catchUpForSearch.
    if (this.beyondQueryBudget(names, lag)) return this.scheduleCatchUp();
    if (!this.readModels.catchUpUntil(performance.now() + queryCatchUpMs, names).done) this.scheduleCatchUp();
  }

  /**
   * What a search waits for, in a long-running process: for at most {@link queryCatchUpMs}, the search index first,
   * then the other agents (a hit's summary) while time is left — a change just made is found, with its summary; behind
   * a backlog (an import in progress) the background catch-up does the rest and the answer says how many changes the
   * index could not see yet. One-shot processes (no background catch-up) always catch up fully.
   */
  private catchUpForSearch(): number {
    if (this.options.autoCatchUp === false) {
      this.readModels.catchUp();
      return 0;
    }
    // Behind more than the budget could take in (an import in progress), a change just made is beyond reach anyway:
    // answer from what is indexed at once rather than spend the budget on the backlog.
    const lag = this.readModels.lag();
    if (this.beyondQueryBudget([searchProjectionName], lag)) {
      this.scheduleCatchUp();
      return lag[searchProjectionName] ?? 0;
    }
    const deadline = performance.now() + queryCatchUpMs;
    const indexed = this.readModels.catchUpUntil(deadline, [searchProjectionName]).done;
    if (!indexed || !this.readModels.catchUpUntil(deadline).done) this.scheduleCatchUp();
    return indexed ? 0 : (this.readModels.lag()[searchProjectionName] ?? 0);
  }

  /** More than a change just made, and more than {@link queryCatchUpMs} could take in (an import in progress). */
  private beyondQueryBudget(names: readonly string[], lag: Record<string, number>): boolean {
    return Math.max(...names.map((name) => lag[name] ?? 0)) > queryFreshEvents && this.readModels.estimatedCatchUpMs(names, lag) > queryCatchUpMs;
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
