import { describe, expect, it } from 'vitest';
import { makeSnippet } from './snippet.js';

describe('snippets', () => {
  it('highlights matched words (stemmed and CJK) in escaped text', () => {
    expect(makeSnippet('Syncing <b>data</b> & 数据同步', new Set(['sync', '同步']))).toBe('<mark>Syncing</mark> &lt;b&gt;data&lt;/b&gt; &amp; 数据<mark>同步</mark>');
  });

  it('shows the part with the matches and marks the cuts', () => {
    const text = `${'filler '.repeat(100)}the needle is here ${'filler '.repeat(100)}`;
    const snippet = makeSnippet(text, new Set(['needl']), 80);
    expect(snippet).toContain('<mark>needle</mark>');
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet.replace(/<\/?mark>/g, '').length).toBeLessThanOrEqual(90);
  });

  it('has no markup but <mark> whatever the text holds', () => {
    const snippet = makeSnippet('<script>alert("x")</script> <mark>fake</mark> x', new Set(['x']));
    expect(snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>"]/);
  });
});
