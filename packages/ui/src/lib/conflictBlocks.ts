/**
 * Conflict marker blocks a merge leaves in a note's body (see conflictMarkers in core's mergeText):
 * a line starting `<<<<<<<`, the text as it was (the edit the server stored first), `=======`, the edit that met it,
 * `>>>>>>>`. Core names each side's edit on its marker line: `edit of <time> on device <last 8 characters of its id>`.
 */
export type ConflictSide = 'mine' | 'theirs';

const START = '<<<<<<<';
const MIDDLE = '=======';
const END = '>>>>>>>';

/** Whether the body holds at least one complete marker block. */
export function hasConflictBlocks(body: string): boolean {
  return resolveConflictBlocks(body, 'mine') !== body;
}

/**
 * Replaces each complete marker block with the chosen side; an unfinished block is left as it is. "Mine" is this
 * device's side: the second one in a block whose closing marker names `deviceId`, else the first (the text as this
 * device had it when the other edit arrived).
 */
export function resolveConflictBlocks(body: string, side: ConflictSide, deviceId?: string): string {
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
        const mineIsSecond = deviceId !== undefined && namesDevice(lines[end] ?? '', deviceId) && !namesDevice(line, deviceId);
        const first = side === 'mine' ? !mineIsSecond : mineIsSecond;
        out.push(...(first ? lines.slice(i + 1, middle) : lines.slice(middle + 1, end)));
        i = end + 1;
        continue;
      }
    }
    out.push(line);
    i++;
  }
  return out.join('\n');
}

/** Whether a marker line names the device (core's label ends with `on device` and the id's last 8 characters). */
function namesDevice(marker: string, deviceId: string): boolean {
  return deviceId.length >= 8 && marker.trimEnd().endsWith(`on device ${deviceId.slice(-8)}`);
}
