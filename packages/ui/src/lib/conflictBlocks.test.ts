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

  it('keeps this device’s side, named on the closing marker, when it met an edit from elsewhere', () => {
    const laptop = '019ae0b2-4c11-7a3e-9d2f-5b8c1e7f3a64';
    const desktop = '019ae0b2-4c11-7f01-a6b4-0d93c2e8b1f5';
    const merged = ['tent', '<<<<<<< edit of 2026-12-02T16:01:18.288Z on device 1e7f3a64', 'gas stove', '=======', 'camping stove', '>>>>>>> edit of 2026-12-02T16:01:18.898Z on device c2e8b1f5', 'map'].join('\n');
    expect(resolveConflictBlocks(merged, 'mine', desktop)).toBe('tent\ncamping stove\nmap');
    expect(resolveConflictBlocks(merged, 'theirs', desktop)).toBe('tent\ngas stove\nmap');
    expect(resolveConflictBlocks(merged, 'mine', laptop)).toBe('tent\ngas stove\nmap');
    expect(resolveConflictBlocks(merged, 'theirs', laptop)).toBe('tent\ncamping stove\nmap');
    // A third device's "mine" is the text as it had it: the first side.
    expect(resolveConflictBlocks(merged, 'mine', '019ae0b2-4c11-7000-8000-00000000abcd')).toBe('tent\ngas stove\nmap');
  });

  it('leaves an unfinished block alone', () => {
    const broken = '<<<<<<< x\nmine\n=======\ntheirs';
    expect(resolveConflictBlocks(broken, 'theirs')).toBe(broken);
  });
});
