import { createRequire } from 'node:module';

type Convert = (text: string) => string;
/**
 * opencc-js, loaded the first time a Chinese character is met (its tables take a quarter of a second to load, which
 * a process that never sees Chinese need not pay). Its bundled types import their parts without file extensions,
 * which ESM resolution cannot follow: the one function used here is typed by hand.
 */
const converter = (from: string, to: string): Convert => {
  const opencc = createRequire(import.meta.url)('opencc-js') as { Converter: (options: { from: string; to: string }) => Convert };
  return opencc.Converter({ from, to });
};

/**
 * Chinese in both scripts: Traditional characters are folded to Simplified, one character at a time, wherever text is
 * analyzed — at indexing and at query time alike — so `数据` finds `數據` and the other way round. One character for
 * one keeps every offset: snippets and highlights still show the text as it was written. (OpenCC's phrase tables —
 * `opencc-js` — would also rewrite regional vocabulary, which changes lengths; per character is what search needs.)
 */
let toSimplified: Convert | undefined;
/** Each BMP character's Simplified form, filled in as characters are met (0: not looked up yet). */
const folded = new Uint16Array(0x10000);
/** Below this no character has a Traditional form (the CJK blocks start at U+3400). */
const firstHan = 0x3400;

function foldCode(code: number): number {
  let simplified = folded[code]!;
  if (simplified === 0) {
    const char = String.fromCharCode(code);
    toSimplified ??= converter('t', 'cn');
    const converted = toSimplified(char);
    simplified = converted.length === 1 ? converted.charCodeAt(0) : code;
    folded[code] = simplified;
  }
  return simplified;
}

/** `text` with every Traditional character in its Simplified form; the same length, character for character. */
export function foldHan(text: string): string {
  let parts: string[] | undefined;
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < firstHan || (code >= 0xd800 && code <= 0xdfff)) continue;
    const simplified = foldCode(code);
    if (simplified === code) continue;
    (parts ??= []).push(text.slice(copied, i), String.fromCharCode(simplified));
    copied = i + 1;
  }
  return parts ? parts.join('') + text.slice(copied) : text;
}

let toTraditionalConverter: Convert | undefined;
/** Simplified text as Traditional (Taiwan): for evaluations that ask in the other script. */
export function toTraditional(text: string): string {
  toTraditionalConverter ??= converter('cn', 'tw');
  return toTraditionalConverter(text);
}
