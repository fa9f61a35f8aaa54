/**
 * Partitions of the vector space (an inverted-file index): a few hundred centroids found by spherical
 * k-means on a sample of the stored vectors. Every vector lives in the partition of its nearest
 * centroid; a query scans only the partitions of its nearest centroids. sqlite-vec's KNN cost grows
 * with the vectors it scans times `k`, so scanning a tenth of them is what keeps a 100,000-chunk
 * semantic query in single-digit milliseconds (BENCHMARKS.md, "Vector KNN").
 *
 * The work is written as generators that yield every few milliseconds of arithmetic, so that a host
 * can run it between other work on the thread that serves the UI.
 */

/** Dot products between yields (384-d: about 2 ms). */
const workPerYield = 8_000;

/** Centroids, `count` rows of `dims` floats, unit length. */
export interface Centroids {
  readonly count: number;
  readonly dims: number;
  readonly data: Float32Array;
}

export function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dims; i += 4) {
    s0 += a[aOffset + i]! * b[bOffset + i]!;
    s1 += a[aOffset + i + 1]! * b[bOffset + i + 1]!;
    s2 += a[aOffset + i + 2]! * b[bOffset + i + 2]!;
    s3 += a[aOffset + i + 3]! * b[bOffset + i + 3]!;
  }
  for (; i < dims; i++) s0 += a[aOffset + i]! * b[bOffset + i]!;
  return s0 + s1 + s2 + s3;
}

/** The partition (centroid index) a vector belongs to: its most similar centroid. */
export function partitionOf(centroids: Centroids, vector: Float32Array): number {
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < centroids.count; c++) {
    const score = dot(centroids.data, c * centroids.dims, vector, 0, centroids.dims);
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

/** The `n` partitions whose centroids are most similar to `vector`, most similar first. */
export function nearestPartitions(centroids: Centroids, vector: Float32Array, n: number): number[] {
  const scores = new Float64Array(centroids.count);
  for (let c = 0; c < centroids.count; c++) scores[c] = dot(centroids.data, c * centroids.dims, vector, 0, centroids.dims);
  return Array.from(scores.keys())
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, n);
}

/**
 * Spherical k-means (cosine similarity) over `sample` (`rows` vectors of `dims` floats, unit length):
 * starts from evenly spaced sample vectors, runs `iterations` rounds of assign + re-centre, and gives
 * an emptied partition the sample vector its centroid fits worst. Deterministic for a given sample.
 */
export function* trainCentroids(sample: Float32Array, dims: number, count: number, iterations = 8): Generator<void, Centroids> {
  const rows = sample.length / dims;
  if (!Number.isInteger(rows) || rows < count || count < 1) throw new RangeError(`cannot make ${count} partitions from ${rows} vectors`);
  const data = new Float32Array(count * dims);
  for (let c = 0; c < count; c++) data.set(sample.subarray(Math.floor((c * rows) / count) * dims, (Math.floor((c * rows) / count) + 1) * dims), c * dims);
  const centroids: Centroids = { count, dims, data };
  const assignment = new Int32Array(rows);
  const fit = new Float64Array(rows);
  let work = 0;
  for (let round = 0; round < iterations; round++) {
    for (let r = 0; r < rows; r++) {
      let best = 0;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < count; c++) {
        const score = dot(data, c * dims, sample, r * dims, dims);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      assignment[r] = best;
      fit[r] = bestScore;
      work += count;
      if (work >= workPerYield) {
        work = 0;
        yield;
      }
    }
    const sums = new Float64Array(count * dims);
    const sizes = new Int32Array(count);
    for (let r = 0; r < rows; r++) {
      const c = assignment[r]!;
      sizes[c]!++;
      for (let i = 0; i < dims; i++) sums[c * dims + i]! += sample[r * dims + i]!;
    }
    for (let c = 0; c < count; c++) {
      if (sizes[c] === 0) {
        // An empty partition takes the vector that fits its own centroid worst.
        let worst = 0;
        for (let r = 1; r < rows; r++) if (fit[r]! < fit[worst]!) worst = r;
        fit[worst] = Number.POSITIVE_INFINITY;
        for (let i = 0; i < dims; i++) sums[c * dims + i] = sample[worst * dims + i]!;
      }
      let norm = 0;
      for (let i = 0; i < dims; i++) norm += sums[c * dims + i]! * sums[c * dims + i]!;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < dims; i++) data[c * dims + i] = sums[c * dims + i]! / norm;
    }
    yield;
  }
  return centroids;
}

/** Runs a generator to its end (tests and tools that need no slicing). */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
