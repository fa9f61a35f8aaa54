import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { Database } from '../store/database.js';
import type { SqliteEventStore } from '../store/sqliteEventStore.js';
import { mergeEntryStream, toMergeEvents } from '../domain/merge/mergeEntry.js';
import { createProjectionTables, dropProjectionTables, type EntryStates, type ProjectionDefinition, type ProjectionHandler } from './projection.js';

export interface ReadModelSet {
  /** Run in the append transaction. */
  readonly inline: readonly ProjectionDefinition[];
  /** Run after commit by {@link ReadModels.catchUp}, each from its own checkpoint. */
  readonly async: readonly ProjectionDefinition[];
}

export interface RebuildResult {
  readonly events: number;
  readonly entries: number;
  readonly digest: string;
}

/**
 * A digest query (`SELECT <columns> FROM …`) that gives each row as SQLite's JSON array of its columns:
 * for the column types of read models, the text JSON.stringify gives of the row.
 */
export function jsonRowsQuery(digestQuery: string): string {
  return digestQuery.replace(/^\s*SELECT\s+([\s\S]+?)\s+FROM\s/i, 'SELECT json_array($1) FROM ');
}

interface Checkpoint {
  name: string;
  position: number;
  model_version: number;
}

/**
 * Owns every read model of a database: creates their tables, runs inline projections as a hook of the
 * event store, runs async subscribers from checkpoints stored in the same transaction as their effect
 * (so each effect happens exactly once, even across crashes), rebuilds them all from the log, and
 * computes a digest of their full content.
 */
export class ReadModels {
  private inlineHandlers: ProjectionHandler[] = [];
  private asyncHandlers = new Map<string, ProjectionHandler>();
  private readonly getCheckpoint: Statement;
  private readonly setCheckpoint: Statement;
  /** What one event cost each async subscriber lately, in ms (rises at once, falls slowly): sizes timed batches. */
  private readonly msPerEvent = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly store: SqliteEventStore,
    private readonly set: ReadModelSet,
    private readonly states: EntryStates,
    /** The clock deadlines are read against (tests give their own). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.getCheckpoint = db.prepare(`SELECT name, position, model_version FROM checkpoints WHERE name = ?`);
    this.setCheckpoint = db.prepare(
      `INSERT INTO checkpoints (name, position, model_version) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, model_version = excluded.model_version`,
    );
    this.prepare();
    store.addHook((events) => {
      for (const handler of this.inlineHandlers) handler.apply(events);
    });
  }

  /**
   * Runs the inline read models for events that did not arrive through an append (a pull, acknowledgements): they
   * take the touched entries' states afresh. Call inside the caller's transaction. `refold: false` for events that
   * went at the end of streams whose earlier events did not move (read models treat them as a local append would).
   */
  applyInline(events: readonly RecordedEvent[], refold = true): void {
    if (events.length === 0) return;
    for (const handler of this.inlineHandlers) handler.apply(events, refold);
  }

  /**
   * Runs every read model, inline and async, for these entries' events now: their states taken afresh (a document's
   * text arrived after its events). Their checkpoints stay: the effect is the same whenever it runs.
   */
  refoldEverywhere(events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    for (const handler of [...this.inlineHandlers, ...this.asyncHandlers.values()]) handler.apply(events, true);
  }

  /**
   * Read models that do not match the log: built by an older version of their projection, or an
   * inline projection added after events were written. {@link repair} rebuilds them.
   */
  outdated(): ProjectionDefinition[] {
    const head = this.store.head();
    return this.all().filter((projection) => {
      const checkpoint = this.getCheckpoint.get(projection.name) as Checkpoint | undefined;
      if (!checkpoint) return head > 0 && this.set.inline.includes(projection);
      return checkpoint.model_version !== projection.version;
    });
  }

  /** Rebuilds the outdated read models; a no-op (and no write) when all are current. */
  repair(): string[] {
    const outdated = this.outdated();
    if (outdated.length > 0) this.replayInto(outdated);
    return outdated.map((p) => p.name);
  }

  /**
   * Brings every async subscriber up to the head of the log, in batches (one transaction each).
   * Returns the number of events handled.
   */
  catchUp(batchSize = 2_000): number {
    return this.catchUpUntil(Infinity, undefined, batchSize).handled;
  }

