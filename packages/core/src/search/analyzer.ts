import { stemmer } from 'stemmer';
import { foldHan, pinyinKeys } from './chineseScript.js';

/**
 * Text analysis shared by indexing and querying, so both sides always agree on what a "word" is:
 *
 * - words are found over the original text, so every token keeps its offsets for snippets and
 *   highlights: runs of scripts written without spaces (Chinese — Simplified and Traditional alike —,
 *   Japanese, Korean, Thai, …) are split into words by `Intl.Segmenter` (ICU's dictionaries), other
 *   text by a regular expression that follows Unicode word boundaries for alphabetic scripts (the
 *   segmenter is ten times slower there, and indexing speed matters);
 * - text is NFKC-normalized (full-width Latin becomes ASCII) and lower-cased; Latin words lose their
 *   diacritics and their possessive `'s`, and are Porter-stemmed;
 * - CJK words are kept as the segmenter found them (no case, no stemming), Traditional characters folded to
 *   Simplified ({@link foldHan}), so a query in either script finds text in the other.
 *
 * The FTS5 table receives the terms joined by spaces and only splits them again (see
 * {@link ftsTokenizer}); every term consists of letters, digits, marks and `.` only, so no term can
 * carry FTS5 query syntax.
 */
export interface Token {
  /** The analyzed form that is indexed and matched. */
  readonly term: string;
  /** Offsets of the original word in the analyzed text (UTF-16 code units). */
  readonly start: number;
  readonly end: number;
  /** A common English word (Lucene's stop set): indexed, but dropped from queries that have other words. */
  readonly stop: boolean;
  /** A CJK word (from the dictionary segmenter). */
  readonly cjk: boolean;
}

/** The FTS5 tokenizer for pre-analyzed text: splits on spaces, keeps `.` inside terms, leaves case alone. */
export const ftsTokenizer = `unicode61 remove_diacritics 0 tokenchars '.'`;

/** Lucene's default English stop words (what Anserini's BM25 baseline removes). */
export const englishStopWords: ReadonlySet<string> = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '),
);

