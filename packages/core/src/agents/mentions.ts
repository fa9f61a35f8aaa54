import { parseLinks } from '../domain/entry/links.js';

/** Where a title appears in a text outside a link. */
export interface Mention {
  readonly start: number;
  readonly end: number;
  /** The text as it appears there (its case may differ from the title's). */
  readonly text: string;
}

const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const wordChar = /[\p{L}\p{N}_]/u;

/**
 * Whether a title is long enough for its plain mentions to mean it: 3 characters at least, or 2 when it holds CJK
 * characters (数据 is a word; "Go" or "AI" would be found in every other note).
 */
export function mentionable(title: string): boolean {
  const chars = [...title.normalize('NFC').trim()];
  return cjk.test(title) ? chars.length >= 2 : chars.length >= 3;
}

/**
 * The plain mentions of `title` in `text`: case-insensitive, any run of whitespace matching any other, not inside a
 * `[[link]]`, and — where the title starts or ends with a letter or digit of a spaced script — not inside a longer
 * word ("Cairn" is not mentioned in "Cairns"). CJK text has no spaces, so there a substring is a mention.
 */
export function findMentions(text: string, title: string, limit = Infinity): Mention[] {
  const wanted = title.normalize('NFC').trim();
  if (!mentionable(wanted)) return [];
  const pattern = new RegExp(
    wanted
      .split(/\s+/u)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'))
      .join('\\s+'),
    'giu',
  );
  const links = text.includes('[[') ? parseLinks(text) : [];
  const mentions: Mention[] = [];
  for (const match of text.matchAll(pattern)) {
    const start = match.index;
    const end = start + match[0].length;
    if (links.some((link) => start < link.end && end > link.start)) continue;
    if (!boundary(text, start, end)) continue;
    mentions.push({ start, end, text: match[0] });
    if (mentions.length >= limit) break;
  }
  return mentions;
}

function boundary(text: string, start: number, end: number): boolean {
  const first = String.fromCodePoint(text.codePointAt(start)!);
  const last = lastChar(text.slice(start, end));
  const before = start > 0 ? lastChar(text.slice(Math.max(0, start - 2), start)) : '';
  const after = end < text.length ? String.fromCodePoint(text.codePointAt(end)!) : '';
  return !(joins(first, before) || joins(last, after));
}

/** Two adjacent characters of one word in a spaced script. */
function joins(edge: string, neighbour: string): boolean {
  return neighbour !== '' && wordChar.test(edge) && !cjk.test(edge) && wordChar.test(neighbour) && !cjk.test(neighbour);
}

function lastChar(text: string): string {
  const chars = [...text];
  return chars[chars.length - 1] ?? '';
}

/** The first plain mention in a Markdown body turned into a link: `[[Title]]`, or `[[Title|as written]]`. */
export function linkFirstMention(body: string, title: string): string | undefined {
  const [first] = findMentions(body, title, 1);
  if (!first) return undefined;
  const link = first.text === title ? `[[${title}]]` : `[[${title}|${first.text}]]`;
  return body.slice(0, first.start) + link + body.slice(first.end);
}

/** A short piece of text around a span, cut at whitespace where it can be, for showing where a link or mention is. */
export function contextAround(text: string, start: number, end: number, reach = 60): { before: string; match: string; after: string } {
  let from = Math.max(0, start - reach);
  let to = Math.min(text.length, end + reach);
  const space = text.lastIndexOf('\n', start - 1);
  if (space >= from) from = space + 1;
  const stop = text.indexOf('\n', end);
  if (stop !== -1 && stop < to) to = stop;
  return { before: (from > 0 ? '…' : '') + text.slice(from, start), match: text.slice(start, end), after: text.slice(end, to) + (to < text.length ? '…' : '') };
}
