import { describe, expect, it } from 'vitest';
import { runSyncBench } from './syncBench.js';

describe('sync bench', () => {
  it('runs at a tiny size, prints every figure and the devices converge', async () => {
    const r = await runSyncBench({ events: 500, liveEdits: 20, offlineEdits: 50 });
    expect(r.firstSync).toMatchObject({ events: 500, searchable: true, targetSeconds: 15 });
    expect(r.liveEdit.edits).toBe(20);
    expect(r.offlinePush.edits).toBe(50);
    expect(typeof r.firstSync.met).toBe('boolean');
    expect(r.converged).toBe(true);
  }, 120_000);
});
