import { describe, expect, it } from 'vitest';
import { choose, fits, lineStart, overlap, padded, primaryLanguage, probeLines, scriptShare, worthRereading, type OcrLine } from './ocrChoice.js';

const box = { x0: 10, y0: 100, x1: 610, y1: 130 };
const line = (text: string, confidence: number, bbox = box): OcrLine => ({ text, confidence, bbox });

describe('choosing the OCR language per line', () => {
  it('tells Latin from Han, weighing a Han character like a short word', () => {
    expect(scriptShare('The quick brown fox', 'Latin')).toBe(1);
    expect(scriptShare('数据同步', 'Han')).toBe(1);
    expect(scriptShare('2024-01-05, 12:30', 'Latin')).toBeNull();
    expect(scriptShare('会议记录 Q3', 'Han')).toBeCloseTo(12 / 13);
  });

  it('keeps a reading only when it is confident and in its language’s script', () => {
    expect(fits(line('The quick brown dog jumped over the', 96), 'eng')).toBe(true);
    // English reading Chinese print: Latin capitals, with a confidence that gives it away.
    expect(fits(line('BAAR: SAMA, BAH, EXE', 19), 'eng')).toBe(false);
    // The Chinese model reading an English line does not fit Chinese, however sure it is.
    expect(fits(line('This is alot of 12 point text', 93), 'chi_sim')).toBe(false);
    expect(fits(line('使用方法：每日两次，每次一粒', 93), 'chi_sim')).toBe(true);
    expect(fits(line('2024-01-05', 90), 'chi_sim')).toBe(true);
    expect(fits(line('2024-01-05', 30), 'chi_sim')).toBe(false);
  });

  it('prefers the reading that fits, then the more confident', () => {
    const english = { line: line('SFWICR: B=FEHELESH', 12), language: 'eng' };
    const chinese = { line: line('会议记录：第三季度销售数据分析', 90), language: 'chi_sim' };
    expect(choose(english, chinese)).toBe('other');
    expect(choose(chinese, english)).toBe('primary');
    // An English line first read in Chinese goes to English even when Chinese was as sure.
    expect(choose({ line: line('ocr code and see if it works on alltypes', 90), language: 'chi_sim' }, { line: line('ocr code and see if it works on all types', 88), language: 'eng' })).toBe('other');
    // Neither fits: the more confident; an empty other reading never replaces a line.
    expect(choose({ line: line('~~', 20), language: 'eng' }, { line: line('~', 40), language: 'chi_sim' })).toBe('other');
    expect(choose({ line: line('~~', 20), language: 'eng' }, { line: line(' ', 50), language: 'chi_sim' })).toBe('primary');
  });

  it('reads a page first in the language its probe lines fit', () => {
    expect(primaryLanguage([line('Action items are listed below', 95)], 'eng', 'chi_sim')).toBe('eng');
    expect(primaryLanguage([line('FERRBRABIEN, EF', 4), line('ERE: SAMKR, SR', 9)], 'eng', 'chi_sim')).toBe('chi_sim');
    expect(primaryLanguage([], 'eng', 'chi_sim')).toBe('eng');
  });

  it('probes a few long lines from across the page, a small share of it', () => {
    const lines = Array.from({ length: 40 }, (_, i) => ({ id: i, bbox: { x0: 0, y0: i * 40, x1: i % 5 === 0 ? 100 : 1000, y1: i * 40 + 30 } }));
    const probes = probeLines(lines);
    expect(probes).toHaveLength(3);
    expect(probes.every((p) => p.id % 5 !== 0)).toBe(true);
    expect(probes[0]!.id).toBeLessThan(15);
    expect(probes[2]!.id).toBeGreaterThan(25);
    // A page of one line is probed on that line; a page of none on none.
    expect(probeLines([lines[1]!])).toEqual([lines[1]]);
    expect(probeLines([])).toEqual([]);
  });

  it('probes only the start of a line, with room around it', () => {
    expect(lineStart(box)).toEqual({ ...box, x1: 10 + 30 * 12 });
    expect(lineStart({ ...box, x1: 50 })).toEqual({ ...box, x1: 50 });
    expect(padded({ x0: 1, y0: 2, x1: 101, y1: 42 })).toEqual({ left: 0, top: 0, width: 111, height: 52 });
    expect(overlap(box, { ...box, x1: 310 })).toBe(0.5);
    expect(overlap(box, { x0: 0, y0: 0, x1: 5, y1: 5 })).toBe(0);
  });
});

describe('reading a doubtful line again', () => {
  it('does not ask an English-only model about a line read as Chinese', () => {
    expect(worthRereading(line('使用方法：每日两次', 40), 'eng')).toBe(false);
    expect(worthRereading(line('BAAR: SAMA, BAH', 19), 'chi_sim')).toBe(true);
    expect(worthRereading(line('This is alot of', 90), 'eng')).toBe(true);
  });
});
