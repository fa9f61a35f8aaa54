import { describe, expect, it } from 'vitest';
import { buildAskMessages, parseCitations, type AskPassage } from './ask.js';

const passage = (n: number, text: string, start = 100): AskPassage => ({ n, entryId: `e${n}`, title: `Entry ${n}`, kind: 'note', source: 'body', start, end: start + text.length, text, snippet: text, score: 1 });
const passages = [passage(1, 'Feed the starter every twelve hours.'), passage(2, '用八十度的水冲泡绿茶，浸泡两分钟即可。', 40)];

describe('parseCitations', () => {
  it('maps [n], lists and full-width brackets to their passages, at the marker’s place in the answer', () => {
    const answer = 'Twice a day [1]. Both say so [1, 2]. 绿茶用八十度的水【2】，见［1，2］。';
    const { citations, dropped } = parseCitations(answer, passages);
    expect(citations.map((c) => c.n)).toEqual([1, 1, 2, 2, 1, 2]);
    expect(dropped).toEqual([]);
    for (const c of citations) expect(answer.slice(c.at, c.at + c.length)).toMatch(/^[[［【][\d,，\s]+[\]］】]$/);
    expect(citations[0]).toMatchObject({ entryId: 'e1', start: 100, end: 136, highlight: { start: 100, end: 136 }, quote: null, quoteFound: null });
  });

  it('highlights the quoted words inside the cited passage, and says when the passage does not hold them', () => {
    const answer = 'It says “every twelve hours” [1]. It also says “once a week” [1]. 书上说「浸泡两分钟」[2]。';
    const { citations } = parseCitations(answer, passages);
    expect(citations[0]).toMatchObject({ quote: 'every twelve hours', quoteFound: true, highlight: { start: 100 + 'Feed the starter '.length, end: 100 + 'Feed the starter every twelve hours'.length } });
    expect(citations[1]).toMatchObject({ quote: 'once a week', quoteFound: false, highlight: { start: 100, end: 136 } });
    expect(citations[2]).toMatchObject({ quote: '浸泡两分钟', quoteFound: true });
    expect(passages[1]!.text.slice(citations[2]!.highlight.start - 40, citations[2]!.highlight.end - 40)).toBe('浸泡两分钟');
  });

  it('drops numbers that are no passage, once each, and never maps them to another', () => {
    const { citations, dropped } = parseCitations('See [3] and [0], then [2] and [3].', passages);
    expect(citations.map((c) => c.n)).toEqual([2]);
    expect(dropped).toEqual([3, 0]);
  });
});

describe('buildAskMessages', () => {
  it('numbers the passages with their titles and asks for citations by number', () => {
    const [system, user] = buildAskMessages('How often?', passages);
    expect(system!.content).toContain('[1], [2]');
    expect(user!.content).toContain('[1] Entry 1\nFeed the starter every twelve hours.');
    expect(user!.content).toContain('[2] Entry 2\n用八十度的水');
    expect(user!.content.endsWith('Question: How often?')).toBe(true);
  });
});
