import type { Statement } from 'better-sqlite3';
import type { Database } from '../store/database.js';
import { embeddingInput } from '../search/searchProjection.js';
import type { Embedder } from './embedder.js';
import type { VectorStore } from './vectorStore.js';

/** Characters of a chunk given to the model (it reads at most 512 tokens anyway). */
const maxInputChars = 4_000;

interface QueuedChunk {
  chunkId: number;
  inputHash: string;
  title: string;
  text: string;
}

export interface BackfillProgress {
  readonly embedded: number;
  readonly pending: number;
}

/**
 * The embedder's checkpointed runner. The search projection queues every new chunk
 * (`search_embed_queue`); this takes chunks off the queue, computes their vectors in the worker
 * (outside any transaction), then stores the vectors and removes those chunks from the queue in one
 * transaction. A crash in between only repeats work: the queue is the checkpoint. Chunks whose input
 * already has a vector (a rebuild, an unchanged paragraph) leave the queue without being embedded.
 * Two batches are kept in flight so the worker never waits for the database.
 */
export class VectorBackfill {
  private readonly readQueue: Statement;
  private readonly dequeue: Statement;
  private readonly countQueue: Statement;

  constructor(
    private readonly db: Database,
    private readonly vectors: VectorStore,
    private readonly isOpen: () => boolean,
  ) {
    this.readQueue = db.prepare(
      `SELECT q.chunk_id AS chunkId, c.input_hash AS inputHash, e.title AS title, c.text AS text
       FROM search_embed_queue q JOIN search_chunks c ON c.id = q.chunk_id JOIN search_entries e ON e.entry_id = c.entry_id
       WHERE q.chunk_id > ? ORDER BY q.chunk_id LIMIT ?`,
    );
    this.dequeue = db.prepare(`DELETE FROM search_embed_queue WHERE chunk_id = ?`);
    this.countQueue = db.prepare(`SELECT count(*) FROM search_embed_queue`).pluck();
  }

  pending(): number {
    return this.countQueue.get() as number;
  }

  /** Puts every chunk back on the queue (after the model changed). */
  requeueAll(): void {
    this.db.prepare(`INSERT OR IGNORE INTO search_embed_queue (chunk_id) SELECT id FROM search_chunks`).run();
  }

  /**
   * Embeds queued chunks until the queue is empty, `max` chunks were embedded, or `shouldStop` says so.
   * Returns how many vectors were computed and stored.
   */
  async run(embedder: Embedder, options: { batchSize?: number; max?: number; shouldStop?: () => boolean; onProgress?: (p: BackfillProgress) => void } = {}): Promise<number> {
    const batchSize = options.batchSize ?? 16;
    const max = options.max ?? Number.POSITIVE_INFINITY;
    let cursor = 0;
    let embedded = 0;
    let stored = 0;
    const inFlight: Promise<void>[] = [];
    const stop = () => !this.isOpen() || (options.shouldStop?.() ?? false) || embedded >= max;
    while (!stop()) {
      const rows = this.readQueue.all(cursor, batchSize * 8) as QueuedChunk[];
      if (rows.length === 0) break;
      cursor = rows[rows.length - 1]!.chunkId;
      // Inputs that already have a vector leave the queue at once; the rest are embedded, once per input.
      const known: number[] = [];
      const todo = new Map<string, QueuedChunk[]>();
      for (const row of rows) {
        if (this.vectors.has(row.inputHash)) known.push(row.chunkId);
        else todo.set(row.inputHash, [...(todo.get(row.inputHash) ?? []), row]);
      }
      if (known.length > 0) this.db.transaction(() => known.forEach((id) => this.dequeue.run(id)))();
      // Similar lengths in one batch waste less padding.
      const groups = [...todo.values()].sort((a, b) => a[0]!.text.length - b[0]!.text.length);
      for (let i = 0; i < groups.length && !stop(); i += batchSize) {
        const batch = groups.slice(i, i + batchSize);
        const texts = batch.map((g) => embeddingInput(g[0]!.title, g[0]!.text).slice(0, maxInputChars));
        embedded += batch.length;
        inFlight.push(
          embedder.embedPassages(texts).then((vectors) => {
            if (!this.isOpen()) return;
            this.store(batch, vectors);
            stored += batch.length;
            options.onProgress?.({ embedded: stored, pending: this.pending() });
          }),
        );
        if (inFlight.length >= 2) await inFlight.shift();
      }
    }
    await Promise.all(inFlight);
    return stored;
  }

  private store(batch: QueuedChunk[][], vectors: Float32Array[]): void {
    this.db.transaction(() => {
      this.vectors.put(batch.map((group, i) => ({ inputHash: group[0]!.inputHash, vector: vectors[i]! })));
      for (const group of batch) for (const chunk of group) this.dequeue.run(chunk.chunkId);
      this.vectors.touch();
    })();
  }
}
