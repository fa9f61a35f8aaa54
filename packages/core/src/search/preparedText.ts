import { indexText } from './analyzer.js';
import { chunkText } from './chunker.js';

/** A chunk of a text with its analyzed terms: what the search projection writes for it. */
export interface PreparedChunk {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** The chunk's analyzed terms, space-separated ({@link indexText}). */
  readonly terms: string;
}

/** Cuts a text into chunks and analyzes each: the CPU-heavy part of indexing a text. */
export function prepareText(text: string): PreparedChunk[] {
  return chunkText(text).map(({ start, end, text: chunk }) => ({ start, end, text: chunk, terms: indexText(chunk) }));
}

/**
 * Extracted texts already prepared for the index, by the text blob's SHA-256: extraction threads
 * prepare the text they just stored (so the analysis runs on their cores, not the engine's), and the
 * search projection takes the result instead of reading and analyzing the blob again. Only a cache: a
 * text not here (a rebuild, another process, a full cache) is prepared by the projection itself, with
 * the same function, so the index is the same either way.
 */
export class PreparedTexts {
  private readonly texts = new Map<string, readonly PreparedChunk[]>();
  private chars = 0;

  constructor(private readonly limits = { entries: 16_384, chars: 96_000_000 }) {}

  put(sha256: string, chunks: readonly PreparedChunk[]): void {
    this.take(sha256);
    const size = sizeOf(chunks);
    if (size > this.limits.chars / 4) return; // one huge text would evict everything else
    this.texts.set(sha256, chunks);
    this.chars += size;
    while (this.texts.size > this.limits.entries || this.chars > this.limits.chars) this.take(this.texts.keys().next().value!);
  }

  /** The prepared chunks of a text, removed from the cache (each is indexed once). */
  take(sha256: string): readonly PreparedChunk[] | undefined {
    const chunks = this.texts.get(sha256);
    if (chunks === undefined) return undefined;
    this.texts.delete(sha256);
    this.chars -= sizeOf(chunks);
    return chunks;
  }

  get size(): number {
    return this.texts.size;
  }
}

function sizeOf(chunks: readonly PreparedChunk[]): number {
  let size = 0;
  for (const chunk of chunks) size += chunk.text.length + chunk.terms.length;
  return size;
}
