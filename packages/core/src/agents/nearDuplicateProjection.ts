import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { entryAggregateType } from '../domain/entry/events.js';
import type { EntryKind } from '../domain/entry/events.js';
import type { EntryState } from '../domain/entry/state.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import type { EntryStates, MergedStream, ProjectionDefinition, ProjectionHandler, StreamReplayer } from '../projections/projection.js';
import type { Database } from '../store/database.js';
import { agreeingBytes, bandKeys, mayBeCompared, NEAR_DUPLICATE_MATCHES, SIGNATURE_SIZE, signatureFromBytes, signatureToBytes, signText, type Signature } from './minhash.js';
import type { RawTextReader } from './summaryProjection.js';

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
 * extracted text, else the body), its MinHash signature (minhash.ts) and LSH band keys, and every pair of entries whose
 * signatures agree in at least {@link NEAR_DUPLICATE_MATCHES} of 128 bins. A changed entry is compared with the
 * entries sharing one of its band keys (indexed, so a check costs the same in a large library); a deleted one leaves
 * with its pairs. The pairs are those of the live entries whatever order they came in (a pair is found by whichever
 * of the two came second), so a rebuild — stream by stream, in id order — gives the same rows. Similarity is stored as
 * agreeing bins (an INTEGER: the digest takes no REAL); the signature BLOB is not digested (its input hash is).
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
      CREATE TABLE IF NOT EXISTS near_dup_pairs (
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        matches INTEGER NOT NULL,
        PRIMARY KEY (a, b)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS near_dup_pairs_by_b ON near_dup_pairs (b, a);
      CREATE INDEX IF NOT EXISTS near_dup_pairs_by_matches ON near_dup_pairs (matches DESC, a, b);
    `,
    tables: ['near_dup_pairs', 'near_dup_bands', 'near_dup_signatures'],
    digestQueries: [
      `SELECT entry_id, input_hash FROM near_dup_signatures ORDER BY entry_id`,
      `SELECT band_key, entry_id FROM near_dup_bands ORDER BY band_key, entry_id`,
      `SELECT a, b, matches FROM near_dup_pairs ORDER BY a, b`,
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
    const touched = new Set<string>();
    for (const event of events) if (event.aggregateType === entryAggregateType) touched.add(event.aggregateId);
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

  private sourceOf(state: EntryState): { text: string; hash: string } | undefined {
    const sha = state.document?.processed?.textSha256;
    if (sha) {
      const text = this.readText(sha);
      // The text synced without its blob: compared when the blob arrives (the engine refolds the entry then).
      if (text !== undefined) return { text, hash: `text:${sha}` };
    }
    return state.body && mayBeCompared(state.body) ? { text: state.body, hash: `body:${createHash('sha256').update(state.body).digest('hex').slice(0, 32)}` } : undefined;
  }
}

/** Another entry's signature that agrees with a text's in enough bins. */
export interface NearMatch {
  readonly entryId: string;
  readonly matches: number;
}

/**
 * The signatures, band keys and pairs in SQLite. Only the projection writes them; the near-duplicate benchmark also
 * fills a scratch database through it (a library of 100,000 chunks imported through the engine would take most of its
 * time budget).
 */
export class NearDuplicateIndex {
  private readonly getInput: Statement;
  private readonly getSignature: Statement;
  private readonly putSignature: Statement;
  private readonly deleteSignature: Statement;
  private readonly putBand: Statement;
  private readonly deleteBand: Statement;
  private readonly putPair: Statement;
  private readonly deletePairs: Statement;
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
    this.putPair = db.prepare(`INSERT INTO near_dup_pairs (a, b, matches) VALUES (?, ?, ?) ON CONFLICT (a, b) DO UPDATE SET matches = excluded.matches`);
    this.deletePairs = db.prepare(`DELETE FROM near_dup_pairs WHERE a = ? OR b = ?`);
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

  /** Stores (or replaces) an entry's signature and its pairs with the entries stored before it. */
  put(entryId: string, inputHash: string, signature: Signature): void {
    this.remove(entryId);
    this.putSignature.run(entryId, inputHash, signatureToBytes(signature));
    for (const key of bandKeys(signature)) this.putBand.run(key, entryId);
    for (const match of this.nearMatches(signature, entryId)) {
      const [a, b] = entryId < match.entryId ? [entryId, match.entryId] : [match.entryId, entryId];
      this.putPair.run(a, b, match.matches);
    }
  }

  remove(entryId: string): void {
    const bytes = this.getSignature.get(entryId) as Buffer | undefined;
    if (!bytes) return;
    for (const key of bandKeys(signatureFromBytes(bytes))) this.deleteBand.run(key, entryId);
    this.deleteSignature.run(entryId);
    this.deletePairs.run(entryId, entryId);
  }
}

interface EntryRow {
  id: string;
  title: string;
  kind: EntryKind;
}

/** An entry's near copies from the read model, most similar first (ties by title, then id). */
export function readNearCopies(db: Database, entryId: string): NearCopy[] {
  const rows = db
    .prepare(
      `SELECT e.id, e.title, e.kind, p.matches FROM (
         SELECT b AS other, matches FROM near_dup_pairs WHERE a = ?
         UNION ALL SELECT a AS other, matches FROM near_dup_pairs WHERE b = ?
       ) p JOIN entries e ON e.id = p.other AND e.deleted = 0
       ORDER BY p.matches DESC, e.title, e.id`,
    )
    .all(entryId, entryId) as (EntryRow & { matches: number })[];
  return rows.map((row) => ({ entryId: row.id, title: row.title, kind: row.kind, similarity: row.matches / SIGNATURE_SIZE }));
}

/** Pairs of near copies in the whole library, most similar first, skipping pairs `hidden` says to leave out. */
export function readNearDuplicatePairs(db: Database, limit: number, hidden: (a: string, b: string) => boolean): NearDuplicatePair[] {
  const statement = db.prepare(
    `SELECT p.matches, x.id AS a_id, x.title AS a_title, x.kind AS a_kind, y.id AS b_id, y.title AS b_title, y.kind AS b_kind
     FROM near_dup_pairs p JOIN entries x ON x.id = p.a AND x.deleted = 0 JOIN entries y ON y.id = p.b AND y.deleted = 0
     ORDER BY p.matches DESC, p.a, p.b`,
  );
  const out: NearDuplicatePair[] = [];
  for (const row of statement.iterate() as IterableIterator<{ matches: number; a_id: string; a_title: string; a_kind: EntryKind; b_id: string; b_title: string; b_kind: EntryKind }>) {
    if (hidden(row.a_id, row.b_id)) continue;
    out.push({
      a: { entryId: row.a_id, title: row.a_title, kind: row.a_kind },
      b: { entryId: row.b_id, title: row.b_title, kind: row.b_kind },
      similarity: row.matches / SIGNATURE_SIZE,
    });
    if (out.length >= limit) break;
  }
  return out;
}
