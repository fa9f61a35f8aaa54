import { expect, it } from 'vitest';
import { postgresUrl } from '../testing/harness.js';
import { runServerBench } from './serverBench.js';

// The benchmark itself, on a tiny load: it runs end to end and reports every figure it promises (the figures of
// a real run are in BENCHMARKS.md; none is asserted here).
it('runs every phase and reports each figure with its target', async () => {
  const result = await runServerBench({ databaseUrl: postgresUrl, events: 400, workspaces: 2, pushers: 2, liveClients: 20, pokes: 2, seconds: 1, rounds: 1, connections: 4, pglite: false });
  expect(result.postgres.push).toMatchObject({ events: 400, target: 20_000 });
  expect(result.postgres.push.eventsPerSecond).toBeGreaterThan(0);
  expect(result.postgres.pull).toMatchObject({ events: 400, target: 100_000 });
  expect(result.postgres.views.page50.statuses).toEqual({ '200': expect.any(Number) });
  expect(result.postgres.views.notModified.statuses).toEqual({ '304': expect.any(Number) });
  expect(result.postgres.live).toMatchObject({ clients: 20, pokes: 2, missed: 0 });
  expect(result.postgres.rssMb.a).toBeGreaterThan(10);
}, 120_000);
