/**
 * Search results cached by (normalized query, filters, mode, limit) for one index version. Any change
 * of the index (new events in the search projection, new vectors, another model) changes the version,
 * and the first lookup at a new version empties the cache. Least recently used entries go first.
 */
export interface QueryCacheStats {
  readonly size: number;
  readonly capacity: number;
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses); 0 before the first lookup. */
  readonly hitRate: number;
  /** How many times a change of the index emptied the cache. */
  readonly invalidations: number;
}

export class QueryCache<T> {
  private readonly entries = new Map<string, T>();
  private version: string | undefined;
  private hits = 0;
  private misses = 0;
  private invalidations = 0;

  constructor(private readonly capacity = 500) {}

  get(version: string, key: string): T | undefined {
    this.sync(version);
    const value = this.entries.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(version: string, key: string, value: T): void {
    this.sync(version);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  stats(): QueryCacheStats {
    const lookups = this.hits + this.misses;
    return {
      size: this.entries.size,
      capacity: this.capacity,
      hits: this.hits,
      misses: this.misses,
      hitRate: lookups === 0 ? 0 : Math.round((this.hits / lookups) * 1000) / 1000,
      invalidations: this.invalidations,
    };
  }

  private sync(version: string): void {
    if (version === this.version) return;
    if (this.version !== undefined && this.entries.size > 0) this.invalidations++;
    this.entries.clear();
    this.version = version;
  }
}

/** The cache key part of a query: Unicode-normalized, case-folded, whitespace collapsed. */
export function normalizeQueryText(query: string): string {
  return query.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}
