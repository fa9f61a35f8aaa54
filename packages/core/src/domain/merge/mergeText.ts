import { diff3Merge } from 'node-diff3';

/** A three-way merge of two texts edited from one base, line by line. */
export interface TextMerge {
  readonly text: string;
  /** False when both sides changed the same lines differently: `text` then holds both, between conflict markers. */
  readonly clean: boolean;
}

export interface MergeLabels {
  /** Names the current text in conflict markers. */
  readonly ours: string;
  /** Names the incoming edit in conflict markers. */
  readonly theirs: string;
}

export const textMergeLimits = {
  /**
   * The line matching work (pairs of equal lines between the base and each side, after the common start and end
   * are set aside) above which the texts are not diffed but kept whole, both of them, between markers. It bounds
   * the time a merge can take (node-diff3's LCS walks every such pair).
   */
  maxMatchingPairs: 4_000_000,
} as const;

export const conflictMarkers = { start: '<<<<<<<', middle: '=======', end: '>>>>>>>' } as const;

/**
 * Merges `theirs` into `ours`, both edited from `base`, line by line (node-diff3, lines passed explicitly: its
 * default splits on whitespace and duplicates text). Changes to different lines both take effect; the same change
 * made on both sides is kept once; different changes to the same lines are a conflict, and both versions are kept
 * between markers. Pure and deterministic: every device computes the same result.
 *
 * A guard refuses a "clean" result that holds more copies of a line than the two sides can account for — the way
 * line merges go wrong next to repeated or blank lines — and keeps both texts whole instead.
 */
export function mergeText(base: string, ours: string, theirs: string, labels: MergeLabels): TextMerge {
  if (ours === theirs || theirs === base) return { text: ours, clean: true };
  if (ours === base) return { text: theirs, clean: true };
  const o = base.split('\n');
  const a = ours.split('\n');
  const b = theirs.split('\n');
  const prefix = commonPrefix(o, a, b);
  const suffix = commonSuffix(o, a, b, prefix);
  const mid = (lines: string[]) => lines.slice(prefix, lines.length - suffix);
  const [om, am, bm] = [mid(o), mid(a), mid(b)];
  if (matchingPairs(om, am) + matchingPairs(om, bm) > textMergeLimits.maxMatchingPairs) return keepBoth(ours, theirs, labels);

  const merged: string[] = [];
  let clean = true;
  for (const region of diff3Merge(am, om, bm, { excludeFalseConflicts: true }) as Diff3Region[]) {
    if (region.ok) merged.push(...region.ok);
    else if (region.conflict) {
      clean = false;
      merged.push(`${conflictMarkers.start} ${labels.ours}`, ...region.conflict.a, conflictMarkers.middle, ...region.conflict.b, `${conflictMarkers.end} ${labels.theirs}`);
    }
  }
  const lines = [...o.slice(0, prefix), ...merged, ...o.slice(o.length - suffix)];
  if (clean && duplicatesText(om, am, bm, merged)) return keepBoth(ours, theirs, labels);
  return { text: lines.join('\n'), clean };
}

interface Diff3Region {
  readonly ok?: string[];
  readonly conflict?: { readonly a: string[]; readonly o: string[]; readonly b: string[] };
}

function keepBoth(ours: string, theirs: string, labels: MergeLabels): TextMerge {
  return { text: [`${conflictMarkers.start} ${labels.ours}`, ours, conflictMarkers.middle, theirs, `${conflictMarkers.end} ${labels.theirs}`].join('\n'), clean: false };
}

function commonPrefix(o: string[], a: string[], b: string[]): number {
  const max = Math.min(o.length, a.length, b.length);
  let i = 0;
  while (i < max && o[i] === a[i] && o[i] === b[i]) i++;
  return i;
}

function commonSuffix(o: string[], a: string[], b: string[], prefix: number): number {
  const max = Math.min(o.length, a.length, b.length) - prefix;
  let i = 0;
  while (i < max && o[o.length - 1 - i] === a[a.length - 1 - i] && o[o.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

function counts(lines: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of lines) map.set(line, (map.get(line) ?? 0) + 1);
  return map;
}

/** Pairs of equal lines between two texts: what an LCS over them walks. */
function matchingPairs(x: readonly string[], y: readonly string[]): number {
  const inY = counts(y);
  let pairs = 0;
  for (const [line, n] of counts(x)) pairs += n * (inY.get(line) ?? 0);
  return pairs;
}

/**
 * True when the merge holds a non-blank line more often than the sides account for. A line only one side added
 * (or removed) may appear as often as the base's count changed by each side; a line both sides added is one
 * addition made twice, so it may appear only as often as the side with more of it has it.
 */
function duplicatesText(o: readonly string[], a: readonly string[], b: readonly string[], merged: readonly string[]): boolean {
  const [co, ca, cb] = [counts(o), counts(a), counts(b)];
  for (const [line, n] of counts(merged)) {
    if (line.trim() === '') continue;
    const base = co.get(line) ?? 0;
    const inA = ca.get(line) ?? 0;
    const inB = cb.get(line) ?? 0;
    const limit = inA > base && inB > base ? Math.max(inA, inB) : Math.max(inA + inB - base, inA, inB);
    if (n > limit) return true;
  }
  return false;
}
