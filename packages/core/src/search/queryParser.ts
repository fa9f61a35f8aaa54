import { entryKinds, type EntryKind } from '../domain/entry/events.js';
import { normalizeTag } from '../domain/entry/normalize.js';
import { ValidationError } from '../errors/cairnError.js';
import { analyze } from './analyzer.js';
import { documentTypeNames, resolveDocumentType, type TypeFilter } from './mimeTypes.js';

/**
 * A search query, parsed and analyzed. Syntax (DESIGN.md §4):
 *
 * - `word word` — any of the words may match (ranked by BM25), never an implicit AND;
 * - `"a phrase"` (also `“…”`, `「…」`) — must appear as written (after analysis);
 * - `-word`, `-"a phrase"` — entries containing it are left out; `-tag:x` leaves out a tag;
 * - `tag:x`, `kind:note|document`, `type:pdf` (see mimeTypes.ts) — filters; several values of one
 *   filter widen it (`type:pdf type:docx`), different filters narrow it.
 *
 * Unknown `name:value` pairs are searched as words and reported in `notices`. Invalid filter values
 * are a ValidationError. Nothing the user types reaches FTS5 as syntax: terms are analyzed words.
 */
export interface SearchQuery {
  /** Optional words (analyzed, de-duplicated); common words are dropped unless nothing else is left. */
  readonly terms: readonly string[];
  /** Required phrases, each a sequence of analyzed terms. */
  readonly phrases: readonly (readonly string[])[];
  /** Excluded words and phrases. */
  readonly excluded: readonly (readonly string[])[];
  readonly tags: readonly string[];
  readonly excludedTags: readonly string[];
  readonly kinds: readonly EntryKind[];
  readonly types: readonly TypeFilter[];
  /** The words and phrases as typed, without syntax: what the embedding model reads. */
  readonly semanticText: string;
  readonly notices: readonly string[];
}

/** At most this many distinct words are searched; the rest of a very long query is ignored (and said so). */
export const maxQueryTerms = 64;
/** Characters of a query the embedding model reads. */
const maxSemanticChars = 2_000;

const openQuotes: Record<string, string> = { '"': '"', '“': '”', '「': '」', '『': '』', '＂': '＂' };
const knownFilters = ['tag', 'kind', 'type'] as const;

interface Part {
  text: string;
  negated: boolean;
  quoted: boolean;
}

export interface QueryFilters {
  readonly tags?: readonly string[];
  readonly kinds?: readonly EntryKind[];
  readonly types?: readonly string[];
}

