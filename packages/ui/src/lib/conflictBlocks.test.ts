import { describe, expect, it } from 'vitest';
import { hasConflictBlocks, resolveConflictBlocks } from './conflictBlocks.js';

const body = ['intro', '<<<<<<< this device', 'mine 1', 'mine 2', '=======', 'theirs', '>>>>>>> other device', 'middle', '<<<<<<<', 'a', '=======', '>>>>>>>', 'end'].join('\n');

describe('conflict blocks', () => {
  it('finds complete blocks only', () => {
    expect(hasConflictBlocks(body)).toBe(true);
    expect(hasConflictBlocks('plain\n=======\ntext')).toBe(false);
    expect(hasConflictBlocks('<<<<<<< x\nmine\n=======\nno end')).toBe(false);
  });

  it('keeps mine in every block', () => {
    expect(resolveConflictBlocks(body, 'mine')).toBe(['intro', 'mine 1', 'mine 2', 'middle', 'a', 'end'].join('\n'));
  });

  it('keeps theirs in every block, an empty side removes the block', () => {
    expect(resolveConflictBlocks(body, 'theirs')).toBe(['intro', 'theirs', 'middle', 'end'].join('\n'));
  });

  it('leaves an unfinished block alone', () => {
    const broken = '<<<<<<< x\nmine\n=======\ntheirs';
    expect(resolveConflictBlocks(broken, 'theirs')).toBe(broken);
  });
});
