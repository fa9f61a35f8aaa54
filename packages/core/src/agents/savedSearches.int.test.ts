import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineApi } from '../api/engineApi.js';
import { createLocalEngineApi } from '../api/localEngineApi.js';
import { Engine } from '../engine/engine.js';
import type { EngineAlertNotice, EngineNotice } from '../engine/views.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { makeTempDir } from '../testing/tempDir.js';
import type { SavedSearchAlert } from './savedSearches.js';

let dir: { path: string; remove: () => void };
let engine: Engine;
let api: EngineApi;
let notices: EngineNotice[];

function open() {
  engine = Engine.open({ dataDir: dir.path, pollIntervalMs: 20 });
  api = createLocalEngineApi(engine, uuidv7);
  notices = [];
  engine.subscribe((n) => notices.push(n));
}

beforeEach(() => {
  dir = makeTempDir('cairn-saved-');
  open();
});

afterEach(() => {
  engine.close();
  dir.remove();
});

const alerts = (): SavedSearchAlert[] => notices.filter((n): n is EngineAlertNotice => n.type === 'alert').flatMap((n) => n.alerts);
/** Lets the engine's after-commit work (catch-up, alerts) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

describe('saved searches', () => {
  it('are kept with their query, mode and filters, listed, changed and forgotten', async () => {
    const saved = await api.saveSearch({ name: 'Harbor', query: 'harbor lantern', mode: 'lexical', tag: 'work', alerts: true });
    expect(saved).toMatchObject({ name: 'Harbor', query: 'harbor lantern', mode: 'lexical', tag: 'work', kind: null, type: null, alerts: true });
    engine.close();
    open();
    expect(await api.savedSearches({})).toEqual([saved]);
    const renamed = await api.saveSearch({ id: saved.id, name: 'Harbour', query: 'harbor', alerts: false });
    expect((await api.savedSearches({})).map((s) => [s.id, s.name, s.alerts])).toEqual([[saved.id, 'Harbour', false]]);
    expect(renamed.createdAt).toBe(saved.createdAt);
    await api.deleteSavedSearch({ id: saved.id });
    expect(await api.savedSearches({})).toEqual([]);
    await expect(api.deleteSavedSearch({ id: saved.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.saveSearch({ name: '   ', query: 'x' })).rejects.toMatchObject({ code: 'validation' });
    await expect(api.saveSearch({ name: 'Nothing', query: '  ' })).rejects.toMatchObject({ code: 'validation' });
  });

  it('alert once per newly matching entry, never for what matched when saved, in English and Chinese', async () => {
    const old = await api.createEntry({ title: 'Old harbor notes', body: 'The harbor was quiet.' });
    const plain = await api.createEntry({ title: 'Groceries', body: 'milk and bread' });
    const harbor = await api.saveSearch({ name: 'Harbor', query: 'harbor', alerts: true });
    const sync = await api.saveSearch({ name: '同步', query: '数据同步', alerts: true });
    await api.saveSearch({ name: 'Quiet', query: 'lantern', alerts: false });
    await settle();
    expect(alerts()).toEqual([]);

    await api.updateEntry({ id: old.entryId, body: 'The harbor was busy.' }); // matched when saved: not news
    const fresh = await api.createEntry({ title: 'Lantern repair', body: 'We fixed the harbor lantern.' });
    await settle();
    expect(alerts()).toEqual([{ searchId: harbor.id, name: 'Harbor', entryId: fresh.entryId, title: 'Lantern repair' }]);

    await api.updateEntry({ id: fresh.entryId, body: 'We fixed the harbor lantern again.' });
    await api.updateEntry({ id: plain.entryId, body: 'milk, bread, and a map of the harbor' }); // newly matching
    const chinese = await api.createEntry({ title: '周会', body: '我们讨论了设备之间的数据同步问题。' });
    await settle();
    expect(alerts().slice(1).map((a) => [a.name, a.entryId]).sort()).toEqual(
      [
        ['Harbor', plain.entryId],
        ['同步', chinese.entryId],
      ].sort(),
    );
    expect(alerts().filter((a) => a.entryId === fresh.entryId)).toHaveLength(1);
    expect(sync.alerts).toBe(true);
  });

  it('follow their filters, and remember what alerted across a restart', async () => {
    await api.saveSearch({ name: 'Work harbor', query: 'harbor', tag: 'work', alerts: true });
    const untagged = await api.createEntry({ title: 'Harbor trip', body: 'a day at the harbor' });
    const tagged = await api.createEntry({ title: 'Harbor budget', body: 'harbor costs', tags: ['work'] });
    await settle();
    expect(alerts().map((a) => a.entryId)).toEqual([tagged.entryId]);
    engine.close();
    open();
    await api.updateEntry({ id: tagged.entryId, body: 'harbor costs, revised' });
    await api.updateEntry({ id: untagged.entryId, addTags: ['work'] }); // now it matches
    await settle();
    expect(alerts().map((a) => a.entryId)).toEqual([untagged.entryId]);
  });

  it('alert on what another process wrote to the data directory (the poll)', async () => {
    await api.saveSearch({ name: 'Harbor', query: 'harbor', alerts: true });
    const other = Engine.open({ dataDir: dir.path, autoCatchUp: false });
    const { entryId } = other.execute({ type: 'CreateEntry', entryId: uuidv7(), title: 'From the CLI', body: 'harbor report', tags: [] });
    other.close();
    await expect.poll(() => alerts().map((a) => a.entryId)).toEqual([entryId]);
  });
});
