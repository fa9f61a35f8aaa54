import { describe, expect, it } from 'vitest';
import { analyze, analyzeMatching, estimateTokens, indexText } from './analyzer.js';

const terms = (text: string) => analyze(text).map((t) => t.term);

describe('analyzer', () => {
  it('splits Chinese into words, Traditional folded to Simplified with its offsets kept', () => {
    expect(terms('数据同步很重要')).toEqual(['数据', '同步', '很', '重要']);
    expect(terms('數據同步很重要')).toEqual(['数据', '同步', '很', '重要']);
    expect(terms('資料同步很重要')).toEqual(['资料', '同步', '很', '重要']);
    const text = '數據的備份 backup';
    expect(analyze(text).map((t) => [t.term, text.slice(t.start, t.end)])).toEqual([
      ['数据', '數據'],
      ['的', '的'],
      ['备份', '備份'],
      ['backup', 'backup'],
    ]);
  });

  it('keeps offsets into the original text', () => {
    const text = 'Cairn的数据同步 works';
    for (const token of analyze(text)) expect(text.slice(token.start, token.end).toLowerCase()).toContain(token.term.slice(0, 2));
    expect(analyze(text).map((t) => text.slice(t.start, t.end))).toEqual(['Cairn', '的', '数据', '同步', 'works']);
  });

  it('stems English, folds case, diacritics, possessives and full-width letters', () => {
    expect(terms('Running runners ran')).toEqual(['run', 'runner', 'ran']);
    expect(terms("Café NAÏVE Cairn's ＣＡＩＲＮ")).toEqual(['cafe', 'naiv', 'cairn', 'cairn']);
    expect(terms('studies studied')).toEqual(['studi', 'studi']);
  });

  it('splits mixed Chinese-English text at the script change', () => {
    expect(terms('使用sqlite数据库')).toEqual(['使用', 'sqlite', '数据', '库']);
  });

  it('drops punctuation and FTS5 syntax, keeping terms of letters, digits and inner dots', () => {
    expect(terms('"quoted" (paren) * NEAR: a-b 3.5mg e.g.')).toEqual(['quot', 'paren', 'near', 'a', 'b', '3.5mg', 'e.g']);
    for (const term of terms('x"y\'z(*)^:')) expect(term).toMatch(/^[\p{L}\p{N}\p{M}.]+$/u);
  });

  it('marks English and Chinese stop words (queries drop them)', () => {
    expect(analyze('the cat 的 猫').map((t) => t.stop)).toEqual([true, false, true, false]);
  });

  it('joins the index form with spaces and estimates tokens per script', () => {
    expect(indexText('Data sync, 数据同步')).toBe('data sync 数据 同步');
    expect(estimateTokens('数据同步')).toBe(4);
    expect(estimateTokens('ten words here')).toBe(4);
  });

  it('finds the same words in ASCII text on its fast path as the general pattern does', () => {
    const alphabet = "ab Z9.,'-_ x1,2 3.4 it's e.g. ..,, \n\t\"(NEAR)*";
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      let text = '';
      for (let i = 0; i < 60; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      // A dash outside ASCII (not a word) sends the text down the general path.
      expect(analyze(text)).toEqual(analyze(`${text} —`));
      expect(estimateTokens(text)).toBe(estimateTokens(`${text} —`));
    }
  });

  it('finds the same matching words as a full analysis when looking only for some terms (highlighting)', () => {
    const texts = [
      "Studies of cry and ies: the U.S. spent 1,000,000 dollars; don't cries, It's Running. Agreed relational generalizations by 3.14 as a CD4+ and IL-6 rose.",
      'Apoptosis in TKO cells, E2f-1 and -2 y by ay its is ivy sky skies flies flying flew',
      'Café naïve — 数据同步 and Cairn’s résumé; ＣＡＩＲＮ notes',
    ];
    for (const text of texts) {
      const full = analyze(text, { segmentCjk: false });
      const all = new Set(full.map((t) => t.term));
      expect(analyzeMatching(text, all)).toEqual(full);
      for (const term of all) expect(analyzeMatching(text, new Set([term]))).toEqual(full.filter((t) => t.term === term));
      expect(analyzeMatching(text, new Set(['absent', 'zz']))).toEqual([]);
    }
  });
});
