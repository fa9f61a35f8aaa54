import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../testing/tempDir.js';
import { runCoreBench } from './coreBench.js';

describe('core benchmark', () => {
  it('runs every measurement on a small log and reports consistent figures', async () => {
    const tmp = makeTempDir('cairn-core-bench-');
    try {
      const result = await runCoreBench({ events: 3_000, singleCommands: 300, batchedEvents: 2_000, batchSize: 100, workDir: tmp.path });
      expect(result.rebuild.events).toBeGreaterThan(2_900);
      expect(result.rebuild.entries).toBeGreaterThan(0);
      expect(result.openAndList.events).toBe(result.rebuild.events);
      const { batchedAppends, plainInsert, plainInsertWithReadModel } = result;
      expect(plainInsert.rows).toBe(batchedAppends.events);
      expect(plainInsertWithReadModel.rows).toBe(batchedAppends.events);
      expect(batchedAppends.ratioToPlain).toBeCloseTo(batchedAppends.eventsPerSecond / plainInsert.rowsPerSecond, 2);
      expect(batchedAppends.ratioToPlainWithReadModel).toBeCloseTo(batchedAppends.eventsPerSecond / plainInsertWithReadModel.rowsPerSecond, 2);
      const floor = result.rebuildFloor;
      expect(floor.seconds).toBeCloseTo(floor.readSeconds + floor.writeSeconds + floor.digestSeconds, 6);
      expect(floor.eventsPerSecond).toBe(Math.round(result.rebuild.events / floor.seconds));
      expect(Object.keys(result.targets).sort()).toEqual(['batchedAppends', 'concurrentSingleAppends', 'openAndList', 'rebuild', 'rss', 'singleAppends']);
    } finally {
      tmp.remove();
    }
  });
});
