import { describe, expect, it } from 'vitest';
import { postgresUrl } from '../testing/syncWorld.js';
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

  it('runs with the server in its own process on Postgres, and the devices converge through it', async () => {
    const r = await runSyncBench({ events: 500, liveEdits: 10, offlineEdits: 50, postgres: postgresUrl });
    expect(r.machine.server).toBe('postgres, its own process');
    expect(r.firstSync).toMatchObject({ events: 500, searchable: true });
    expect(r.offlinePush.pushed).toBe(50);
    expect(r.converged).toBe(true);
  }, 120_000);
});
