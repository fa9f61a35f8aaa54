import { describe, expect, it } from 'vitest';
import { syncWorldPerTest } from '../testing/syncWorldPerTest.js';

const { team } = syncWorldPerTest();

const notes = [
  { title: '望远镜笔记', body: '望远镜里看到星系、行星和彗星的轨道。', tags: ['天文'] },
  { title: '星空观察', body: '望远镜对准星系，行星在轨道上，彗星划过。', tags: ['天文'] },
  { title: 'Bread', body: 'Flour, yeast and dough in a hot oven.', tags: ['baking'] },
];

describe('suggestions across devices', () => {
  it('a tag suggestion accepted on one device shows on the other after sync, where it is no longer suggested', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    for (const note of notes) a.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), ...note });
    const mine = a.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title: '今晚的星空', body: '用望远镜看星系和行星的轨道。' }).entryId;
    await a.client.syncNow();
    await b.client.syncNow();
    // Both devices compute the same suggestions from the same entries.
    expect(b.engine.suggestTags(mine)).toEqual(a.engine.suggestTags(mine));
    expect(a.engine.suggestTags(mine).suggestions.map((s) => s.tag)).toEqual(['天文']);
    expect(b.engine.related(mine).results.map((r) => r.title).sort()).toEqual(['星空观察', '望远镜笔记']);

    // Accepting is an ordinary edit on A…
    a.engine.execute({ type: 'UpdateEntry', entryId: mine, addTags: ['天文'] });
    await a.client.syncNow();
    await b.client.syncNow();
    // …so B has the tag, in the entry's history, and suggests it no more.
    expect(b.engine.getEntry(mine).tags).toEqual(['天文']);
    expect(b.engine.history(mine).map((h) => h.eventType)).toEqual(['EntryCreated', 'EntryUpdated']);
    expect(b.engine.suggestTags(mine).suggestions).toEqual([]);
    expect(b.engine.digest()).toBe(a.engine.digest());
  });
});
