/**
 * `[[Title]]` and `[[Title|label]]` links in Markdown bodies (pure). A link names its target by title as written; the
 * entry keeps, per link key (the title normalized), the id it resolved to when it was written, so a rename does not
 * break it.
 */

/** One link as written in a body. */
export interface WrittenLink {
  /** Offsets of the whole `[[…]]` in the body. */
  readonly start: number;
  readonly end: number;
  /** The title as written (trimmed). */
  readonly title: string;
  /** The title normalized: what links are resolved by. */
  readonly key: string;
  /** The text after `|`, or null. */
  readonly label: string | null;
}

/** At most this many distinct link keys are resolved per body (the rest still show, resolved by title). */
export const maxResolvedLinks = 500;

// A title holds no brackets, no `|` and no line break; the label no brackets and no line break.
const linkPattern = /\[\[([^[\]|\n]+?)(?:\|([^[\]\n]*))?\]\]/gu;

/** The normalized form two titles are compared by: NFC, whitespace collapsed, trimmed, lower case. */
export function linkKey(title: string): string {
  return title.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/** Every link in a body, in order; links inside code (fenced blocks and `inline` spans) are not links. */
export function parseLinks(body: string): WrittenLink[] {
  if (!body.includes('[[')) return [];
  const code = codeRanges(body);
  const links: WrittenLink[] = [];
  for (const match of body.matchAll(linkPattern)) {
    const start = match.index;
    if (code.some(([from, to]) => start >= from && start < to)) continue;
    const title = match[1]!.trim();
    const key = linkKey(title);
    if (key === '') continue;
    const label = match[2] === undefined ? null : match[2].trim() || null;
    links.push({ start, end: start + match[0].length, title, key, label });
  }
  return links;
}

/** The distinct link keys of a body, in order of first appearance. */
export function linkKeys(body: string): string[] {
  return [...new Set(parseLinks(body).map((link) => link.key))];
}

/**
 * The body with links to renamed targets rewritten: `[[Old]]` → `[[New]]` and `[[Old|label]]` → `[[New|label]]`,
 * for every link whose key maps to a new title. `[[Old]]` written without a label keeps showing what it showed only
 * if the new title is what a person wants to read — which is the point of renaming.
 */
export function rewriteLinks(body: string, newTitles: ReadonlyMap<string, string>): string {
  if (newTitles.size === 0) return body;
  let out = '';
  let at = 0;
  for (const link of parseLinks(body)) {
    const title = newTitles.get(link.key);
    if (title === undefined) continue;
    out += body.slice(at, link.start) + `[[${title}${link.label === null ? '' : `|${link.label}`}]]`;
    at = link.end;
  }
  return at === 0 ? body : out + body.slice(at);
}

/**
 * The link map an edit records: for each link key in the new body, the id it already had in the entry (a link keeps
 * its target while it stays in the body), else the id the title names now (`resolve`), else nothing.
 */
export function resolveLinks(body: string, kept: Readonly<Record<string, string>>, resolve: Readonly<Record<string, string>>): Record<string, string> {
  const links: Record<string, string> = {};
  let count = 0;
  for (const key of linkKeys(body)) {
    const id = Object.hasOwn(kept, key) ? kept[key] : Object.hasOwn(resolve, key) ? resolve[key] : undefined;
    if (id === undefined || count >= maxResolvedLinks) continue;
    links[key] = id;
    count++;
  }
  return links;
}

/** The part of a link map whose keys are still linked in the body. */
export function keepLinksIn(body: string, links: Readonly<Record<string, string>>): Record<string, string> {
  const keys = new Set(linkKeys(body));
  const kept: Record<string, string> = {};
  for (const [key, id] of Object.entries(links)) if (keys.has(key)) kept[key] = id;
  return kept;
}

/** Where code is in Markdown: fenced blocks (``` or ~~~) and inline code spans. Links there are text. */
function codeRanges(body: string): [number, number][] {
  const ranges: [number, number][] = [];
  const fence = /^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[`~]*[ \t]*$|(?![\s\S]))/gmu;
  for (const match of body.matchAll(fence)) ranges.push([match.index, match.index + match[0].length]);
  const inline = /(`+)[^`]+?\1/gu;
  for (const match of body.matchAll(inline)) ranges.push([match.index, match.index + match[0].length]);
  return ranges;
}
