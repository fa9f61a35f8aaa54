import type { Statement } from 'better-sqlite3';
import type { EntryKind } from '../domain/entry/events.js';
import type { EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import { entryIdsIn, type EntryStates, type MergedStream, type ProjectionDefinition, type ProjectionHandler, type StreamReplayer } from '../projections/projection.js';
import type { Database } from '../store/database.js';
import { agreeingBytes, bandKeys, mayBeCompared, NEAR_DUPLICATE_MATCHES, SIGNATURE_SIZE, signatureFromBytes, signatureToBytes, signText, type Signature } from './minhash.js';
import { entryText, type EntryText, type RawTextReader } from './summaryProjection.js';

export const nearDuplicatesProjectionName = 'near_duplicates';

/** A near copy of an entry, as the engine answers it. */
export interface NearCopy {
  readonly entryId: string;
  readonly title: string;
  readonly kind: EntryKind;
  /** Estimated Jaccard similarity of the two texts' shingles, 0..1 (a multiple of 1/128). */
  readonly similarity: number;
}

/** Two live entries that are near copies of each other (`a` < `b` by id). */
export interface NearDuplicatePair {
  readonly a: { readonly entryId: string; readonly title: string; readonly kind: EntryKind };
  readonly b: { readonly entryId: string; readonly title: string; readonly kind: EntryKind };
  readonly similarity: number;
}

/**
 * The near-duplicate agent: an async subscriber that keeps, per live entry with enough text (a processed document's
 * extracted text, else the body), its MinHash signature (minhash.ts) and LSH band keys. Near copies are found when
 * asked: the entries sharing one of the entry's band keys (indexed, so a check costs about the same in a large
 * library), verified by their signatures. Pairs are not stored: a folder of documents from one template is n² pairs
 * (1,500 such notes were 1.1 M), while the keys grow with the entries; and what is found depends only on the live
 * entries, whatever order they came in. Rebuildable (each entry's rows depend on its own state: the stream replayer
 * writes them entry by entry) and in the digest (the signature BLOB is not digested; its input hash is).
 */
export function createNearDuplicatesProjection(readText: RawTextReader): ProjectionDefinition {
  return {
    name: nearDuplicatesProjectionName,
    version: 1,
    schema: `
      CREATE TABLE IF NOT EXISTS near_dup_signatures (
        entry_id TEXT PRIMARY KEY,
        input_hash TEXT NOT NULL,
        signature BLOB NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS near_dup_bands (
        band_key INTEGER NOT NULL,
        entry_id TEXT NOT NULL,
        PRIMARY KEY (band_key, entry_id)
      ) WITHOUT ROWID;
    `,
    tables: ['near_dup_bands', 'near_dup_signatures'],
    digestQueries: [
      `SELECT entry_id, input_hash FROM near_dup_signatures ORDER BY entry_id`,
      `SELECT band_key, entry_id FROM near_dup_bands ORDER BY band_key, entry_id`,
    ],
    createHandler: (db, states) => new NearDuplicatesHandler(new NearDuplicateIndex(db), readText, states),
    createStreamReplayer: (db) => {
      const handler = new NearDuplicatesHandler(new NearDuplicateIndex(db), readText);
      return { applyStream: ({ state }: MergedStream) => handler.write(state), finish: () => undefined } satisfies StreamReplayer;
    },
  };
}

class NearDuplicatesHandler implements ProjectionHandler {
  constructor(
    private readonly index: NearDuplicateIndex,
    private readonly readText: RawTextReader,
    private readonly states?: EntryStates,
  ) {}

  apply(events: readonly RecordedEvent[]): void {
    const touched = entryIdsIn(events);
    for (const id of touched) this.write(this.states!.state(id));
  }

  /**
   * Signs the entry as it is now and pairs it, unless it was signed from the same input (a tag change costs a lookup).
   * A body too short to be compared costs a length check and a lookup: most notes go no further.
   */
  write(state: EntryState): void {
    const input = state.exists && !state.deleted ? this.sourceOf(state) : undefined;
    if (!input) return this.index.remove(state.id);
    if (this.index.inputHash(state.id) === input.hash) return;
    const signature = signText(input.text);
    if (!signature) return this.index.remove(state.id);
    this.index.put(state.id, input.hash, signature);
  }

  private sourceOf(state: EntryState): EntryText | undefined {
    return entryText(state, this.readText, mayBeCompared);
  }
}

/** Another entry's signature that agrees with a text's in enough bins. */
export interface NearMatch {
  readonly entryId: string;
  readonly matches: number;
}

/**
 * The signatures and band keys in SQLite, and the near-copy check. Only the projection writes them in a data
 * directory; the near-duplicate benchmark also fills a scratch database through it (without the rest of an import).
 */
export class NearDuplicateIndex {
  private readonly getInput: Statement;
  private readonly getSignature: Statement;
  private readonly putSignature: Statement;
  private readonly deleteSignature: Statement;
  private readonly putBand: Statement;
  private readonly deleteBand: Statement;
  private readonly everySignature: Statement;
  private readonly bandsInOrder: Statement;
  private readonly byBands: Statement;

  constructor(db: Database) {
    this.getInput = db.prepare(`SELECT input_hash FROM near_dup_signatures WHERE entry_id = ?`).pluck();
    this.getSignature = db.prepare(`SELECT signature FROM near_dup_signatures WHERE entry_id = ?`).pluck();
    this.putSignature = db.prepare(
      `INSERT INTO near_dup_signatures (entry_id, input_hash, signature) VALUES (?, ?, ?)
       ON CONFLICT (entry_id) DO UPDATE SET input_hash = excluded.input_hash, signature = excluded.signature`,
    );
    this.deleteSignature = db.prepare(`DELETE FROM near_dup_signatures WHERE entry_id = ?`);
    this.putBand = db.prepare(`INSERT OR IGNORE INTO near_dup_bands (band_key, entry_id) VALUES (?, ?)`);
    this.deleteBand = db.prepare(`DELETE FROM near_dup_bands WHERE band_key = ? AND entry_id = ?`);
    this.everySignature = db.prepare(`SELECT entry_id, signature FROM near_dup_signatures ORDER BY entry_id`);
    this.bandsInOrder = db.prepare(`SELECT band_key, entry_id FROM near_dup_bands ORDER BY band_key, entry_id`).raw();
    // json_each keeps one prepared statement for the 42 keys; the primary key (band_key, entry_id) serves each, and the
    // candidates' signatures come in the same query.
    this.byBands = db.prepare(
      `SELECT entry_id, signature FROM near_dup_signatures
       WHERE entry_id IN (SELECT entry_id FROM near_dup_bands WHERE band_key IN (SELECT value FROM json_each(?)))`,
    );
  }

  inputHash(entryId: string): string | undefined {
    return this.getInput.get(entryId) as string | undefined;
  }

  /** The entries whose signatures agree with this one in at least `minMatches` bins (LSH candidates, then verified). */
  nearMatches(signature: Signature, except?: string, minMatches = NEAR_DUPLICATE_MATCHES): NearMatch[] {
    const out: NearMatch[] = [];
    for (const row of this.byBands.iterate(JSON.stringify(bandKeys(signature))) as IterableIterator<{ entry_id: string; signature: Buffer }>) {
      if (row.entry_id === except) continue;
      const matches = agreeingBytes(signature, row.signature);
      if (matches >= minMatches) out.push({ entryId: row.entry_id, matches });
    }
    return out;
  }

  /** Stores (or replaces) an entry's signature and its band keys. */
  put(entryId: string, inputHash: string, signature: Signature): void {
    this.remove(entryId);
    this.putSignature.run(entryId, inputHash, signatureToBytes(signature));
    for (const key of bandKeys(signature)) this.putBand.run(key, entryId);
  }

  /** The entry's stored signature (undefined: none — too short, deleted, or not signed yet). */
  signature(entryId: string): Signature | undefined {
    const bytes = this.getSignature.get(entryId) as Buffer | undefined;
    return bytes ? signatureFromBytes(bytes) : undefined;
  }

  /**
   * Every pair of entries whose signatures agree in at least `minMatches` bins, each once (`a` < `b`): the entries of
   * each band key taken together, every candidate pair verified once, signatures held in memory (512 bytes an entry)
   * for the sweep. What `duplicates` needs; checking every entry in turn took 30 s at 100,000 chunks.
   */
  forEachPair(sink: (a: string, b: string, matches: number) => void, minMatches = NEAR_DUPLICATE_MATCHES): void {
    const ids: string[] = [];
    const position = new Map<string, number>();
    let signatures = new Uint32Array(1024 * SIGNATURE_SIZE);
    for (const { entryId, signature } of this.all()) {
      const i = ids.length;
      ids.push(entryId);
      position.set(entryId, i);
      if ((i + 1) * SIGNATURE_SIZE > signatures.length) {
        const grown = new Uint32Array(signatures.length * 2);
        grown.set(signatures);
        signatures = grown;
      }
      signatures.set(signature, i * SIGNATURE_SIZE);
    }
    const seen = new Set<number>();
    let group: number[] = [];
    let key: number | undefined;
    const flush = () => {
      for (let x = 0; x < group.length; x++) {
        for (let y = x + 1; y < group.length; y++) {
          const [i, j] = group[x]! < group[y]! ? [group[x]!, group[y]!] : [group[y]!, group[x]!];
          const pair = i * ids.length + j;
          if (seen.has(pair)) continue;
          seen.add(pair);
          let same = 0;
          for (let k = 0, a = i * SIGNATURE_SIZE, b = j * SIGNATURE_SIZE; k < SIGNATURE_SIZE; k++) if (signatures[a + k] === signatures[b + k]) same++;
          // Entries are in id order, so i < j is a < b.
          if (same >= minMatches) sink(ids[i]!, ids[j]!, same);
        }
      }
    };
    for (const [bandKey, entryId] of this.bandsInOrder.iterate() as IterableIterator<[number, string]>) {
      if (bandKey !== key) {
        flush();
        group = [];
        key = bandKey;
      }
      const i = position.get(entryId);
      if (i !== undefined) group.push(i);
    }
    flush();
  }

  /** Every signed entry with its signature, in id order. */
  *all(): IterableIterator<{ entryId: string; signature: Signature }> {
    for (const row of this.everySignature.iterate() as IterableIterator<{ entry_id: string; signature: Buffer }>) yield { entryId: row.entry_id, signature: signatureFromBytes(row.signature) };
  }

  remove(entryId: string): void {
    const bytes = this.getSignature.get(entryId) as Buffer | undefined;
    if (!bytes) return;
    for (const key of bandKeys(signatureFromBytes(bytes))) this.deleteBand.run(key, entryId);
    this.deleteSignature.run(entryId);
  }
}

interface EntryRow {
  id: string;
  title: string;
  kind: EntryKind;
}

/** Titles and kinds of live entries, by id. */
function liveEntries(db: Database, ids: readonly string[]): Map<string, EntryRow> {
  const rows = db.prepare(`SELECT id, title, kind FROM entries WHERE id IN (SELECT value FROM json_each(?)) AND deleted = 0`).all(JSON.stringify(ids)) as EntryRow[];
  return new Map(rows.map((row) => [row.id, row]));
}

const bySimilarity = (a: { matches: number; title: string; id: string }, b: { matches: number; title: string; id: string }) =>
  b.matches - a.matches || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * An entry's near copies, most similar first (ties by title, then id), without those `hidden` says to leave out; at
 * most `limit`.
 */
export function readNearCopies(db: Database, entryId: string, limit: number, hidden: (other: string) => boolean = () => false): NearCopy[] {
  const index = new NearDuplicateIndex(db);
  const signature = index.signature(entryId);
  if (!signature) return [];
  const matches = index.nearMatches(signature, entryId).filter((m) => !hidden(m.entryId));
  const entries = liveEntries(db, matches.map((m) => m.entryId));
  return matches
    .flatMap((m) => {
      const entry = entries.get(m.entryId);
      return entry ? [{ ...entry, matches: m.matches }] : [];
    })
    .sort(bySimilarity)
    .slice(0, limit)
    .map((row) => ({ entryId: row.id, title: row.title, kind: row.kind, similarity: row.matches / SIGNATURE_SIZE }));
}

/**
 * Pairs of near copies in the whole library, most similar first (ties by the pair's ids), skipping pairs `hidden` says
 * to leave out; at most `limit` (the best kept as the sweep goes).
 */
export function readNearDuplicatePairs(db: Database, limit: number, hidden: (a: string, b: string) => boolean): NearDuplicatePair[] {
  const index = new NearDuplicateIndex(db);
  let best: { a: string; b: string; matches: number }[] = [];
  const order = (x: { a: string; b: string; matches: number }, y: { a: string; b: string; matches: number }) =>
    y.matches - x.matches || (x.a < y.a ? -1 : x.a > y.a ? 1 : 0) || (x.b < y.b ? -1 : x.b > y.b ? 1 : 0);
  index.forEachPair((a, b, matches) => {
    if (hidden(a, b)) return;
    best.push({ a, b, matches });
    if (best.length > 4 * limit + 1024) best = best.sort(order).slice(0, limit);
  });
  best.sort(order);
  const entries = liveEntries(db, [...new Set(best.flatMap((p) => [p.a, p.b]))]);
  const out: NearDuplicatePair[] = [];
  for (const pair of best) {
    const a = entries.get(pair.a);
    const b = entries.get(pair.b);
    if (!a || !b) continue;
    out.push({ a: { entryId: a.id, title: a.title, kind: a.kind }, b: { entryId: b.id, title: b.title, kind: b.kind }, similarity: pair.matches / SIGNATURE_SIZE });
    if (out.length >= limit) break;
  }
  return out;
}
