import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conflictMarkers, mergeText, textMergeLimits } from './mergeText.js';

const labels = { ours: 'mine', theirs: 'yours' };
const lines = (...xs: string[]) => xs.join('\n');

describe('mergeText', () => {
  it('keeps changes to different lines from both sides', () => {
    const base = lines('# Plan', '', 'one', 'two', 'three', '', 'end');
    const ours = lines('# Plan', '', 'ONE', 'two', 'three', '', 'end');
    const theirs = lines('# Plan', '', 'one', 'two', 'three', '', 'end', 'appendix');
    expect(mergeText(base, ours, theirs, labels)).toEqual({ text: lines('# Plan', '', 'ONE', 'two', 'three', '', 'end', 'appendix'), clean: true });
  });

  it('keeps a change made on both sides once', () => {
    const base = lines('a', 'b', 'c');
    const both = lines('a', 'B', 'c');
    expect(mergeText(base, both, both, labels)).toEqual({ text: both, clean: true });
    const ours = lines('a', 'B', 'c', 'd');
    expect(mergeText(base, ours, both, labels)).toEqual({ text: ours, clean: true });
  });

  it('keeps both versions of lines both sides changed, between markers', () => {
    const base = lines('title', 'the meeting is on monday', 'bye');
    const ours = lines('title', 'the meeting is on tuesday', 'bye');
    const theirs = lines('title', 'the meeting is on friday', 'bye');
    const merged = mergeText(base, ours, theirs, labels);
    expect(merged.clean).toBe(false);
    expect(merged.text).toBe(
      lines('title', `${conflictMarkers.start} mine`, 'the meeting is on tuesday', conflictMarkers.middle, 'the meeting is on friday', `${conflictMarkers.end} yours`, 'bye'),
    );
  });

  it('treats insertions at the same place as a clash, never interleaving them', () => {
    const base = lines('a', 'b');
    const merged = mergeText(base, lines('a', 'x', 'b'), lines('a', 'y', 'b'), labels);
    expect(merged.clean).toBe(false);
    expect(merged.text).toContain('x');
    expect(merged.text).toContain('y');
  });

  it('does not duplicate a paragraph both sides added next to blank lines', () => {
    // Joplin's auto-merge duplicated text like this: the same paragraph added at different blank lines.
    const base = lines('intro', '', '', 'outro');
    const ours = lines('intro', '', 'new paragraph', '', 'outro');
    const theirs = lines('intro', '', '', 'new paragraph', 'outro');
    const merged = mergeText(base, ours, theirs, labels);
    if (merged.clean) expect(merged.text.split('\n').filter((l) => l === 'new paragraph')).toHaveLength(1);
    else {
      expect(merged.text).toContain(ours);
      expect(merged.text).toContain(theirs);
    }
  });

  it('keeps both texts whole instead of diffing texts too large to diff quickly', () => {
    const many = Array.from({ length: 3_000 }, () => '');
    const base = many.join('\n');
    const ours = ['x', ...many].join('\n');
    const theirs = [...many, 'y'].join('\n');
    expect(3_000 * 3_001 * 2).toBeGreaterThan(textMergeLimits.maxMatchingPairs);
    const merged = mergeText(base, ours, theirs, labels);
    expect(merged.clean).toBe(false);
    expect(merged.text).toBe([`${conflictMarkers.start} mine`, ours, conflictMarkers.middle, theirs, `${conflictMarkers.end} yours`].join('\n'));
  });

  it('never loses a line one side added, never duplicates a line, and is the same whoever merges', () => {
    const line = fc.constantFrom('a', 'b', 'c', '', 'd', 'e');
    const doc = fc.array(line, { maxLength: 8 });
    // An edit: insert unique lines at random places and delete some of the base's.
    const edit = (tag: string) =>
      fc.tuple(fc.array(fc.boolean(), { maxLength: 8 }), fc.array(fc.nat(8), { maxLength: 3 })).map(([keep, inserts]) => (base: string[]) => {
        const out = base.filter((_, i) => keep[i] !== false);
        inserts.forEach((at, i) => out.splice(Math.min(at, out.length), 0, `${tag}${i}`));
        return out;
      });
    fc.assert(
      fc.property(doc, edit('ours-'), edit('theirs-'), (base, editA, editB) => {
        const ours = editA(base);
        const theirs = editB(base);
        const merged = mergeText(base.join('\n'), ours.join('\n'), theirs.join('\n'), labels);
        const out = merged.text.split('\n');
        for (const added of [...ours, ...theirs].filter((l) => l.includes('-'))) expect(out).toContain(added);
        for (const added of new Set([...ours, ...theirs].filter((l) => l.includes('-')))) expect(out.filter((l) => l === added)).toHaveLength(1);
        expect(mergeText(base.join('\n'), ours.join('\n'), theirs.join('\n'), labels)).toEqual(merged);
      }),
      { numRuns: 300 },
    );
  });
});
