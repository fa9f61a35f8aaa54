import { describe, expect, it } from 'vitest';
import { searchTerms, termRanges, termsFound } from './searchTerms.js';

describe('searchTerms', () => {
  it('takes the words the engine marked, lower-cased, once each', () => {
    expect(searchTerms('Harbors lantern', 'the <mark>harbor</mark> and its <mark>Lantern</mark>, <mark>harbor</mark>')).toEqual(['harbor', 'lantern']);
  });

  it('takes the words typed when the engine marked none', () => {
    expect(searchTerms('Harbors Lantern', 'a hit on meaning alone')).toEqual(['harbors', 'lantern']);
  });

  it('leaves out operators, exclusions, quotes and single letters, but keeps one Chinese character', () => {
    expect(searchTerms('"tide table" OR -storm a 港')).toEqual(['tide', 'table', '港']);
  });

  it('reads escaped snippet text back', () => {
    expect(searchTerms('', 'x <mark>r&amp;d</mark>')).toEqual(['r&d']);
  });
});

describe('termRanges and termsFound', () => {
  it('finds terms case-insensitively, the longer one first, in Chinese too', () => {
    const text = 'Zephyrine and ZEPHYR; 数据同步很快';
    expect(termRanges(text, ['zephyr', 'zephyrine', '同步']).map(([s, e]) => text.slice(s, e))).toEqual(['Zephyrine', 'ZEPHYR', '同步']);
  });

  it('counts how many different terms a text holds', () => {
    expect(termsFound('the harbor lantern, the harbor', ['harbor', 'lantern', 'tide'])).toBe(2);
    expect(termsFound('nothing here', ['harbor'])).toBe(0);
    expect(termRanges('anything', [])).toEqual([]);
  });
});
