import { describe, expect, it } from 'vitest';
import { indexText } from './analyzer.js';
import { chunkText } from './chunker.js';
import { PreparedTexts, prepareText } from './preparedText.js';

describe('prepared texts', () => {
  it('are the chunks of the text with their analyzed terms', () => {
    const text = `# Title\n\n${'Data sync works offline. '.repeat(200)}\n\n数据同步很重要。`;
    const prepared = prepareText(text);
    expect(prepared.map((c) => c.text)).toEqual(chunkText(text).map((c) => c.text));
    for (const chunk of prepared) {
      expect(chunk.terms).toBe(indexText(chunk.text));
      expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
    }
  });

  it('are taken once, and the cache stays within its limits', () => {
    const cache = new PreparedTexts({ entries: 2, chars: 1_000 });
    const chunk = (text: string) => [{ start: 0, end: text.length, text, terms: text }];
    cache.put('a', chunk('alpha'));
    expect(cache.take('a')?.[0]?.text).toBe('alpha');
    expect(cache.take('a')).toBeUndefined();
    cache.put('a', chunk('one'));
    cache.put('b', chunk('two'));
    cache.put('c', chunk('three')); // over the entry limit: the oldest goes
    expect([cache.take('a'), cache.take('b')?.[0]?.text, cache.take('c')?.[0]?.text]).toEqual([undefined, 'two', 'three']);
    cache.put('huge', chunk('x'.repeat(400))); // more than a quarter of the room: not kept
    expect(cache.size).toBe(0);
  });
});