  /**
   * Like {@link catchUp}, in small batches, until `deadline` (a `performance.now()` time) passes: a long-running process
   * calls it again later (after the event loop served what waited), so a backlog never holds the thread for long.
   * With a deadline, each batch is sized to the time left by what an event cost the subscribers taking it lately (at
   * least one event, at most `batchSize`): a batch of big documents would otherwise run far past the deadline.
   * `only` limits it to some subscribers, run in the order given. `done`: they are all at the head.
   */
  catchUpUntil(deadline: number, only?: readonly string[], batchSize = 100): { handled: number; done: boolean } {
    const projections = only ? only.flatMap((name) => this.set.async.filter((p) => p.name === name)) : this.set.async;
    let handled = 0;
    for (;;) {
      const started = this.now();
      if (started >= deadline) return { handled, done: false };
      // Without a deadline (a one-shot catch-up, after a pull) the subscribers furthest behind take the next batch
      // together (one read of the log, one transaction); those ahead wait until the others reach them. With one, the
      // first subscriber behind (in the order given) goes alone, in a batch sized to the time left, so a cheap one
      // (the search index) is never held back by a dear one (near duplicates).
      let all = true;
      let group: ProjectionDefinition[] = [];
      let limit = batchSize;
      const count = this.store.transaction(() => {
        const at = projections.map((projection) => (this.getCheckpoint.get(projection.name) as Checkpoint | undefined)?.position ?? 0);
        let from: number;
        if (deadline === Infinity) {
          from = Math.min(...at);
          all = at.every((position) => position === from);
          group = projections.filter((_, i) => at[i] === from);
        } else {
          const head = this.store.head();
          const behind = at.findIndex((position) => position < head);
          if (behind < 0) return 0;
          from = at[behind]!;
          all = false;
          group = [projections[behind]!];
          limit = this.timedBatch(group, deadline - started, batchSize);
        }
        const events = this.store.readAll({ after: from, limit });
        if (events.length === 0) return 0;
        const to = events[events.length - 1]!.position;
        const run = () =>
          group.forEach((projection) => {
            this.asyncHandlers.get(projection.name)!.apply(events);
            this.setCheckpoint.run(projection.name, to, projection.version);
          });
        if (this.states.readOnly) this.states.readOnly(run);
        else run();
        return events.length;
      });
      handled += count;
      if (count > 0) this.learnCost(group, (this.now() - started) / count);
      if (count === 0 || (all && count < limit)) return { handled, done: true };
    }
  }

  /**
   * About how long bringing `names` to the head would take now, by what their events cost lately (1 ms if unknown);
   * `lag` when the caller has just read it.
   */
  estimatedCatchUpMs(names: readonly string[], lag: Record<string, number> = this.lag()): number {
    return names.reduce((sum, name) => sum + (lag[name] ?? 0) * (this.msPerEvent.get(name) ?? 1), 0);
  }

  /** How many events fit in `remainingMs` when `group` takes them together, by what their events cost lately. */
  private timedBatch(group: readonly ProjectionDefinition[], remainingMs: number, max: number): number {
    const cost = group.reduce((sum, projection) => sum + (this.msPerEvent.get(projection.name) ?? 1), 0);
    return Math.max(1, Math.min(max, Math.floor(remainingMs / Math.max(cost, 0.001))));
  }

  /**
   * A dearer event counts at once (the next batch must not overrun); cheaper ones lower the estimate slowly. A group's
   * cost is shared evenly among its members (their sum, what the next batch of the same group costs, is what counts).
   */
  private learnCost(group: readonly ProjectionDefinition[], ms: number): void {
    const share = ms / group.length;
    for (const { name } of group) {
      const previous = this.msPerEvent.get(name);
      this.msPerEvent.set(name, previous === undefined ? share : Math.max(share, previous * 0.8 + share * 0.2));
    }
  }

  /** How far behind the head each async subscriber is. */
  lag(): Record<string, number> {
    const head = this.store.head();
    const lag: Record<string, number> = {};
    for (const projection of this.set.async) {
      lag[projection.name] = head - ((this.getCheckpoint.get(projection.name) as Checkpoint | undefined)?.position ?? 0);
    }
    return lag;
  }

