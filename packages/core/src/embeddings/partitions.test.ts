import { describe, expect, it } from 'vitest';
import { nearestPartitions, partitionOf, runToEnd, trainCentroids } from './partitions.js';

/** `clusters` well-separated directions in `dims` dimensions, `perCluster` unit vectors around each. */
function clustered(clusters: number, perCluster: number, dims: number): { data: Float32Array; labels: number[] } {
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  const data = new Float32Array(clusters * perCluster * dims);
  const labels: number[] = [];
  for (let c = 0; c < clusters; c++) {
    for (let m = 0; m < perCluster; m++) {
      const row = (c * perCluster + m) * dims;
      let norm = 0;
      for (let i = 0; i < dims; i++) {
        data[row + i] = (i % clusters === c ? 3 : 0) + random();
        norm += data[row + i]! ** 2;
      }
      for (let i = 0; i < dims; i++) data[row + i]! /= Math.sqrt(norm);
      labels.push(c);
    }
  }
  return { data, labels };
}

describe('partitions (spherical k-means)', () => {
  it('gives every member of a well-separated cluster the same partition, and different clusters different ones', () => {
    const dims = 16;
    const { data, labels } = clustered(4, 50, dims);
    const centroids = runToEnd(trainCentroids(data, dims, 4));
    const partOfCluster = new Map<number, Set<number>>();
    labels.forEach((label, r) => {
      const set = partOfCluster.get(label) ?? new Set();
      set.add(partitionOf(centroids, data.subarray(r * dims, (r + 1) * dims)));
      partOfCluster.set(label, set);
    });
    const parts = [...partOfCluster.values()].map((set) => [...set]);
    expect(parts.every((p) => p.length === 1)).toBe(true);
    expect(new Set(parts.map((p) => p[0])).size).toBe(4);
  });

  it('orders partitions by how near their centroid is, and keeps centroids unit length', () => {
    const dims = 16;
    const { data } = clustered(4, 30, dims);
    const centroids = runToEnd(trainCentroids(data, dims, 4));
    for (let c = 0; c < 4; c++) {
      const norm = Math.hypot(...centroids.data.subarray(c * dims, (c + 1) * dims));
      expect(norm).toBeCloseTo(1, 5);
    }
    const query = data.subarray(0, dims);
    const order = nearestPartitions(centroids, query, 4);
    expect(order).toHaveLength(4);
    expect(order[0]).toBe(partitionOf(centroids, query));
    expect(nearestPartitions(centroids, query, 2)).toEqual(order.slice(0, 2));
  });

  it('yields between slices of work, so a host can interleave it', () => {
    const dims = 64;
    const { data } = clustered(8, 200, dims);
    let yields = 0;
    const steps = trainCentroids(data, dims, 8, 3);
    for (let next = steps.next(); !next.done; next = steps.next()) yields++;
    expect(yields).toBeGreaterThan(3);
  });

  it('refuses more partitions than vectors', () => {
    expect(() => runToEnd(trainCentroids(new Float32Array(8), 4, 3))).toThrow(RangeError);
  });
});
