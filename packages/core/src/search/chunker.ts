import { estimateTokens } from './analyzer.js';

/** A piece of a text that search indexes and embeds, with its offsets back into the text. */
export interface TextChunk {
  /** Offsets in the source text (UTF-16 code units), `text === source.slice(start, end)`. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Estimated model tokens (see {@link estimateTokens}). */
  readonly tokens: number;
}

export interface ChunkLimits {
  /** A heading starts a new chunk once the current one has at least this many tokens. */
  readonly min: number;
  /** No chunk is larger than this (a longer paragraph is split between sentences, then words). */
  readonly max: number;
}

export const defaultChunkLimits: ChunkLimits = { min: 200, max: 500 };

interface Block {
  start: number;
  end: number;
  tokens: number;
  heading: boolean;
}

/**
 * Where a sentence ends: after `.` `!` `?` `…` (and closing quotes or brackets) followed by space —
 * unless a lower-case word follows, as in "e.g. this" —, after the CJK full stops `。！？`, and at line
 * breaks. These are the common cases of Unicode's sentence rules (UAX #29); Intl.Segmenter follows them
 * all but costs ~70 ns a character, which made it most of the indexing time of long paragraphs.
 */
const sentenceEnd = /[.!?…]+["'”’)\]」』）]*\s+(?=\S|$)(?!\p{Ll})|[。！？]+["'”’」』）]*\s*|\n\s*/gu;

/** The sentences of `body`, with their offsets; together they are the whole of it. */
export function sentences(body: string): { index: number; segment: string }[] {
  const out: { index: number; segment: string }[] = [];
  let start = 0;
  for (const match of body.matchAll(sentenceEnd)) {
    const end = match.index + match[0].length;
    if (end > start) out.push({ index: start, segment: body.slice(start, end) });
    start = end;
  }
  if (start < body.length) out.push({ index: start, segment: body.slice(start) });
  return out;
}
const wordSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Splits a text into chunks of about `min`–`max` tokens, on headings and paragraphs first: paragraphs
 * are packed together until the next one would not fit, a Markdown heading starts a new chunk when the
 * current one is big enough, and only a paragraph larger than `max` is split inside (between sentences,
 * or between words for a giant sentence). Whitespace between chunks belongs to none of them.
 */
export function chunkText(text: string, limits: ChunkLimits = defaultChunkLimits): TextChunk[] {
  const chunks: TextChunk[] = [];
  let current: { start: number; end: number; tokens: number } | null = null;
  const flush = () => {
    if (current) chunks.push(makeChunk(text, current.start, current.end, current.tokens));
    current = null;
  };
  for (const block of blocks(text)) {
    if (block.tokens > limits.max) {
      flush();
      for (const piece of splitLarge(text, block, limits.max)) chunks.push(piece);
      continue;
    }
    if (current !== null) {
      const open: { start: number; end: number; tokens: number } = current;
      if (open.tokens + block.tokens > limits.max || (block.heading && open.tokens >= limits.min)) flush();
    }
    if (current === null) current = { start: block.start, end: block.end, tokens: block.tokens };
    else {
      const open: { start: number; end: number; tokens: number } = current;
      open.end = block.end;
      open.tokens += block.tokens;
    }
  }
  flush();
  return chunks;
}

function makeChunk(source: string, start: number, end: number, tokens: number): TextChunk {
  return { start, end, text: source.slice(start, end), tokens };
}

/** Paragraphs (separated by blank lines) and heading lines, trimmed, with their token estimates. */
function blocks(text: string): Block[] {
  const out: Block[] = [];
  let blockStart = -1;
  let blockEnd = -1;
  const close = () => {
    if (blockStart >= 0) pushTrimmed(out, text, blockStart, blockEnd, false);
    blockStart = -1;
  };
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    if (line.trim() === '') close();
    else if (/^\s{0,3}#{1,6}\s/.test(line)) {
      close();
      pushTrimmed(out, text, lineStart, lineEnd, true);
    } else {
      if (blockStart < 0) blockStart = lineStart;
      blockEnd = lineEnd;
    }
    lineStart = lineEnd + 1;
  }
  close();
  return out;
}

function pushTrimmed(out: Block[], text: string, start: number, end: number, heading: boolean): void {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (end <= start) return;
  out.push({ start, end, tokens: Math.max(1, estimateTokens(text.slice(start, end))), heading });
}

/** Splits one large block between sentences (packing them up to `max`), or words when a sentence is too long. */
function splitLarge(text: string, block: Block, max: number): TextChunk[] {
  const pieces: { start: number; end: number; tokens: number }[] = [];
  const body = text.slice(block.start, block.end);
  for (const sentence of sentences(body)) {
    const start = block.start + sentence.index;
    const end = start + sentence.segment.length;
    const tokens = estimateTokens(sentence.segment);
    if (tokens > max) pieces.push(...splitWords(text, start, end, max));
    else pieces.push({ start, end, tokens });
  }
  const chunks: TextChunk[] = [];
  let current: { start: number; end: number; tokens: number } | null = null;
  for (const piece of pieces) {
    if (current && current.tokens + piece.tokens > max) {
      chunks.push(trimmedChunk(text, current.start, current.end, current.tokens));
      current = null;
    }
    if (!current) current = { ...piece };
    else {
      current.end = piece.end;
      current.tokens += piece.tokens;
    }
  }
  if (current) chunks.push(trimmedChunk(text, current.start, current.end, current.tokens));
  return chunks.filter((c) => c.text.length > 0);
}

function splitWords(text: string, start: number, end: number, max: number): { start: number; end: number; tokens: number }[] {
  const out: { start: number; end: number; tokens: number }[] = [];
  let pieceStart = start;
  let tokens = 0;
  for (const word of wordSegmenter.segment(text.slice(start, end))) {
    const cost = word.isWordLike ? (/^[\p{L}\p{N}]/u.test(word.segment) && !/\p{Script=Han}/u.test(word.segment) ? 1.3 : word.segment.length) : 0;
    if (tokens + cost > max && tokens > 0) {
      out.push({ start: pieceStart, end: start + word.index, tokens: Math.ceil(tokens) });
      pieceStart = start + word.index;
      tokens = 0;
    }
    tokens += cost;
  }
  if (pieceStart < end) out.push({ start: pieceStart, end, tokens: Math.ceil(tokens) });
  return out;
}

function trimmedChunk(text: string, start: number, end: number, tokens: number): TextChunk {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return makeChunk(text, start, end, tokens);
}
