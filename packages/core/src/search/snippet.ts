import { analyzeMatching, hasCjk } from './analyzer.js';
import { foldHan } from './chineseScript.js';

/**
 * Snippets with highlights. The result is HTML-safe text: the chunk text with `& < > " '` escaped,
 * whitespace collapsed, and the matched words wrapped in `<mark>` and `</mark>` — the only markup it
 * ever contains. A cut at either end is shown with `…`.
 */
export const snippetMarkup = { open: '<mark>', close: '</mark>' } as const;

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

/**
 * The part of `text` (about `maxChars` characters; fewer for CJK, which packs more per character)
 * with the most distinct query terms, highlighted. Without a match: the start of the text.
 */
export function makeSnippet(text: string, terms: ReadonlySet<string>, maxChars = 220): string {
  if (!text) return '';
  const width = hasCjk(text) ? Math.round(maxChars * 0.5) : maxChars;
  const matches = terms.size === 0 ? [] : findTerms(text, terms);
  let start = 0;
  if (matches.length > 0) {
    // The window that holds the most distinct terms, starting a little before its first match.
    let bestStart = matches[0]!.start;
    let bestEnd = matches[0]!.end;
    let bestCount = 0;
    for (let i = 0; i < matches.length; i++) {
      const seen = new Set<string>();
      let last = matches[i]!.end;
      for (let j = i; j < matches.length && matches[j]!.end - matches[i]!.start <= width; j++) {
        if (!seen.has(matches[j]!.term)) last = matches[j]!.end;
        seen.add(matches[j]!.term);
      }
      if (seen.size > bestCount) {
        bestCount = seen.size;
        bestStart = matches[i]!.start;
        bestEnd = last;
      }
    }
    // Some context before the first match, but never so much that the window's last new term falls out.
    start = Math.max(0, bestStart - Math.min(Math.round(width * 0.2), Math.max(0, width - (bestEnd - bestStart))));
    if (start > 0) start = snapForward(text, start, bestStart);
  }
  let end = Math.min(text.length, start + width);
  if (end < text.length) end = snapBack(text, end, start);
  let out = start > 0 ? '…' : '';
  let cursor = start;
  for (const match of matches) {
    if (match.start < start || match.end > end || match.start < cursor) continue;
    out += escapeHtml(text.slice(cursor, match.start)) + snippetMarkup.open + escapeHtml(text.slice(match.start, match.end)) + snippetMarkup.close;
    cursor = match.end;
  }
  out += escapeHtml(text.slice(cursor, end));
  if (end < text.length) out += '…';
  return out.replace(/\s+/g, ' ').trim();
}

interface Match {
  readonly term: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Where the terms occur: alphabetic words by analysis (stemmed terms match inflected words), CJK
 * terms by substring (segmenting every result's text with the dictionary would cost more than the
 * search itself).
 */
function findTerms(text: string, terms: ReadonlySet<string>): Match[] {
  const matches: Match[] = analyzeMatching(text, terms);
  // CJK terms are Simplified (see foldHan); the text is searched folded the same way, which keeps its offsets.
  const cjkTerms = [...terms].filter(hasCjk);
  const folded = cjkTerms.length > 0 ? foldHan(text) : text;
  for (const term of cjkTerms) {
    for (let at = folded.indexOf(term); at >= 0; at = folded.indexOf(term, at + term.length)) matches.push({ term, start: at, end: at + term.length });
  }
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  // Overlapping CJK matches (数据 in 数据库 and 据库): keep the first.
  const kept: Match[] = [];
  for (const match of matches) if (kept.length === 0 || match.start >= kept[kept.length - 1]!.end) kept.push(match);
  return kept;
}

/** Moves a cut forward to just after whitespace, so a word is not cut in half (not past `limit`). */
function snapForward(text: string, index: number, limit: number): number {
  for (let i = index; i < limit && i < index + 20; i++) if (/\s/.test(text[i - 1]!)) return i;
  return index;
}

function snapBack(text: string, index: number, floor: number): number {
  for (let i = index; i > floor && i > index - 20; i--) if (/\s/.test(text[i]!)) return i;
  return index;
}
