import { analyze, hasCjk } from './analyzer.js';

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
  const matches = terms.size === 0 ? [] : analyze(text).filter((t) => terms.has(t.term));
  let start = 0;
  if (matches.length > 0) {
    // The window that holds the most distinct terms, starting a little before its first match.
    let bestStart = matches[0]!.start;
    let bestCount = 0;
    for (let i = 0; i < matches.length; i++) {
      const seen = new Set<string>();
      for (let j = i; j < matches.length && matches[j]!.end - matches[i]!.start <= width; j++) seen.add(matches[j]!.term);
      if (seen.size > bestCount) {
        bestCount = seen.size;
        bestStart = matches[i]!.start;
      }
    }
    start = Math.max(0, bestStart - Math.round(width * 0.2));
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

/** Moves a cut forward to just after whitespace, so a word is not cut in half (not past `limit`). */
function snapForward(text: string, index: number, limit: number): number {
  for (let i = index; i < limit && i < index + 20; i++) if (/\s/.test(text[i - 1]!)) return i;
  return index;
}

function snapBack(text: string, index: number, floor: number): number {
  for (let i = index; i > floor && i > index - 20; i--) if (/\s/.test(text[i]!)) return i;
  return index;
}
