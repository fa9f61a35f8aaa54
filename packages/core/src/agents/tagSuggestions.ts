import { analyze } from '../search/analyzer.js';
import type { DistinctiveTerm } from './related.js';

/** A tag worth adding to an entry, and why: the entry's keywords it matches, and how many related entries carry it. */
export interface TagSuggestion {
  readonly tag: string;
  /** The entry's distinctive words that make up the tag (empty when only related entries suggest it). */
  readonly keywords: string[];
  /** How many of the entry's related entries carry the tag. */
  readonly relatedCount: number;
  /** Higher first. */
  readonly score: number;
}

export interface TagSuggestionsView {
  readonly entryId: string;
  readonly suggestions: TagSuggestion[];
  /** How many related entries were looked at. */
  readonly related: number;
}

export const maxTagSuggestions = 8;
/** A tag suggested by related entries alone must be on at least this many of them. */
export const minRelatedWithTag = 2;

export interface TagSuggestionInput {
  /** The entry's distinctive words, most distinctive first. */
  readonly keywords: readonly DistinctiveTerm[];
  /** The tags in use in the library. */
  readonly tagsInUse: readonly string[];
  /** The entry's own tags. */
  readonly ownTags: readonly string[];
  /** The tags of each related entry. */
  readonly relatedTags: readonly (readonly string[])[];
  /** Tags a person dismissed for this entry. */
  readonly dismissed: ReadonlySet<string>;
}

/**
 * A tag's words as the search analyzer has them: case, width (NFKC) and Traditional/Simplified Chinese folded, English
 * stemmed, so "Baking", "ｂａｋｉｎｇ" and "bake" are one key, as are 機器學習 and 机器学习.
 */
export function tagKey(tag: string): string {
  return analyze(tag.replace(/[-_/]+/g, ' '))
    .filter((t) => !t.stop)
    .map((t) => t.term)
    .join(' ');
}

/**
 * Tags to suggest for an entry: tags already in use whose every word is one of the entry's keywords, then tags common
 * among its related entries; never one it has (compared by {@link tagKey}) nor one dismissed for it.
 */
export function suggestTags(input: TagSuggestionInput): TagSuggestion[] {
  const rank = new Map(input.keywords.map((k, i) => [k.term, i]));
  const words = new Map(input.keywords.map((k) => [k.term, k.word]));
  const owned = new Set(input.ownTags.map(tagKey));
  const onRelated = new Map<string, number>();
  for (const tags of input.relatedTags) for (const tag of new Set(tags)) onRelated.set(tag, (onRelated.get(tag) ?? 0) + 1);
  const suggestions: TagSuggestion[] = [];
  for (const tag of new Set(input.tagsInUse)) {
    if (input.dismissed.has(tag)) continue;
    const key = tagKey(tag);
    if (key === '' || owned.has(key)) continue;
    const terms = key.split(' ');
    const matched = terms.every((term) => rank.has(term));
    const relatedCount = onRelated.get(tag) ?? 0;
    if (!matched && relatedCount < minRelatedWithTag) continue;
    const keywordScore = matched ? 1 - Math.max(...terms.map((term) => rank.get(term)!)) / Math.max(1, input.keywords.length) : 0;
    const relatedScore = input.relatedTags.length > 0 ? relatedCount / input.relatedTags.length : 0;
    suggestions.push({ tag, keywords: matched ? terms.map((term) => words.get(term)!) : [], relatedCount, score: keywordScore + relatedScore });
  }
  return suggestions.sort((a, b) => b.score - a.score || (a.tag < b.tag ? -1 : 1)).slice(0, maxTagSuggestions);
}
