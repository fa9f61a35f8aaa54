import { analyze } from '../search/analyzer.js';

/** A sentence of a text: offsets into it (UTF-16 code units), end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Summary {
  /** The chosen sentences, in the order the text has them. */
  readonly sentences: readonly Span[];
  /** Those sentences joined (by a space, or by nothing between Chinese sentences). */
  readonly text: string;
}

/** Texts shorter than this (a Han character counted as three) are not summarized: they are their own summary. */
export const MIN_SUMMARIZED_LENGTH = 400;
/** Nor texts of fewer sentences than this. */
export const MIN_SUMMARIZED_SENTENCES = 6;
/** At most this many sentences take part in the ranking (spread evenly over a longer text), so a book costs what a chapter does. */
const MAX_RANKED_SENTENCES = 400;

const closers = `"'”’」』）)］\\]`;
/** Ends a sentence wherever it is: Chinese and Japanese full stops, question and exclamation marks, an ellipsis. */
const cjkEnd = new RegExp(`[。！？!?…]+[${closers}]*`, 'uy');
/** A full stop ends a sentence when space or the end of the text follows (after any closing quote). */
const latinEnd = new RegExp(`\\.+[${closers}]*(?=\\s|$)`, 'uy');
/** Abbreviations after which a full stop does not end a sentence. */
const abbreviations = new Set('mr mrs ms dr prof st vs etc e.g i.e inc ltd jr sr no fig al approx dept est govt corp co'.split(' '));
const han = /\p{Script=Han}/gu;
const letter = /[\p{L}\p{N}]/u;

/**
 * The sentences of a text, for English and Chinese alike: ended by `。！？!?…` wherever they stand, by a full stop
 * followed by space (not after a common abbreviation or an initial, not before a lower-case word, not inside a number), and by a blank line (a
 * paragraph without a final stop, a heading). A single line break inside a paragraph does not end one: hard-wrapped
 * and OCR'd text breaks lines mid-sentence. Spans without a letter or digit are left out.
 */
export function splitSentences(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  const push = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && /\s/u.test(text[s]!)) s++;
    while (e > s && /\s/u.test(text[e - 1]!)) e--;
    if (e > s && letter.test(text.slice(s, e))) spans.push({ start: s, end: e });
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n' && /^\n[ \t]*\n/.test(text.slice(i, i + 40))) {
      push(i);
      continue;
    }
    cjkEnd.lastIndex = i;
    const cjk = cjkEnd.exec(text);
    if (cjk) {
      push(i + cjk[0].length);
      i += cjk[0].length - 1;
      continue;
    }
    if (c === '.') {
      latinEnd.lastIndex = i;
      const stop = latinEnd.exec(text);
      if (stop && !abbreviationBefore(text, i) && !lowerCaseAfter(text, i + stop[0].length)) {
        push(i + stop[0].length);
        i += stop[0].length - 1;
      }
    }
  }
  push(text.length);
  return spans;
}

/** English sentences begin with a capital: a full stop before a lower-case word (`p.m. on`, `e.g. in`) ends none. */
function lowerCaseAfter(text: string, at: number): boolean {
  const next = /\S/u.exec(text.slice(at, at + 20));
  return next !== null && /\p{Ll}/u.test(next[0]);
}

function abbreviationBefore(text: string, dot: number): boolean {
  const word = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, dot - 12), dot))?.[1] ?? '';
  if (word.length === 1 && /\p{Lu}/u.test(word)) return true; // an initial: J. Smith
  return abbreviations.has(word.toLowerCase());
}

/** Length as a reader feels it: a Han character carries about as much as three Latin letters. */
function readingLength(text: string): number {
  return text.length + 2 * (text.match(han)?.length ?? 0);
}

/** Whether a text is long enough to be summarized at all (a cheap check before {@link summarize}). */
export function longEnough(text: string): boolean {
  if (text.length >= MIN_SUMMARIZED_LENGTH) return true;
  return readingLength(text) >= MIN_SUMMARIZED_LENGTH;
}