  /**
   * Drops every read model and replays the whole log into fresh ones, in one transaction: readers see
   * the old read models or the new ones, never a half-built state.
   */
  rebuild(onProgress?: (done: number, total: number) => void): RebuildResult {
    this.replayInto(this.all(), onProgress);
    return { events: this.store.head(), entries: this.countEntries(), digest: this.digest() };
  }

  /**
   * Replays the log into fresh tables of `projections`: stream by stream for those with a stream
   * replayer (see ProjectionDefinition.createStreamReplayer), then in log order through the handlers
   * of the others. Progress counts events, over both passes.
   */
  private replayInto(projections: readonly ProjectionDefinition[], onProgress?: (done: number, total: number) => void): void {
    this.store.transaction(() => {
      const head = this.store.head();
      if (projections.length === this.all().length) this.db.exec('DELETE FROM snapshots');
      for (const projection of projections) {
        dropProjectionTables(this.db, projection);
        createProjectionTables(this.db, projection);
      }
      const byStream = projections.flatMap((p) => (p.createStreamReplayer ? [p.createStreamReplayer(this.db)] : []));
      const inOrder = projections.filter((p) => !p.createStreamReplayer).map((p) => p.createHandler(this.db, this.states));
      const passes = (byStream.length > 0 ? 1 : 0) + (inOrder.length > 0 ? 1 : 0);
      const total = head * passes;
      let done = 0;
      let reported = 0;
      const progress = (events: number) => {
        done += events;
        if (done - reported >= 5_000 || done === total) {
          reported = done;
          onProgress?.(done, total);
        }
      };
      if (byStream.length > 0) {
        for (const stream of this.store.iterateStreams()) {
          // Folded once by the merge rules, for every replayer.
          const merged = { events: stream, state: mergeEntryStream(stream[0]!.aggregateId, toMergeEvents(stream)).state.entry };
          for (const replayer of byStream) replayer.applyStream(merged);
          progress(stream.length);
        }
        for (const replayer of byStream) replayer.finish();
      }
      if (inOrder.length > 0) {
        let batch: RecordedEvent[] = [];
        const flush = () => {
          for (const handler of inOrder) handler.apply(batch);
          progress(batch.length);
          batch = [];
        };
        for (const event of this.store.iterate(0)) {
          batch.push(event);
          if (batch.length === 5_000) flush();
        }
        flush();
      }
      if (done === 0) onProgress?.(0, 0);
      for (const projection of projections) this.setCheckpoint.run(projection.name, head, projection.version);
    });
    this.prepare();
  }

  /** SHA-256 over the full content of every read model, in a fixed order. */
  digest(): string {
    const hash = createHash('sha256');
    for (const projection of [...this.all()].sort((a, b) => a.name.localeCompare(b.name))) {
      hash.update(`projection ${projection.name} v${projection.version}\n`);
      for (const query of projection.digestQueries) {
        hash.update(`${query}\n`);
        // SQLite writes the rows as JSON in half the time JavaScript takes. Rows are hashed a few hundred at
        // a time (one hash update per row took ~1.5× as long).
        let text = '';
        for (const row of this.db.prepare(jsonRowsQuery(query)).pluck().iterate()) {
          text += `${row as string}\n`;
          if (text.length >= 65_536) {
            hash.update(text);
            text = '';
          }
        }
        hash.update(text);
      }
    }
    return hash.digest('hex');
  }

  countEntries(): number {
    return this.db.prepare(`SELECT count(*) FROM entries`).pluck().get() as number;
  }

  private all(): ProjectionDefinition[] {
    return [...this.set.inline, ...this.set.async];
  }

  /** Creates missing tables and checkpoints, and handlers bound to the current tables. */
  private prepare(): void {
    const head = this.store.head();
    for (const projection of this.all()) {
      createProjectionTables(this.db, projection);
      const isInline = this.set.inline.includes(projection);
      // A new async subscriber starts from the beginning of the log; a new inline one waits for repair().
      if (!this.getCheckpoint.get(projection.name) && (head === 0 || !isInline)) this.setCheckpoint.run(projection.name, 0, projection.version);
    }
    this.inlineHandlers = this.set.inline.map((p) => p.createHandler(this.db, this.states));
    this.asyncHandlers = new Map(this.set.async.map((p) => [p.name, p.createHandler(this.db, this.states)]));
  }
}
