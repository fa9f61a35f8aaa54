/**
 * The words a search hit matched, for a viewer that finds and marks them in the original: the words the
 * engine marked in the hit's snippet (what it matched: `harbor` for a query `harbors`), or when it marked
 * none (a hit on meaning alone) the words of the query. Quotes, brackets, `*` and the operators OR/AND/NOT
 * are not words; a `-word` is excluded, so it is left out.
 */
export function searchTerms(query: string, snippet = ''): string[] {
  const marked = [...snippet.matchAll(/<mark>(.*?)<\/mark>/g)].map((m) => unescapeHtml(m[1]!));
  const typed = query
    .replace(/["()*]/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '' && !word.startsWith('-') && !['OR', 'AND', 'NOT'].includes(word));
  const terms = new Set<string>();
  for (const term of marked.length > 0 ? marked : typed) {
    const word = term.trim().toLowerCase();
    // One Latin letter or digit would mark half a page; one CJK character is a word.
    if (word.length > 1 || /\p{Script=Han}|\p{Script=Hiragana}|\p{Script=Katakana}|\p{Script=Hangul}/u.test(word)) terms.add(word);
  }
  return [...terms];
}

/** Where the terms occur in a text (case-insensitive, longest first, not overlapping), as [start, end) pairs. */
export function termRanges(text: string, terms: readonly string[]): Array<readonly [number, number]> {
  const pattern = termPattern(terms);
  if (!pattern) return [];
  return [...text.matchAll(pattern)].map((m) => [m.index, m.index + m[0].length] as const);
}

/** How many of the terms a text holds (a page that holds more of them is a better page to open on). */
export function termsFound(text: string, terms: readonly string[]): number {
  const found = new Set(termRanges(text, terms).map(([start, end]) => text.slice(start, end).toLowerCase()));
  return terms.filter((term) => found.has(term)).length;
}

function termPattern(terms: readonly string[]): RegExp | undefined {
  if (terms.length === 0) return undefined;
  const alternatives = [...terms].sort((a, b) => b.length - a.length).map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(alternatives.join('|'), 'giu');
}

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => entities[e]!);
}
