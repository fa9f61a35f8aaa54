import { describe, expect, it } from 'vitest';
import { characterErrorRate } from './characterErrorRate.js';

describe('character error rate', () => {
  it('counts edits per reference character, ignoring layout whitespace', () => {
    expect(characterErrorRate('The quick\nbrown  fox', 'The quick brown fox')).toBe(0);
    expect(characterErrorRate('Tha quick brown fox', 'The quick brown fox')).toBeCloseTo(1 / 19);
    expect(characterErrorRate('数 据 同 步', '数据同步')).toBe(0);
    expect(characterErrorRate('效据同步', '数据同步')).toBe(0.25);
    expect(characterErrorRate('', '')).toBe(0);
  });
});
