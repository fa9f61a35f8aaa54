import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../testing/errorCode.js';
import { matchExpression } from './lexicalSearch.js';
import { maxQueryTerms, parseQuery } from './queryParser.js';


describe('query parser', () => {
  it('plain words are alternatives, phrases are required, stop words are dropped', () => {
    const q = parseQuery('the data "sync engine" 的同步');
    expect(q.terms).toEqual(['data', '同步']);
    expect(q.phrases).toEqual([['sync', 'engin']]);
    expect(matchExpression(q)).toBe('("sync engin") AND ("sync engin" OR "data" OR "同步")');
    expect(matchExpression(parseQuery('alpha beta'))).toBe('"alpha" OR "beta"');
  });

  it('searches stop words when there is nothing else', () => {
    expect(parseQuery('to be or not').terms).toEqual(['to', 'be', 'or', 'not']);
    expect(parseQuery('什么是').terms.length).toBeGreaterThan(0);
  });

  it('reads exclusions and filters', () => {
    const q = parseQuery('report -draft -"old version" tag:Work kind:document type:pdf type:image -tag:archive');
    expect(q.terms).toEqual(['report']);
    expect(q.excluded).toEqual([['draft'], ['old', 'version']]);
    expect(q.tags).toEqual(['work']);
    expect(q.excludedTags).toEqual(['archive']);
    expect(q.kinds).toEqual(['document']);
    expect(q.types).toEqual([{ mimeTypes: ['application/pdf'] }, { mimeTypes: [], prefix: 'image/' }]);
  });

  it('refuses invalid filter values with a validation error, and searches unknown filters as words', async () => {
    expect(await errorCodeOf(() => parseQuery('kind:book'))).toBe('validation');
    expect(await errorCodeOf(() => parseQuery('type:exe'))).toBe('validation');
    const q = parseQuery('color:red');
    expect(q.terms).toEqual(['color', 'red']);
    expect(q.notices[0]).toContain('color:');
  });

  it('never lets FTS5 syntax through', () => {
    for (const raw of ['"', '"unclosed phrase', 'NEAR(a b)', 'a* OR b', '(((', ')', 'a AND NOT b', '^x', '-', '--', ':', 'tag:']) {
      const expression = matchExpression(parseQuery(raw));
      if (expression === undefined) continue;
      // only quoted terms of letters, digits and dots, joined by AND / OR
      expect(expression.replace(/"[\p{L}\p{N}\p{M}. ]+"/gu, '').replace(/\b(AND|OR)\b|[() ]/g, '')).toBe('');
    }
  });

  it('caps a very long query and says so', () => {
    const long = Array.from({ length: 2_000 }, (_, i) => `w${i}`).join(' ');
    const q = parseQuery(long);
    expect(q.terms).toHaveLength(maxQueryTerms);
    expect(q.notices.join()).toContain(`first ${maxQueryTerms}`);
  });
});