/**
 * An extractive summary, TextRank-style: the sentences are the nodes of a graph whose edges weigh how many content
 * words two sentences share (over the log of their lengths, so long sentences do not win by length), their
 * centrality in that graph ranks them (see {@link centrality}), and the most central ones are kept in their order in
 * the text. Words are the search analyzer's (Chinese
 * segmented, English stemmed, stop words out), so Chinese is summarized as well as English. Undefined for a text
 * of a few sentences, which needs no summary.
 */
export function summarize(text: string, options: { maxSentences?: number } = {}): Summary | undefined {
  if (!longEnough(text)) return undefined;
  const all = splitSentences(text).filter((s) => !/^\s*#/.test(text.slice(s.start, s.end)));
  if (all.length < MIN_SUMMARIZED_SENTENCES) return undefined;
  const ranked = all.length <= MAX_RANKED_SENTENCES ? all : Array.from({ length: MAX_RANKED_SENTENCES }, (_, i) => all[Math.floor((i * all.length) / MAX_RANKED_SENTENCES)]!);
  const words = ranked.map((s) => {
    const counts = new Map<string, number>();
    for (const token of analyze(text.slice(s.start, s.end))) if (!token.stop) counts.set(token.term, (counts.get(token.term) ?? 0) + 1);
    return counts;
  });
  const scores = centrality(similarities(words));
  const wanted = options.maxSentences ?? Math.min(5, Math.max(2, Math.round(all.length / 10)));
  // Sentences too short to stand alone (a caption, "Thanks.") are not picked.
  const order = ranked.map((_, i) => i).filter((i) => words[i]!.size >= 3).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const chosen = order.slice(0, wanted).sort((a, b) => a - b).map((i) => ranked[i]!);
  if (chosen.length === 0) return undefined;
  let joined = '';
  for (const span of chosen) {
    const sentence = text.slice(span.start, span.end).replace(/\s*\n\s*/g, ' ');
    joined += joined && !(/\p{Script=Han}$/u.test(joined) || /[。！？]$/u.test(joined)) ? ` ${sentence}` : sentence;
  }
  return { sentences: chosen, text: joined };
}

/** Edge weights: shared content words (each counted once) over log(|a|) + log(|b|), as TextRank has them. */
function similarities(words: readonly Map<string, number>[]): Float64Array[] {
  const n = words.length;
  const weights = Array.from({ length: n }, () => new Float64Array(n));
  const sizes = words.map((w) => [...w.values()].reduce((a, b) => a + b, 0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const [small, large] = words[i]!.size <= words[j]!.size ? [words[i]!, words[j]!] : [words[j]!, words[i]!];
      let shared = 0;
      for (const term of small.keys()) if (large.has(term)) shared++;
      if (shared === 0) continue;
      const weight = shared / (Math.log(sizes[i]! + 1) + Math.log(sizes[j]! + 1));
      weights[i]![j] = weight;
      weights[j]![i] = weight;
    }
  }
  return weights;
}

/**
 * Each sentence's centrality in the similarity graph: the principal eigenvector of the weights, by power iteration
 * with a little of the mean mixed in each round (so that a graph of several parts converges). TextRank proper
 * normalizes each sentence's edges to sum to one (a random walk), which gives every closed group of sentences the same
 * total score however loosely its members are tied: two asides sharing one word would rank with the sentences the
 * whole text is about. Without that normalization, the sentences in the tightest, largest group lead.
 */
function centrality(weights: readonly Float64Array[]): Float64Array {
  const n = weights.length;
  let scores = new Float64Array(n).fill(1 / n);
  for (let round = 0; round < 100; round++) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const row = weights[i]!;
      let sum = 0;
      for (let j = 0; j < n; j++) if (row[j]! > 0) sum += row[j]! * scores[j]!;
      next[i] = sum;
    }
    const total = next.reduce((a, b) => a + b, 0);
    let moved = 0;
    for (let i = 0; i < n; i++) {
      const value = total > 0 ? 0.9 * (next[i]! / total) + 0.1 / n : 1 / n;
      moved = Math.max(moved, Math.abs(value - scores[i]!));
      next[i] = value;
    }
    scores = next;
    if (moved < 1e-7) break;
  }
  return scores;
}