export function parseQuery(raw: string, extra: QueryFilters = {}): SearchQuery {
  const notices: string[] = [];
  const words: string[] = [];
  const stopWords: string[] = [];
  const phrases: string[][] = [];
  const excluded: string[][] = [];
  const tags = new Set<string>();
  const excludedTags = new Set<string>();
  const kinds = new Set<EntryKind>();
  const types: TypeFilter[] = [];
  const semantic: string[] = [];

  const addTag = (value: string, into: Set<string>) => {
    try {
      into.add(normalizeTag(value));
    } catch {
      throw new ValidationError(`tag:${value} is not a valid tag`, { filter: 'tag', value });
    }
  };
  const addKind = (value: string) => {
    const kind = value.toLowerCase();
    if (!(entryKinds as readonly string[]).includes(kind)) throw new ValidationError(`kind:${value} is not a kind; use ${entryKinds.map((k) => `kind:${k}`).join(' or ')}`, { filter: 'kind', value });
    kinds.add(kind as EntryKind);
  };
  const addType = (value: string) => {
    const type = resolveDocumentType(value);
    if (!type) throw new ValidationError(`type:${value} is not a document type; known types: ${documentTypeNames.join(', ')} (or a MIME type)`, { filter: 'type', value });
    types.push(type);
  };

  for (const part of splitParts(raw.normalize('NFC'))) {
    const filter = !part.quoted ? /^([A-Za-z]+):(.+)$/su.exec(part.text) : null;
    if (filter) {
      const name = filter[1]!.toLowerCase();
      const value = unquote(filter[2]!);
      if (name === 'tag') {
        addTag(value, part.negated ? excludedTags : tags);
        continue;
      }
      if ((knownFilters as readonly string[]).includes(name)) {
        if (part.negated) throw new ValidationError(`-${name}: is not supported; only -tag: can be excluded`, { filter: name });
        if (name === 'kind') addKind(value);
        else addType(value);
        continue;
      }
      notices.push(`"${name}:" is not a filter (known: tag:, kind:, type:); searched as words`);
    }
    const terms = analyze(part.text);
    if (part.negated) {
      if (terms.length > 0) excluded.push(terms.map((t) => t.term));
    } else if (part.quoted) {
      if (terms.length > 0) phrases.push(terms.map((t) => t.term));
      semantic.push(part.text);
    } else {
      for (const t of terms) (t.stop ? stopWords : words).push(t.term);
      semantic.push(part.text);
    }
  }
  for (const tag of extra.tags ?? []) addTag(tag, tags);
  for (const kind of extra.kinds ?? []) addKind(kind);
  for (const type of extra.types ?? []) addType(type);

  // Stop words count only when the query has nothing else to search for.
  let terms = [...new Set(words.length > 0 || phrases.length > 0 ? words : stopWords)];
  if (terms.length > maxQueryTerms) {
    notices.push(`the query has ${terms.length} different words; only the first ${maxQueryTerms} were searched`);
    terms = terms.slice(0, maxQueryTerms);
  }
  const semanticText = semantic.join(' ').replace(/\s+/g, ' ').trim().slice(0, maxSemanticChars);
  return {
    terms,
    phrases: phrases.map((p) => p.slice(0, maxQueryTerms)).slice(0, 8),
    excluded: excluded.slice(0, 16),
    tags: [...tags],
    excludedTags: [...excludedTags],
    kinds: [...kinds],
    types,
    semanticText,
    notices,
  };
}

/** True when the query names something to look for (words or phrases), not only filters or exclusions. */
export function hasSearchText(query: SearchQuery): boolean {
  return query.terms.length > 0 || query.phrases.length > 0;
}

/** True when the query narrows by tag, kind or type. */
export function hasFilters(query: SearchQuery): boolean {
  return query.tags.length > 0 || query.excludedTags.length > 0 || query.kinds.length > 0 || query.types.length > 0;
}

function unquote(value: string): string {
  const close = openQuotes[value[0] ?? ''];
  return close && value.endsWith(close) && value.length >= 2 ? value.slice(1, -1) : value;
}

/** Splits on whitespace, keeping quoted phrases whole and noting a leading `-`. */
function splitParts(raw: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < raw.length) {
    while (i < raw.length && /\s/u.test(raw[i]!)) i++;
    if (i >= raw.length) break;
    let negated = false;
    if (raw[i] === '-' && i + 1 < raw.length && !/[\s-]/u.test(raw[i + 1]!)) {
      negated = true;
      i++;
    }
    const close = openQuotes[raw[i]!];
    if (close) {
      const end = raw.indexOf(close, i + 1);
      const stop = end < 0 ? raw.length : end;
      parts.push({ text: raw.slice(i + 1, stop), negated, quoted: true });
      i = stop + 1;
      continue;
    }
    let end = i;
    // A filter value may be quoted: tag:"x y" stays one part.
    while (end < raw.length && !/\s/u.test(raw[end]!)) {
      if (raw[end] === ':' && openQuotes[raw[end + 1] ?? '']) {
        const closing = raw.indexOf(openQuotes[raw[end + 1]!]!, end + 2);
        end = closing < 0 ? raw.length : closing + 1;
        break;
      }
      end++;
    }
    parts.push({ text: raw.slice(i, end), negated, quoted: false });
    i = end;
  }
  return parts;
}
