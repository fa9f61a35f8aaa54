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

type Pinyin = (text: string, options: { toneType: 'none'; type: 'array' }) => string[];
let pinyinOf: Pinyin | undefined;

/**
 * What a title or tag is found by when typed in pinyin: each Chinese word's syllables run together (`数据` →
 * `shuju`) and their initials (`sj`), and the same for the whole text (`数据同步` → `shujutongbu`, `sjtb`). pinyin-pro
 * (Traditional characters too), loaded the first time it is needed. Empty for text without Chinese.
 */
export function pinyinKeys(words: readonly string[]): string {
  if (words.length === 0) return '';
  pinyinOf ??= (createRequire(import.meta.url)('pinyin-pro') as { pinyin: Pinyin }).pinyin;
  const keys = new Set<string>();
  const all: string[] = [];
  for (const word of words) {
    const syllables = pinyinOf(word, { toneType: 'none', type: 'array' }).filter((s) => /^[a-zü]+$/.test(s));
    if (syllables.length === 0) continue;
    all.push(...syllables);
    keys.add(syllables.join('').replace(/ü/g, 'v'));
    if (syllables.length > 1) keys.add(syllables.map((s) => s[0]).join(''));
  }
  if (words.length > 1 && all.length > 1) {
    keys.add(all.join('').replace(/ü/g, 'v'));
    keys.add(all.map((s) => s[0]).join(''));
  }
  return [...keys].join(' ');
}
