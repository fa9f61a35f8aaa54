import { describe, expect, it } from 'vitest';
import { findMentions, linkFirstMention, mentionable } from './mentions.js';

describe('unlinked mentions', () => {
  it('finds a Chinese title inside a Chinese sentence, but not inside a link', () => {
    const text = '我们昨天讨论了数据同步的方案。见 [[数据同步]]。';
    const found = findMentions(text, '数据同步');
    expect(found).toHaveLength(1);
    expect(text.slice(found[0]!.start, found[0]!.end)).toBe('数据同步');
    expect(found[0]!.start).toBe(text.indexOf('数据同步'));
  });

  it('matches English without case and across line breaks, but not inside a longer word', () => {
    expect(findMentions('The garden PLAN is\nready. Gardening plans differ.', 'Garden plan').map((m) => m.text)).toEqual(['garden PLAN']);
    expect(findMentions('Cairns are stones', 'Cairn')).toEqual([]);
  });

  it('leaves very short titles alone', () => {
    expect(mentionable('Go')).toBe(false);
    expect(mentionable('数据')).toBe(true);
    expect(findMentions('go go go', 'Go')).toEqual([]);
  });

  it('links the first plain mention, keeping how it was written as the label when it differs', () => {
    expect(linkFirstMention('A garden plan, and another garden plan.', 'Garden plan')).toBe('A [[Garden plan|garden plan]], and another garden plan.');
    expect(linkFirstMention('讨论数据同步。', '数据同步')).toBe('讨论[[数据同步]]。');
    expect(linkFirstMention('nothing here', '数据同步')).toBeUndefined();
  });
});
