const han = /\p{Script=Han}/u;
const cjkPunctuation = '\u3000-\u303f\uff00-\uffef';
/** Spaces OCR puts between CJK characters (and CJK punctuation), which Chinese text never has. */
const spaceBetweenCjk = new RegExp(`(?<=[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}${cjkPunctuation}])[ \\t]+(?=[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}${cjkPunctuation}])`, 'gu');

/** Removes the spaces OCR engines insert between Chinese (and Japanese) characters. */
export function joinCjk(text: string): string {
  return han.test(text) || /[\u3040-\u30ff]/u.test(text) ? text.replace(spaceBetweenCjk, '') : text;
}
