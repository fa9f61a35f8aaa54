/**
 * Conflict marker blocks a merge leaves in a note's body (see conflictMarkers in core's mergeText):
 * a line starting `<<<<<<<`, this device's lines, `=======`, the other side's lines, `>>>>>>>`.
 */
export type ConflictSide = 'mine' | 'theirs';

const START = '<<<<<<<';
const MIDDLE = '=======';
const END = '>>>>>>>';

/** Whether the body holds at least one complete marker block. */
export function hasConflictBlocks(body: string): boolean {
  return resolveConflictBlocks(body, 'mine') !== body;
}

/** Replaces each complete marker block with the chosen side; an unfinished block is left as it is. */
export function resolveConflictBlocks(body: string, side: ConflictSide): string {
  const lines = body.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.startsWith(START)) {
      const middle = lines.findIndex((l, k) => k > i && l.startsWith(MIDDLE));
      const end = middle < 0 ? -1 : lines.findIndex((l, k) => k > middle && l.startsWith(END));
      const restart = lines.findIndex((l, k) => k > i && l.startsWith(START));
      if (middle > 0 && end > 0 && (restart < 0 || restart > end)) {
        out.push(...(side === 'mine' ? lines.slice(i + 1, middle) : lines.slice(middle + 1, end)));
        i = end + 1;
        continue;
      }
    }
    out.push(line);
    i++;
  }
  return out.join('\n');
}
