import { PgliteDb } from '@cairn/sync-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '@cairn/core';
import { SyncWorld } from '../testing/syncWorld.js';

/** An entry's history without where each event sits in this device's log (which differs between devices). */
const history = (engine: Engine, id: string) => engine.history(id).map(({ position: _, ...item }) => item);

let instance: Awaited<ReturnType<typeof PgliteDb.createInstance>>;
let world: SyncWorld | undefined;
beforeAll(async () => {
  instance = await PgliteDb.createInstance();
});
afterAll(async () => {
  await instance.close();
});
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function team() {
  world = await SyncWorld.start(instance);
  const alice = await world.signIn('alice');
  await world.call('POST', '/v1/workspaces', alice.token, { id: 'team', name: 'Team' });
  return { world, alice };
}

describe('sync between devices', () => {
  it('an entry written on one device appears on the other, with the same history and digest', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const created = a.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title: 'Plan', body: 'one\ntwo', tags: ['work'] });
    a.engine.execute({ type: 'UpdateEntry', entryId: created.entryId, title: 'Plan v2' });
    expect(await a.client.syncNow()).toMatchObject({ pushed: 2 });
    expect(await b.client.syncNow()).toMatchObject({ pulled: 2 });
    expect(b.engine.getEntry(created.entryId)).toMatchObject({ title: 'Plan v2', body: 'one\ntwo', tags: ['work'] });
    await a.client.syncNow();
    expect(history(b.engine, created.entryId)).toEqual(history(a.engine, created.entryId));
    expect(b.engine.digest()).toBe(a.engine.digest());
    expect(a.client.status()).toMatchObject({ pending: 0, state: 'idle' });
  });

  it('concurrent offline edits of one entry converge on both devices, keeping both sides’ changes', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const id = crypto.randomUUID();
    a.engine.execute({ type: 'CreateEntry', entryId: id, title: 'Minutes', body: 'line one\nline two\nline three', tags: ['keep', 'old'] });
    await a.client.syncNow();
    await b.client.syncNow();
    // Both offline: A edits the first line and adds a tag; B adds a line and removes a tag.
    a.engine.execute({ type: 'UpdateEntry', entryId: id, body: 'LINE ONE\nline two\nline three', addTags: ['new'] });
    b.engine.execute({ type: 'UpdateEntry', entryId: id, body: 'line one\nline two\nline three\nline four', removeTags: ['old'] });
    await a.client.syncNow();
    await b.client.syncNow();
    await a.client.syncNow();
    for (const device of [a, b]) {
      expect(device.engine.getEntry(id)).toMatchObject({ body: 'LINE ONE\nline two\nline three\nline four', tags: ['keep', 'new'] });
    }
    expect(history(b.engine, id)).toEqual(history(a.engine, id));
    expect(b.engine.digest()).toBe(a.engine.digest());
  });
});
