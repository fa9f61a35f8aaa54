import { diffLines } from 'diff';

export interface DiffLine {
  readonly kind: 'same' | 'added' | 'removed';
  readonly text: string;
}

/** Line diff from `before` to `after`, one item a line. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const part of diffLines(before, after)) {
    const kind = part.added ? 'added' : part.removed ? 'removed' : 'same';
    const text = part.value.endsWith('\n') ? part.value.slice(0, -1) : part.value;
    for (const line of text.split('\n')) lines.push({ kind, text: line });
  }
  return lines;
}

/** Unchanged runs longer than `context` lines on each side of a change fold into one gap marker. */
export function foldUnchanged(lines: readonly DiffLine[], context = 3): (DiffLine | { kind: 'gap'; count: number })[] {
  const near = lines.map((_, i) => lines.slice(Math.max(0, i - context), i + context + 1).some((l) => l.kind !== 'same'));
  const out: (DiffLine | { kind: 'gap'; count: number })[] = [];
  let gap = 0;
  lines.forEach((line, i) => {
    if (line.kind !== 'same' || near[i]) {
      if (gap > 0) out.push({ kind: 'gap', count: gap });
      gap = 0;
      out.push(line);
    } else gap++;
  });
  if (gap > 0) out.push({ kind: 'gap', count: gap });
  return out;
}
