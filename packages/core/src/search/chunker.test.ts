import { describe, expect, it } from 'vitest';
import { chunkText, sentences } from './chunker.js';

const paragraph = (n: number, word = 'word') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');

describe('chunker', () => {
  it('keeps a short text whole, with its offsets', () => {
    const text = '  Hello world.\n\nSecond paragraph.  ';
    const chunks = chunkText(text);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toBe(text.slice(chunks[0]!.start, chunks[0]!.end));
    expect(chunks[0]!.text).toBe('Hello world.\n\nSecond paragraph.');
  });

  it('packs paragraphs up to the maximum and never cuts inside a paragraph that fits', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => paragraph(100, `p${i}w`));
    const text = paragraphs.join('\n\n');
    const chunks = chunkText(text, { min: 200, max: 500 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(500);
      expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
      // every chunk starts at a paragraph start
      expect(paragraphs.some((p) => chunk.text.startsWith(p))).toBe(true);
    }
    expect(chunks.map((c) => c.text).join('\n\n')).toBe(text);
  });

  it('starts a new chunk at a heading once the current one is big enough', () => {
    const text = `# One\n\n${paragraph(200)}\n\n## Two\n\n${paragraph(20)}`;
    const chunks = chunkText(text, { min: 200, max: 500 });
    expect(chunks.map((c) => c.text.split('\n')[0])).toEqual(['# One', '## Two']);
  });

  it('splits a giant paragraph between sentences, then words, within the limit', () => {
    const sentences = Array.from({ length: 60 }, (_, i) => `Sentence ${i} ${paragraph(20)}.`).join(' ');
    const chunks = chunkText(sentences, { min: 200, max: 500 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.tokens).toBeLessThanOrEqual(500);
    const wall = paragraph(2_000);
    for (const c of chunkText(wall, { min: 200, max: 500 })) expect(c.tokens).toBeLessThanOrEqual(500);
    const chinese = '数据同步'.repeat(400);
    const cjk = chunkText(chinese, { min: 200, max: 500 });
    expect(cjk.map((c) => c.text).join('')).toBe(chinese);
  });

  it('gives nothing for empty or blank text', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText(' \n\n \t')).toEqual([]);
  });
});

describe('sentences', () => {
  it('ends sentences at full stops followed by space, CJK full stops and line breaks, covering the whole text', () => {
    const text = 'First one. Second? "Third!" e.g. this stays. 数据同步。第二句！Last\nline';
    const parts = sentences(text).map((s) => s.segment);
    expect(parts).toEqual(['First one. ', 'Second? ', '"Third!" e.g. this stays. ', '数据同步。', '第二句！', 'Last\n', 'line']);
    expect(parts.join('')).toBe(text);
    expect(sentences('Pi is 3.14. It is v1.2 here')).toEqual([
      { index: 0, segment: 'Pi is 3.14. ' },
      { index: 12, segment: 'It is v1.2 here' },
    ]);
    expect(sentences('')).toEqual([]);
  });
});
