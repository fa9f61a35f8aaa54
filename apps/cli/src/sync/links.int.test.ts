// Links between entries through sync: resolved when written (by id, in the event), so every device shows the same
// links, backlinks and digest whatever order it applied events in; accepting a mention on one device shows on another.
import { describe, expect, it } from 'vitest';
import type { Engine } from '@cairn/core';
import { syncWorldPerTest } from '../testing/syncWorldPerTest.js';

const { team } = syncWorldPerTest();

const create = (engine: Engine, title: string, body = '') => engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title, body, tags: [] }).entryId;
const backlinks = (engine: Engine, id: string) => engine.links(id).backlinks.map((b) => b.entryId);

describe('links through sync', () => {
  it('a link written on one device is a backlink on the other, and stays one after a rename made there', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const other = create(a.engine, 'Other');
    const source = create(a.engine, 'Source', 'see [[Other]]');
    await a.client.syncNow();
    await b.client.syncNow();
    expect(backlinks(b.engine, other)).toEqual([source]);
    b.engine.execute({ type: 'UpdateEntry', entryId: other, title: 'Renamed' });
    await b.client.syncNow();
    await a.client.syncNow();
    for (const device of [a, b]) {
      expect(backlinks(device.engine, other)).toEqual([source]);
      expect(device.engine.links(source).links).toMatchObject([{ title: 'Other', targetId: other, targetTitle: 'Renamed', missing: false }]);
    }
    expect(b.engine.digest()).toBe(a.engine.digest());
  });

  it('concurrent edits adding different links keep both on both devices, with one digest that a rebuild reproduces', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const x = create(a.engine, 'Project X');
    const y = create(a.engine, 'Project Y');
    const note = create(a.engine, 'Weekly', 'line one\nline two\nline three');
    await a.client.syncNow();
    await b.client.syncNow();
    a.engine.execute({ type: 'UpdateEntry', entryId: note, body: 'line one [[Project X]]\nline two\nline three' });
    b.engine.execute({ type: 'UpdateEntry', entryId: note, body: 'line one\nline two\nline three [[Project Y]]' });
    await a.client.syncNow();
    await b.client.syncNow();
    await a.client.syncNow();
    for (const device of [a, b]) {
      expect(device.engine.links(note).links.map((l) => l.targetId)).toEqual([x, y]);
      expect(backlinks(device.engine, x)).toEqual([note]);
      expect(backlinks(device.engine, y)).toEqual([note]);
    }
    const digest = a.engine.digest();
    expect(b.engine.digest()).toBe(digest);
    expect(b.engine.rebuild().digest).toBe(digest);
  });

  it('accepting an unlinked mention on one device shows as a backlink on the other after sync', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const topic = create(a.engine, '数据同步');
    const meeting = create(a.engine, '周会记录', '今天讨论了数据同步的方案。');
    await a.client.syncNow();
    await b.client.syncNow();
    expect(b.engine.links(topic).mentions.map((m) => m.entryId)).toEqual([meeting]);
    a.engine.linkMention(topic, meeting);
    await a.client.syncNow();
    await b.client.syncNow();
    expect(b.engine.getEntry(meeting).body).toBe('今天讨论了[[数据同步]]的方案。');
    expect(b.engine.links(topic)).toMatchObject({ backlinks: [{ entryId: meeting }], mentions: [] });
    expect(b.engine.digest()).toBe(a.engine.digest());
  });
});
