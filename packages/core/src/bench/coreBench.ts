import { spawnSync } from 'node:child_process';
import { cpus, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { uuidv7 } from '../ids/uuidv7.js';
import type { EntryCommand } from '../domain/entry/commands.js';
import { Engine } from '../engine/engine.js';
import { engineReadModels } from '../engine/readModelSet.js';
import { openDatabase } from '../store/database.js';
import { entriesProjection } from '../projections/entriesProjection.js';
import { jsonRowsQuery } from '../projections/readModels.js';
import { indexText, pinyinText } from '../search/analyzer.js';

export interface CoreBenchOptions {
  /** Events in the large store used for rebuild and open+list (default 1,000,000). */
  readonly events?: number;
  /** Commands for the single-command append run (default 20,000). */
  readonly singleCommands?: number;
  /** Events for the batched append run and the plain-insert reference (default 200,000). */
  readonly batchedEvents?: number;
  readonly batchSize?: number;
  /** Where to put the temporary stores (default: the OS temp folder). */
  readonly workDir?: string;
  /** A command that runs the CLI, for timing `list` in a fresh process (optional). */
  readonly cliCommand?: readonly string[];
  readonly log?: (message: string) => void;
}

export interface CoreBenchResult {
  readonly machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  readonly plainInsert: { rows: number; seconds: number; rowsPerSecond: number };
  /**
   * A second reference, for reading the ratio: the same event rows plus the inline read model's rows (each
   * event upserts its entry's row and moves it in `entries_by_updated`, and inserts the tags it sets), by
   * a plain loop that folds nothing. The target is still measured against `plainInsert`.
   */
  readonly plainInsertWithReadModel: { rows: number; seconds: number; rowsPerSecond: number };
  /** Each command its own transaction, awaited one after another; with the same rows inserted one transaction each as reference. */
  readonly singleAppends: { commands: number; seconds: number; commandsPerSecond: number; plainSingleRowTransactionsPerSecond: number };
  /** The same commands submitted concurrently (up to 256 in flight) through `submit`: group commit. */
  readonly concurrentSingleAppends: { commands: number; inFlight: number; seconds: number; commandsPerSecond: number };
  readonly batchedAppends: { events: number; batchSize: number; seconds: number; eventsPerSecond: number; ratioToPlain: number; ratioToPlainWithReadModel: number };
  /** `replaySeconds`: until the last event is replayed — the stream replayers have written every row by then; the rest is the commit and the digest. */
  readonly rebuild: { events: number; entries: number; seconds: number; eventsPerSecond: number; replaySeconds: number };
  /** What any rebuild of these read models must do, without parsing, folding or analyzing: see {@link rebuildFloor}. */
  readonly rebuildFloor: { readSeconds: number; writeSeconds: number; digestSeconds: number; seconds: number; eventsPerSecond: number };
  readonly openAndList: { events: number; openMs: number; listMs: number; totalMs: number; cliProcessMs: number | null };
  /** Peak RSS of the process through the engine's phases (the plain references run after it is read). */
  readonly maxRssMB: number;
  readonly targets: Record<string, { target: string; met: boolean }>;
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const words = 'alpha beta gamma delta sync search index note graph paper method result data model cell protein study effect'.split(' ');

function sentence(n: number, seed: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `${words[(seed * 31 + i * 7) % words.length]} `;
  return s.trim();
}

/** A deterministic mix: about a quarter creates, the rest updates, deletes and restores of earlier entries. */
function* workload(total: number): Generator<EntryCommand> {
  const live: string[] = [];
  const deleted: string[] = [];
  for (let i = 0; i < total; i++) {
    const r = i % 20;
    if (live.length < 10 || r < 5) {
      const id = uuidv7();
      live.push(id);
      yield { type: 'CreateEntry', entryId: id, title: `Note ${i} ${sentence(4, i)}`, body: sentence(30, i), tags: [words[i % words.length]!, `t${i % 50}`] };
    } else if (r === 5 && live.length > 100) {
      const id = live.splice((i * 7919) % live.length, 1)[0]!;
      deleted.push(id);
      yield { type: 'DeleteEntry', entryId: id };
    } else if (r === 6 && deleted.length > 0) {
      const id = deleted.pop()!;
      live.push(id);
      yield { type: 'RestoreEntry', entryId: id };
    } else {
      const id = live[(i * 104729) % live.length]!;
      yield r === 7 ? { type: 'UpdateEntry', entryId: id, addTags: [`t${i % 97}`] } : { type: 'UpdateEntry', entryId: id, body: `${sentence(30, i)} revision ${i}` };
    }
  }
}

export async function runCoreBench(options: CoreBenchOptions = {}): Promise<CoreBenchResult> {
  const log = options.log ?? (() => undefined);
  const totalEvents = options.events ?? 1_000_000;
  const singleCommands = options.singleCommands ?? 20_000;
  const batchedEvents = options.batchedEvents ?? 200_000;
  const batchSize = options.batchSize ?? 1_000;
  const root = mkdtempSync(join(options.workDir ?? tmpdir(), 'cairn-bench-'));
  let maxRss = 0;
  const sampleRss = () => {
    maxRss = Math.max(maxRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  };
  try {
    // 1. Single-command appends: one transaction per command, awaited one after another.
    log(`single-command appends: ${singleCommands}`);
    let engine = Engine.open({ dataDir: join(root, 'single'), autoCatchUp: false });
    let start = process.hrtime.bigint();
    for (const command of workload(singleCommands)) engine.execute(command);
    const singleSeconds = seconds(start);
    engine.close();
    sampleRss();

    // 1b. The same kind of commands, up to 256 in flight together (group commit).
    log(`concurrent single-command appends: ${singleCommands}`);
    engine = Engine.open({ dataDir: join(root, 'concurrent'), autoCatchUp: false });
    const inFlight = 256;
    const commands = workload(singleCommands);
    start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let next = commands.next(); !next.done; next = commands.next()) await engine.submit(next.value);
      }),
    );
    const concurrentSeconds = seconds(start);
    engine.close();
    sampleRss();

    // 2. Batched appends through the engine (the plain loops that write the same rows run at the end).
    log(`batched appends: ${batchedEvents} events in batches of ${batchSize}`);
    engine = Engine.open({ dataDir: join(root, 'batched'), autoCatchUp: false });
    let batchSeconds = 0;
    for (const batch of chunks(workload(batchedEvents), batchSize)) {
      const batchStart = process.hrtime.bigint();
      engine.executeBatch(batch);
      batchSeconds += seconds(batchStart);
    }
    const batchedSeconds = batchSeconds;
    const batchedCount = engine.status().events;
    engine.close();
    sampleRss();

    // 3. A large store: build it, then time a full rebuild.
    log(`building a store of ${totalEvents} events`);
    engine = Engine.open({ dataDir: join(root, 'large'), autoCatchUp: false });
    // Transactions of 1,000 commands, as in the batched run: one of 5,000 holds 5× the transient objects
    // through a ~0.2 s synchronous transaction and V8 promotes them to the old generation (this run's peak
    // RSS was 379 MB with 5,000, 288 MB with 1,000; the engine's live heap is ~50 MB either way).
    for (const batch of chunks(workload(totalEvents), 1_000)) {
      engine.executeBatch(batch);
      sampleRss();
    }
    engine.catchUp();
    sampleRss();
    log('rebuilding');
    let replaySeconds = 0;
    const replayStart = process.hrtime.bigint();
    const unsubscribe = engine.subscribe((notice) => {
      if (notice.type === 'progress' && notice.done === notice.total) replaySeconds = seconds(replayStart);
      if (notice.type === 'progress') sampleRss();
    });
    start = process.hrtime.bigint();
    const rebuilt = engine.rebuild();
    const rebuildSeconds = seconds(start);
    unsubscribe();
    sampleRss();
    engine.close();

    // 4. Open the large store and answer `list`.
    log('opening and listing');
    start = process.hrtime.bigint();
    engine = Engine.open({ dataDir: join(root, 'large'), autoCatchUp: false });
    const openMs = seconds(start) * 1000;
    const listStart = process.hrtime.bigint();
    engine.listEntries({ limit: 50 });
    const listMs = seconds(listStart) * 1000;
    engine.close();
    let cliProcessMs: number | null = null;
    if (options.cliCommand) {
      const [cmd, ...args] = options.cliCommand;
      const cliStart = process.hrtime.bigint();
      const result = spawnSync(cmd!, [...args, '--data', join(root, 'large'), '--json', 'list', '--limit', '50'], { encoding: 'utf8' });
      if (result.status === 0) cliProcessMs = seconds(cliStart) * 1000;
    }
    sampleRss();
    const maxRssMB = Math.round(maxRss / 2 ** 20);

    // 5. The references, last: plain loops over the rows the engine wrote. They are not the engine, so they
    // run after its peak memory is read (the rebuild floor alone holds two 64 MB page caches).
    log('plain-insert references');
    const plainSingleSeconds = plainInsert(join(root, 'single', 'cairn.db'), join(root, 'plain-single.db'), 1);
    const plainSeconds = plainInsert(join(root, 'batched', 'cairn.db'), join(root, 'plain.db'), batchSize);
    const plainWithReadModelSeconds = plainInsertWithReadModel(join(root, 'batched', 'cairn.db'), join(root, 'plain-read-model.db'), batchSize);
    log('the physical floor of a rebuild');
    const floor = rebuildFloor(join(root, 'large', 'cairn.db'), join(root, 'floor'));

    const plainRate = batchedCount / plainSeconds;
    const batchedRate = batchedCount / batchedSeconds;
    const result: Omit<CoreBenchResult, 'targets'> = {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
      plainInsert: { rows: batchedCount, seconds: plainSeconds, rowsPerSecond: Math.round(plainRate) },
      singleAppends: {
        commands: singleCommands,
        seconds: singleSeconds,
        commandsPerSecond: Math.round(singleCommands / singleSeconds),
        plainSingleRowTransactionsPerSecond: Math.round(singleCommands / plainSingleSeconds),
      },
      concurrentSingleAppends: { commands: singleCommands, inFlight, seconds: concurrentSeconds, commandsPerSecond: Math.round(singleCommands / concurrentSeconds) },
      plainInsertWithReadModel: { rows: batchedCount, seconds: plainWithReadModelSeconds, rowsPerSecond: Math.round(batchedCount / plainWithReadModelSeconds) },
      batchedAppends: {
        events: batchedCount,
        batchSize,
        seconds: batchedSeconds,
        eventsPerSecond: Math.round(batchedRate),
        ratioToPlain: Number((batchedRate / plainRate).toFixed(3)),
        ratioToPlainWithReadModel: Number(((batchedRate * plainWithReadModelSeconds) / batchedCount).toFixed(3)),
      },
      rebuild: { events: rebuilt.events, entries: rebuilt.entries, seconds: rebuildSeconds, eventsPerSecond: Math.round(rebuilt.events / rebuildSeconds), replaySeconds },
      rebuildFloor: { ...floor, eventsPerSecond: Math.round(rebuilt.events / floor.seconds) },
      openAndList: { events: rebuilt.events, openMs: round(openMs), listMs: round(listMs), totalMs: round(openMs + listMs), cliProcessMs: cliProcessMs === null ? null : round(cliProcessMs) },
      maxRssMB,
    };
    return {
      ...result,
      targets: {
        singleAppends: { target: '>= 10000 commands/s (one transaction per command, awaited)', met: result.singleAppends.commandsPerSecond >= 10_000 },
        concurrentSingleAppends: { target: '>= 10000 commands/s (single-command appends in flight together)', met: result.concurrentSingleAppends.commandsPerSecond >= 10_000 },
        batchedAppends: { target: '>= 50% of plain inserts', met: result.batchedAppends.ratioToPlain >= 0.5 },
        rebuild: { target: '>= 100000 events/s', met: result.rebuild.eventsPerSecond >= 100_000 },
        openAndList: { target: '<= 1000 ms', met: result.openAndList.totalMs <= 1_000 },
        rss: { target: '<= 300 MB', met: result.maxRssMB <= 300 },
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const round = (n: number) => Math.round(n * 10) / 10;



function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * The physical reference: the rows of `sourceFile`'s log inserted into the same table in a fresh
 * database, one prepared INSERT in a loop, `batchSize` rows per transaction. Only the inserts are
 * timed; reading the rows is not.
 */
function plainInsert(sourceFile: string, file: string, batchSize: number): number {
  return timePlainLoop(sourceFile, file, batchSize, '', (db) => {
    const insert = db.prepare(insertEventSql);
    return (row) => insert.run(...row);
  });
}

/**
 * The same event rows as {@link plainInsert}, and with each one the physical writes of the inline read
 * model, with no folding: the entry's final row (from `sourceFile`) upserted with this event's time,
 * version and position (so it moves in `entries_by_updated` as a live update does), and the tags an
 * event sets.
 */
function plainInsertWithReadModel(sourceFile: string, file: string, batchSize: number): number {
  const source = new BetterSqlite3(sourceFile, { readonly: true });
  const finalRows = new Map(
    (source.prepare(`SELECT id, kind, title, body, tags, attributes, deleted FROM entries`).raw().all() as unknown[][]).map((row) => [row[0] as string, row]),
  );
  source.close();
  const extraColumns = `, metadata ->> '$.at', position, coalesce(data -> '$.changes.tags', data -> '$.tags')`;
  return timePlainLoop(sourceFile, file, batchSize, extraColumns, (db) => {
    db.exec(entriesProjection.schema);
    const insert = db.prepare(insertEventSql);
    const upsert = db.prepare(
      `INSERT INTO entries (id, kind, title, body, tags, attributes, deleted, version, created_at, created_by, updated_at, updated_by, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'user:bench', ?, 'user:bench', ?)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, tags = excluded.tags, deleted = excluded.deleted,
         version = excluded.version, updated_at = excluded.updated_at, position = excluded.position`,
    );
    const insertTag = db.prepare(`INSERT OR IGNORE INTO entry_tags (tag, entry_id) VALUES (?, ?)`);
    return (row) => {
      insert.run(row.slice(0, 8));
      const entry = finalRows.get(row[2] as string)!;
      upsert.run(entry[0], entry[1], entry[2], entry[3], entry[4], entry[5], entry[6], row[3], row[8], row[8], row[9]);
      if (row[10] !== null) for (const tag of JSON.parse(row[10] as string) as string[]) insertTag.run(tag, entry[0]);
    };
  });
}

const insertEventSql = `INSERT INTO events (event_id, aggregate_type, aggregate_id, version, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * A plain loop over `sourceFile`'s log: a fresh WAL database with an events table of the log's shape, and
 * `prepare`'s writer run on every event row (its 8 columns, then `extraColumns`), `batchSize` rows per
 * transaction. Only the transactions are timed; reading the rows is not.
 */
function timePlainLoop(
  sourceFile: string,
  file: string,
  batchSize: number,
  extraColumns: string,
  prepare: (db: BetterSqlite3.Database) => (row: unknown[]) => void,
): number {
  const source = new BetterSqlite3(sourceFile, { readonly: true });
  const read = source
    .prepare(`SELECT event_id, aggregate_type, aggregate_id, version, type, schema_version, data, metadata${extraColumns} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
    .raw();
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE events (
    position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,
    version INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    UNIQUE (aggregate_id, version))`);
  const write = prepare(db);
  const insertBatch = db.transaction((batch: unknown[][]) => {
    for (const row of batch) write(row);
  });
  let elapsed = 0;
  const readSize = Math.max(batchSize, 1_000);
  for (let after = 0; ; after += readSize) {
    const rows = read.all(after, readSize) as unknown[][];
    if (rows.length === 0) break;
    const start = process.hrtime.bigint();
    for (let i = 0; i < rows.length; i += batchSize) insertBatch(rows.slice(i, i + batchSize));
    elapsed += seconds(start);
  }
  db.close();
  source.close();
  return elapsed;
}

/**
 * The physical floor of a rebuild of `sourceFile` (a store just rebuilt), one thread: read the log in
 * stream order as rows (no JSON parsing), insert every row the rebuild wrote into fresh tables of the
 * same shape in one transaction (FTS5 terms computed beforehand, untimed; merging off, one optimize, as
 * the rebuild does) and commit, then read back every row the digest hashes, as JSON. Only the reading,
 * the inserts and the commit are timed; no folding, no text analysis, no hashing.
 */
function rebuildFloor(sourceFile: string, dataDir: string): { readSeconds: number; writeSeconds: number; digestSeconds: number; seconds: number } {
  const source = new BetterSqlite3(sourceFile, { readonly: true });
  source.pragma('cache_size = -65536');
  const streams = source
    .prepare(
      `SELECT position, event_id, aggregate_type, aggregate_id, version, type, schema_version, data, metadata FROM events
        WHERE (aggregate_id, version) > (?, ?) ORDER BY aggregate_id, version LIMIT 5000`,
    )
    .raw();
  let start = process.hrtime.bigint();
  for (let after: [string, number] = ['', 0]; ; ) {
    const rows = streams.all(...after) as unknown[][];
    if (rows.length < 5000) break;
    const last = rows[rows.length - 1]!;
    after = [last[3] as string, last[4] as number];
  }
  const readSeconds = seconds(start);

  const { inline, async } = engineReadModels(() => undefined);
  const projections = [...inline, ...async];
  // A data directory of its own, so the tables live in a database with the engine's settings.
  const db = openDatabase(dataDir);
  for (const projection of projections) db.exec(projection.schema);
  let writeSeconds = 0;
  const timed = (work: () => void) => {
    const begin = process.hrtime.bigint();
    work();
    writeSeconds += seconds(begin);
  };
  const copy = (rows: Iterable<unknown[]>, insert: BetterSqlite3.Statement) => {
    let batch: unknown[][] = [];
    const flush = () => timed(() => batch.forEach((row) => insert.run(row)));
    for (const row of rows) {
      batch.push(row);
      if (batch.length === 5_000) {
        flush();
        batch = [];
      }
    }
    flush();
  };
  timed(() => db.exec(`BEGIN; INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)`));
  for (const table of projections.flatMap((p) => p.tables).filter((t) => t !== 'search_fts')) {
    const read = source.prepare(`SELECT * FROM ${table}`).raw();
    copy(read.iterate() as Iterable<unknown[]>, db.prepare(`INSERT INTO ${table} VALUES (${read.columns().map(() => '?').join(', ')})`));
  }
  const chunks = source.prepare(`SELECT c.id, e.title, c.text, e.tags FROM search_chunks c JOIN search_entries e ON e.entry_id = c.entry_id ORDER BY c.id`).raw();
  const ftsRows = function* () {
    for (const [id, title, text, tags] of chunks.iterate() as Iterable<[number, string, string, string]>) {
      const tagText = (JSON.parse(tags) as string[]).join(' ');
      yield [id, indexText(title), indexText(text), indexText(tagText), `${pinyinText(title)} ${pinyinText(tagText)}`.trim()];
    }
  };
  copy(ftsRows(), db.prepare(`INSERT INTO search_fts (rowid, title, body, tags, pinyin) VALUES (?, ?, ?, ?, ?)`));
  timed(() => db.exec(`INSERT INTO search_fts (search_fts) VALUES ('optimize'); COMMIT`));
  source.close();

  start = process.hrtime.bigint();
  for (const query of projections.flatMap((p) => p.digestQueries)) {
    for (const row of db.prepare(jsonRowsQuery(query)).pluck().iterate()) void row;
  }
  const digestSeconds = seconds(start);
  db.close();
  return { readSeconds, writeSeconds, digestSeconds, seconds: readSeconds + writeSeconds + digestSeconds };
}

export { runIngestBench, type IngestBenchOptions, type IngestBenchResult } from './ingestBench.js';
export { runOcrBench, wordRecall, type OcrBenchOptions, type OcrBenchResult } from './ocrBench.js';
export { runNearDuplicateBench, type NearDuplicateBenchOptions, type NearDuplicateBenchResult } from './nearDuplicateBench.js';
export { runRelatedBench, type RelatedBenchOptions, type RelatedBenchResult } from './relatedBench.js';
