import { describe, expect, it } from 'vitest';
import { splitSentences, summarize } from './summary.js';

const sentences = (text: string) => splitSentences(text).map((s) => text.slice(s.start, s.end));

describe('sentence splitting', () => {
  it('splits English at . ! ? followed by space, not after abbreviations, initials or inside numbers', () => {
    expect(sentences('Dr. Smith arrived at 3.30 p.m. on Monday. Was it late? No! J. R. Tolkien wrote it, e.g. in 1937.')).toEqual([
      'Dr. Smith arrived at 3.30 p.m. on Monday.',
      'Was it late?',
      'No!',
      'J. R. Tolkien wrote it, e.g. in 1937.',
    ]);
  });

  it('splits Chinese at 。！？ without spaces, keeping closing quotes with their sentence', () => {
    expect(sentences('他说：“今天下雨。”我们留在家里！明天去吗？好的')).toEqual(['他说：“今天下雨。”', '我们留在家里！', '明天去吗？', '好的']);
  });

  it('ends a sentence at a blank line, not at a line break inside a paragraph', () => {
    expect(sentences('# Heading\n\nA sentence that was\nwrapped by the scanner. Another one\n\n\n- a list item')).toEqual([
      '# Heading',
      'A sentence that was\nwrapped by the scanner.',
      'Another one',
      '- a list item',
    ]);
  });
});

describe('extractive summaries', () => {
  it('picks the sentences about what the text is about, not the asides', () => {
    const central = [
      'The river cleanup project removed four tonnes of plastic from the river banks this spring.',
      'Volunteers from the town joined the river cleanup every weekend, collecting plastic along the banks.',
      'The project plans to extend the cleanup to the whole river next year, with more volunteers and boats.',
    ];
    const asides = [
      'The weather was cold in March.',
      'Lunch was served at the community hall, with soup and bread donated by a bakery.',
      'A local band played music on the last day.',
      'The mayor wore a red scarf at the ceremony.',
      'Parking near the station was difficult on Saturdays.',
    ];
    const detail = [
      'Most of the plastic collected on the banks was packaging and bottles.',
      'Boats helped volunteers reach the banks that were hard to walk to.',
    ];
    const text = [central[0], asides[0], detail[0], asides[1], central[1], asides[2], asides[3], detail[1], asides[4], central[2]].join(' ');
    const summary = summarize(text, { maxSentences: 3 })!;
    const picked = summary.sentences.map((s) => text.slice(s.start, s.end));
    expect(picked).toEqual(central);
    expect(summary.text).toBe(central.join(' '));
  });

  it('summarizes Chinese as well, joining its sentences without spaces', () => {
    const central = ['本市的垃圾分类工作今年取得明显进展，居民参与垃圾分类的比例大幅提高。', '社区志愿者每天在小区门口指导居民进行垃圾分类投放。', '明年全市将继续推进垃圾分类，在更多社区增设分类投放点。'];
    const asides = ['今天早上下了一场小雨。', '附近的面包店推出了新口味的蛋糕。', '周末的音乐会门票很快就卖完了。', '图书馆的开放时间没有变化。', '地铁站附近正在修路，交通有些拥堵。'];
    const text = [central[0], asides[0], asides[1], central[1], asides[2], asides[3], asides[4], central[2]].join('');
    const summary = summarize(text, { maxSentences: 3 })!;
    expect(summary.sentences.map((s) => text.slice(s.start, s.end))).toEqual(central);
    expect(summary.text).toBe(central.join(''));
  });

  it('leaves a short text alone', () => {
    expect(summarize('A short note. With two sentences.')).toBeUndefined();
    expect(summarize('word '.repeat(300))).toBeUndefined();
  });

  it('summarizes a book-length text from sentences spread over all of it', () => {
    const chapters = Array.from({ length: 20 }, (_, i) => `Chapter ${i + 1} of the archive keeps the letters of the family. `.repeat(300)).join('\n\n');
    const summary = summarize(chapters)!;
    expect(summary.sentences.length).toBeGreaterThanOrEqual(2);
    expect(summary.sentences.every((s) => s.end <= chapters.length)).toBe(true);
  });
});
