import type { EntryHit } from './lexicalSearch.js';

/** A result of fusing ranked lists: the entry, the chunk to show, the fused score, and where it ranked. */
export interface FusedHit extends EntryHit {
  /** 1-based rank in each list it appeared in (by list name). */
  readonly ranks: Readonly<Record<string, number>>;
}

export interface RankedList {
  readonly name: string;
  readonly hits: readonly EntryHit[];
  readonly weight: number;
}

/** The constant of reciprocal rank fusion (Cormack et al. 2009): dampens the weight of the top ranks. */
export const rrfK = 60;

/**
 * Reciprocal rank fusion: score(entry) = Σ weight / (k + rank in list). One hit per entry; the chunk
 * shown is the one from the first list (in `lists` order) that has the entry, so lexical matches keep
 * their highlighted snippet.
 */
export function reciprocalRankFusion(lists: readonly RankedList[], limit: number, k = rrfK): FusedHit[] {
  const fused = new Map<string, { entryId: string; chunkId: number; score: number; ranks: Record<string, number> }>();
  for (const list of lists) {
    list.hits.forEach((hit, index) => {
      const rank = index + 1;
      const contribution = list.weight / (k + rank);
      const existing = fused.get(hit.entryId);
      if (existing) {
        existing.score += contribution;
        existing.ranks[list.name] = rank;
      } else fused.set(hit.entryId, { entryId: hit.entryId, chunkId: hit.chunkId, score: contribution, ranks: { [list.name]: rank } });
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.entryId.localeCompare(b.entryId)).slice(0, limit);
}
