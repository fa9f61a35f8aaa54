import type { EntryKind } from '../domain/entry/events.js';

/**
 * Ask's pure part: the passages an answer may use, the prompt that numbers them, and the citations found in
 * the answer. No I/O: retrieval is in `askService.ts`, generation in `askModel.ts`.
 */

/** One passage the answer may cite: a chunk of an entry's body or of a document's extracted text. */
export interface AskPassage {
  /** Its number in the prompt, from 1: the answer cites it as `[n]`. */
  readonly n: number;
  readonly entryId: string;
  readonly title: string;
  readonly kind: EntryKind;
  /** The text the offsets are in: the entry's body, or the document's extracted text. */
  readonly source: 'body' | 'text';
  /** `text === sourceText.slice(start, end)` (UTF-16 code units). */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** The passage around the question's words, HTML-escaped with `<mark>` highlights (as search's snippets). */
  readonly snippet: string;
  readonly score: number;
}

/** A citation in the answer, mapped to its passage. */
export interface AskCitation {
  /** The passage number the answer wrote. */
  readonly n: number;
  /** Where the marker (`[n]`, or `[1, 2]` for each of its numbers) is in the answer text. */
  readonly at: number;
  readonly length: number;
  readonly entryId: string;
  readonly title: string;
  readonly source: 'body' | 'text';
  /** The passage's offsets in its source. */
  readonly start: number;
  readonly end: number;
  /**
   * What to highlight when the citation is opened: the words the answer quoted right before the marker when the
   * passage holds them, else the whole passage. Offsets in the same source.
   */
  readonly highlight: { readonly start: number; readonly end: number };
  /** The quoted words, when the sentence citing quoted some; `quoteFound` says whether the passage holds them. */
  readonly quote: string | null;
  readonly quoteFound: boolean | null;
}

export interface ParsedCitations {
  readonly citations: AskCitation[];
  /** Numbers the answer cited that are not passages: dropped, never mapped to a guess. */
  readonly dropped: number[];
}

export interface ChatMessage {
  readonly role: 'system' | 'user';
  readonly content: string;
}

const systemPrompt = [
  'You answer questions from the user\'s own notes and documents, given as numbered passages.',
  'Use only what the passages say. After each statement, cite the passages it comes from as [1], [2] (the numbers of the passages).',
  'When you quote, quote the passage\'s words exactly, in quotation marks, followed by its citation.',
  'If the passages do not answer the question, say so. Answer in the language of the question.',
].join(' ');

/** The chat messages for a question: the rules, then the numbered passages and the question. */
export function buildAskMessages(question: string, passages: readonly AskPassage[]): ChatMessage[] {
  const blocks = passages.map((p) => `[${p.n}] ${p.title}\n${p.text}`);
  return [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: `Passages:\n\n${blocks.join('\n\n')}\n\nQuestion: ${question}` },
  ];
}

// `[1]`, `[1, 2]`, `[1][2]`, and the full-width brackets Chinese answers use: `［1］`, `【1】`, `[1，2]`, `[1、2]`.
const markerPattern = /[[［【]\s*(\d{1,3}(?:\s*[,，、;；]\s*\d{1,3})*)\s*[\]］】]/g;
const numberPattern = /\d{1,3}/g;
// A quotation in the sentence before a marker: "…", “…”, 「…」, 『…』.
const quotePattern = /"([^"]{2,})"|“([^”]{2,})”|「([^」]{2,})」|『([^』]{2,})』/g;

/** Finds the citation markers in an answer and maps each to its passage; numbers that are no passage are dropped. */
export function parseCitations(answer: string, passages: readonly AskPassage[]): ParsedCitations {
  const byNumber = new Map(passages.map((p) => [p.n, p]));
  const citations: AskCitation[] = [];
  const dropped: number[] = [];
  let sentenceStart = 0;
  for (const match of answer.matchAll(markerPattern)) {
    const at = match.index;
    const quote = lastQuote(answer.slice(sentenceStart, at));
    for (const number of match[1]!.matchAll(numberPattern)) {
      const n = Number(number[0]);
      const passage = byNumber.get(n);
      if (!passage) {
        if (!dropped.includes(n)) dropped.push(n);
        continue;
      }
      const found = quote === null ? -1 : passage.text.indexOf(quote);
      citations.push({
        n,
        at,
        length: match[0].length,
        entryId: passage.entryId,
        title: passage.title,
        source: passage.source,
        start: passage.start,
        end: passage.end,
        highlight: found >= 0 ? { start: passage.start + found, end: passage.start + found + quote!.length } : { start: passage.start, end: passage.end },
        quote,
        quoteFound: quote === null ? null : found >= 0,
      });
    }
    // The next marker's quote is looked for after this one.
    sentenceStart = at + match[0].length;
  }
  return { citations, dropped };
}

/** The last quotation in `text` (the words a citation right after it vouches for), trimmed; null without one. */
function lastQuote(text: string): string | null {
  let last: string | null = null;
  for (const match of text.matchAll(quotePattern)) last = (match[1] ?? match[2] ?? match[3] ?? match[4])!.trim();
  return last === '' ? null : last;
}
