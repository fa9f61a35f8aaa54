import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineApi } from '../api/engineApi.js';
import { createLocalEngineApi } from '../api/localEngineApi.js';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { makeTempDir } from '../testing/tempDir.js';

let dir: { path: string; remove: () => void };
let engine: Engine;
let api: EngineApi;

beforeEach(() => {
  dir = makeTempDir('cairn-dismissals-');
  engine = Engine.open({ dataDir: dir.path });
  api = createLocalEngineApi(engine, uuidv7);
});

afterEach(() => {
  engine.close();
  dir.remove();
});

describe('dismissed suggestions', () => {
  it('are remembered across restarts and rebuilds, without touching the entry or its history', async () => {
    const { entryId } = await api.createEntry({ title: 'Trip', body: 'Kyoto in autumn' });
    const digest = (await api.digest({})).digest;
    expect(await api.dismissSuggestion({ id: entryId, agent: 'tags', key: 'travel' })).toEqual({ dismissed: true });
    await api.dismissSuggestion({ id: entryId, agent: 'tags', key: 'travel' }); // twice is once
    await api.dismissSuggestion({ id: entryId, agent: 'duplicates', key: 'other-id' });
    expect((await api.getEntry({ id: entryId })).version).toBe(1);
    expect((await api.digest({})).digest).toBe(digest);
    await api.rebuild({});
    engine.close();
    engine = Engine.open({ dataDir: dir.path });
    expect([...engine.dismissals.dismissed(entryId, 'tags')]).toEqual(['travel']);
    expect([...engine.dismissals.dismissed(entryId, 'duplicates')]).toEqual(['other-id']);
    api = createLocalEngineApi(engine, uuidv7);
    expect(await api.dismissSuggestion({ id: entryId, agent: 'tags', key: 'travel', undo: true })).toEqual({ dismissed: false });
    expect(engine.dismissals.dismissed(entryId, 'tags').size).toBe(0);
  });

  it('refuse an unknown entry or agent clearly', async () => {
    await expect(api.dismissSuggestion({ id: uuidv7(), agent: 'tags', key: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    const { entryId } = await api.createEntry({ title: 'Trip' });
    await expect(api.dismissSuggestion({ id: entryId, agent: 'colors' as 'tags', key: 'x' })).rejects.toMatchObject({ code: 'validation' });
  });
});