/** Function words and question words that carry no topic in Chinese queries. */
export const chineseStopWords: ReadonlySet<string> = new Set(
  '的 了 是 在 和 与 及 或 吗 呢 吧 啊 呀 么 之 其 这 那 这个 那个 这些 那些 什么 甚么 哪 哪个 哪些 哪里 哪儿 哪一 几 几个 多少 怎么 怎样 如何 为何 为什么 谁 被 把 将 对 于 从 由 以 而 也 都 就 又 还 是否 有没有 请问 何 何时 何地 多久 多长 多大 一个 一种'.split(' '),
);

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
/** Scripts written without spaces between words: these runs go through the dictionary segmenter. */
const dictionaryScripts = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}`;
const cjkPattern = new RegExp(`[${dictionaryScripts}]`, 'u');
/**
 * Words outside those scripts: letters, digits and marks, joined by an inner `.`, `'`, `’` or a comma
 * between digits — Unicode word boundaries (UAX #29) for alphabetic text, at regex speed.
 * Dictionary-script runs are matched whole and handed to `Intl.Segmenter`.
 */
const letters = `[[\\p{L}\\p{N}\\p{M}]--[${dictionaryScripts}]]`;
const wordPattern = new RegExp(`([${dictionaryScripts}][${dictionaryScripts}\\p{M}]*)|${letters}+(?:(?:['’.]|(?<=\\p{N}),(?=\\p{N}))${letters}+)*`, 'gv');
const latinLetters = /^[a-z]+$/;
const notTermChar = /[^\p{L}\p{N}\p{M}.]+/gu;
const marks = /\p{M}+/gu;
const latinWithMarks = /^[\p{Script=Latin}\p{M}\p{N}.'’]+$/u;

/** Receives each analyzed word: its term, its offsets in the text, and whether it is a stop word / CJK. */
type TermSink = (term: string, start: number, end: number, stop: boolean, cjk: boolean) => void;

/**
 * Words of `text` with offsets. Punctuation, spaces and symbols are not words. With `segmentCjk`
 * false, runs of dictionary scripts are skipped (the caller finds CJK terms by substring instead).
 */
export function analyze(text: string, options: { segmentCjk?: boolean } = {}): Token[] {
  const tokens: Token[] = [];
  forEachTerm(text, options.segmentCjk !== false, (term, start, end, stop, cjk) => tokens.push({ term, start, end, stop, cjk }));
  return tokens;
}

/** Joiners inside an ASCII word (`1,000`, `don't`, `U.S.`): such a word may become several terms. */
const joined = /[,'.]/;

/**
 * The tokens of `text` whose term is one of `terms` (CJK runs not segmented) — what highlighting needs,
 * the same as `analyze(text, { segmentCjk: false })` filtered by `terms`. In ASCII text a word is only
 * analyzed when it begins like one of the terms: lower-casing and stemming change a word's end only
 * (Porter leaves words under three letters alone and rewrites suffixes), so a plain word whose first
 * two characters begin no term cannot become one.
 */
export function analyzeMatching(text: string, terms: ReadonlySet<string>): Token[] {
  const tokens: Token[] = [];
  const sink: TermSink = (term, start, end, stop, cjk) => {
    if (terms.has(term)) tokens.push({ term, start, end, stop, cjk });
  };
  if (!asciiOnly.test(text)) {
    forEachTerm(text, false, sink);
    return tokens;
  }
  const beginnings = new Set<string>();
  for (const term of terms) beginnings.add(term.slice(0, 2));
  const count = scanAsciiWords(text);
  for (let w = 0; w < count; w++) {
    const start = wordBounds[2 * w]!;
    const word = text.slice(start, wordBounds[2 * w + 1]);
    // A word with an inner `'`, `.` or `,` may become several terms, or lose characters: always analyzed.
    const head = word.slice(0, 2).toLowerCase();
    if (beginnings.has(head) || beginnings.has(head.slice(0, 1)) || joined.test(word)) addWord(sink, word, start);
  }
  return tokens;
}

function forEachTerm(text: string, segmentCjk: boolean, sink: TermSink): void {
  if (asciiOnly.test(text)) {
    // Most text indexed is ASCII: the same words as `wordPattern` finds, without a match object per word.
    const count = scanAsciiWords(text);
    for (let w = 0; w < count; w++) addWord(sink, text.slice(wordBounds[2 * w], wordBounds[2 * w + 1]), wordBounds[2 * w]!);
    return;
  }
  for (const match of text.matchAll(wordPattern)) {
    if (match[1] === undefined) {
      addWord(sink, match[0], match.index);
      continue;
    }
    if (!segmentCjk) continue;
    // Traditional characters folded to Simplified (one for one, so offsets hold): either script finds the other.
    for (const segment of segmenter.segment(foldHan(match[0]))) {
      if (segment.isWordLike) addWord(sink, segment.segment, match.index + segment.index);
    }
  }
}

const asciiOnly = /^[\x00-\x7f]*$/;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isAsciiAlnum = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Word offsets found by {@link scanAsciiWords}: start and end of word i at [2i] and [2i + 1]. */
let wordBounds = new Int32Array(2_048);

/**
 * The words `wordPattern` finds in ASCII text — runs of letters and digits joined by an inner `'` or `.`,
 * or by a comma between digits — written into {@link wordBounds}; returns how many. (A plain loop: a
 * regex match object or a callback per word cost several times more.)
 */
function scanAsciiWords(text: string): number {
  const n = text.length;
  let count = 0;
  let i = 0;
  while (i < n) {
    if (!isAsciiAlnum(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    for (;;) {
      while (i < n && isAsciiAlnum(text.charCodeAt(i))) i++;
      if (i + 1 >= n) break;
      const joiner = text.charCodeAt(i);
      const next = text.charCodeAt(i + 1);
      const joins = ((joiner === 39 || joiner === 46) && isAsciiAlnum(next)) || (joiner === 44 && isDigit(next) && isDigit(text.charCodeAt(i - 1)));
      if (!joins) break;
      i++;
    }
    if (2 * count + 2 > wordBounds.length) {
      const grown = new Int32Array(wordBounds.length * 2);
      grown.set(wordBounds);
      wordBounds = grown;
    }
    wordBounds[2 * count] = start;
    wordBounds[2 * count + 1] = i;
    count++;
  }
  return count;
}

const asciiWord = /^[a-z0-9]+$/;
const stems = new Map<string, string>();

/** Porter stem of a lower-case Latin word, memoized (a vocabulary is far smaller than a corpus). */
function stem(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    stemmed = stemmer(word);
    if (stems.size >= 100_000) stems.clear();
    stems.set(word, stemmed);
  }
  return stemmed;
}

function addWord(sink: TermSink, word: string, index: number): void {
  const end = index + word.length;
  const lower = word.toLowerCase();
  if (asciiWord.test(lower)) {
    // The common case: a plain ASCII word needs no normalization.
    const stop = englishStopWords.has(lower);
    sink(lower.length > 2 && latinLetters.test(lower) ? stem(lower) : lower, index, end, stop, false);
    return;
  }
  let normalized = word.normalize('NFKC').toLowerCase();
  if (cjkPattern.test(normalized)) {
    // CJK words carry no case or inflection; they may still hold stray Latin letters or digits.
    const term = normalized.replace(notTermChar, '');
    if (term) sink(term, index, end, chineseStopWords.has(term), true);
    return;
  }
  if (latinWithMarks.test(normalized)) normalized = normalized.normalize('NFD').replace(marks, '').normalize('NFC');
  // Possessives go ("cairn's" → "cairn"), other apostrophes join ("don't" → "dont").
  normalized = normalized.replace(/['’]s$/u, '').replace(/['’]/gu, '');
  // Anything else that is not a letter, digit, mark or inner dot splits the word.
  for (const part of normalized.split(notTermChar)) {
    const trimmed = part.replace(/^\.+|\.+$/g, '');
    if (!trimmed) continue;
    const stop = englishStopWords.has(trimmed);
    const term = latinLetters.test(trimmed) && trimmed.length > 2 ? stem(trimmed) : trimmed;
    sink(term, index, end, stop, false);
  }
}

/**
 * The pinyin of the Chinese words in a title or tags (full and initials, see {@link pinyinKeys}), analyzed like any
 * word, so a query typed in pinyin finds them; empty without Chinese.
 */
export function pinyinText(text: string): string {
  if (!hasCjk(text)) return '';
  return indexText(pinyinKeys(analyze(text).filter((t) => t.cjk).map((t) => text.slice(t.start, t.end))));
}

/** The analyzed terms of `text`, space-separated: what the FTS5 table indexes. */
export function indexText(text: string): string {
  let out = '';
  forEachTerm(text, true, (term) => (out += out ? ` ${term}` : term));
  return out;
}

/** True when the text contains CJK characters (used to size snippet windows and count tokens). */
export function hasCjk(text: string): boolean {
  return cjkPattern.test(text);
}

/**
 * A rough model-token count (what chunk sizes are measured in): a Latin word counts as about 1.3
 * sub-word tokens, a CJK character as one.
 */
export function estimateTokens(text: string): number {
  let latinWords = 0;
  if (asciiOnly.test(text)) {
    return Math.ceil(scanAsciiWords(text) * 1.3);
  }
  let cjkChars = 0;
  for (const match of text.matchAll(wordPattern)) {
    if (match[1] === undefined) latinWords++;
    else cjkChars += match[1].length;
  }
  return Math.ceil(latinWords * 1.3) + cjkChars;
}
