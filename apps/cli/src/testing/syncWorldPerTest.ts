import { afterAll, afterEach, beforeAll } from 'vitest';
import { PgliteDb } from '@cairn/sync-server';
import { postgresUrl, SyncWorld } from './syncWorld.js';

type PgliteInstance = Awaited<ReturnType<typeof PgliteDb.createInstance>>;

/**
 * For a test file: one PGlite for the file (or the tests' Postgres), and `team()` — a fresh server (its own schema) with
 * alice signed in and a workspace `team` — closed after each test, so no state passes from one test to the next.
 */
export function syncWorldPerTest(backend: 'pglite' | 'postgres' = 'pglite'): { team: (settings?: Record<string, string>) => Promise<{ world: SyncWorld; alice: { token: string; userId: string; deviceId: string } }> } {
  let instance: PgliteInstance | undefined;
  let world: SyncWorld | undefined;
  beforeAll(async () => {
    if (backend === 'pglite') instance = await PgliteDb.createInstance();
  });
  afterAll(async () => {
    await instance?.close();
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  return {
    team: async (settings = {}) => {
      world = backend === 'pglite' ? await SyncWorld.start(instance!, settings) : await SyncWorld.startPostgres(postgresUrl, settings);
      const alice = await world.signIn('alice');
      await world.call('POST', '/v1/workspaces', alice.token, { id: 'team', name: 'Team' });
      return { world, alice };
    },
  };
}
