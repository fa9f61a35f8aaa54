import { describe, expect, it } from 'vitest';
import { characterErrorRate } from './characterErrorRate.js';
import { wordRecall } from './ocrBench.js';

describe('character error rate', () => {
  it('counts edits per reference character, ignoring layout whitespace', () => {
    expect(characterErrorRate('The quick\nbrown  fox', 'The quick brown fox')).toBe(0);
    expect(characterErrorRate('Tha quick brown fox', 'The quick brown fox')).toBeCloseTo(1 / 19);
    expect(characterErrorRate('数 据 同 步', '数据同步')).toBe(0);
    expect(characterErrorRate('效据同步', '数据同步')).toBe(0.25);
    expect(characterErrorRate('', '')).toBe(0);
  });
});

describe('word recall', () => {
  it('counts the reference’s words found in order, ignoring punctuation at their ends and Chinese', () => {
    expect(wordRecall('The quick brown fox.', 'The quick brown fox')).toBe(1);
    expect(wordRecall('This is alot of text', 'This is a lot of text')).toBeCloseTo(4 / 6);
    expect(wordRecall('fox brown', 'brown fox')).toBe(0.5);
    expect(wordRecall('Meeting notes\n会议记录', 'Meeting notes\n会议记录：第三季度')).toBe(1);
    expect(wordRecall('', '')).toBe(1);
  });
});
