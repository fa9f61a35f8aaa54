import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineApi } from '../api/engineApi.js';
import { createLocalEngineApi } from '../api/localEngineApi.js';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { IngestRuntime } from '../ingest/ingestRuntime.js';
import { makeTempDir } from '../testing/tempDir.js';

let dir: { path: string; remove: () => void };
let engine: Engine;
let api: EngineApi;

beforeEach(() => {
  dir = makeTempDir('cairn-links-');
  engine = Engine.open({ dataDir: dir.path, backgroundEmbedding: false });
  api = createLocalEngineApi(engine, uuidv7);
});

afterEach(() => {
  engine.close();
  dir.remove();
});

const create = async (title: string, body = '') => (await api.createEntry({ title, body })).entryId;
const body = async (id: string) => (await api.getEntry({ id })).body;

describe('links and backlinks', () => {
  it('a renamed entry keeps its backlinks, and the next edit of the linking note rewrites the link’s text', async () => {
    const garden = await create('Garden plan', 'Beds and paths.');
    const diary = await create('Diary', 'Today I changed the [[Garden plan]] and the [[garden plan|beds]].');
    expect((await api.links({ id: diary })).links.map(({ title, targetId, missing }) => ({ title, targetId, missing }))).toEqual([
      { title: 'Garden plan', targetId: garden, missing: false },
      { title: 'garden plan', targetId: garden, missing: false },
    ]);
    expect((await api.links({ id: garden })).backlinks.map((b) => [b.entryId, b.links.length])).toEqual([[diary, 2]]);

    await api.updateEntry({ id: garden, title: 'Allotment plan' });
    const afterRename = await api.links({ id: garden });
    expect(afterRename.backlinks.map((b) => b.entryId)).toEqual([diary]);
    expect((await api.links({ id: diary })).links.map((l) => l.targetTitle)).toEqual(['Allotment plan', 'Allotment plan']);
    // A new entry taking the old title does not steal the links.
    const namesake = await create('Garden plan');
    expect((await api.links({ id: namesake })).backlinks).toEqual([]);

    await api.updateEntry({ id: diary, body: `${await body(diary)}\nMore later.` });
    expect(await body(diary)).toBe('Today I changed the [[Allotment plan]] and the [[Allotment plan|beds]].\nMore later.');
    expect((await api.links({ id: garden })).backlinks.map((b) => b.entryId)).toEqual([diary]);
    expect((await api.links({ id: namesake })).backlinks).toEqual([]);
  });

  it('a link to a missing title shows as missing and leads to the entry once one with that title is made', async () => {
    const note = await create('Reading list', 'Next: [[Deep Work]].');
    expect((await api.links({ id: note })).links).toMatchObject([{ title: 'Deep Work', targetId: null, missing: true }]);
    const book = await create('deep work');
    expect((await api.links({ id: note })).links).toMatchObject([{ title: 'Deep Work', targetId: book, targetTitle: 'deep work', missing: false }]);
    expect((await api.links({ id: book })).backlinks.map((b) => b.entryId)).toEqual([note]);
    // Edited while the book exists, the note records the book's id.
    await api.updateEntry({ id: note, body: 'Next: [[Deep Work]]!' });
    await api.deleteEntry({ id: book });
    expect((await api.links({ id: note })).links).toMatchObject([{ missing: true }]);
    // A new entry with the title takes the link over while the recorded one is deleted; restored, the link is its again.
    const again = await create('Deep Work');
    expect((await api.links({ id: note })).links).toMatchObject([{ targetId: again, missing: false }]);
    expect((await api.links({ id: again })).backlinks.map((b) => b.entryId)).toEqual([note]);
    await api.restoreEntry({ id: book });
    expect((await api.links({ id: note })).links).toMatchObject([{ targetId: book }]);
    expect((await api.links({ id: book })).backlinks.map((b) => b.entryId)).toEqual([note]);
  });

  it('finds an unlinked mention in Chinese text, and "Link" turns it into a link that shows as a backlink', async () => {
    const topic = await create('数据同步', '设备之间如何同步。');
    const meeting = await create('周会记录', '今天我们讨论了数据同步的方案，下周再看。');
    await create('无关笔记', '今天天气很好，我们去公园散步。');
    await create('English note', 'Nothing about that here.');
    const view = await api.links({ id: topic });
    expect(view.mentions.map(({ entryId, source, linkable, context }) => ({ entryId, source, linkable, match: context.match }))).toEqual([
      { entryId: meeting, source: 'body', linkable: true, match: '数据同步' },
    ]);
    expect(view.backlinks).toEqual([]);

    await api.linkMention({ id: topic, from: meeting });
    expect(await body(meeting)).toBe('今天我们讨论了[[数据同步]]的方案，下周再看。');
    const after = await api.links({ id: topic });
    expect(after.mentions).toEqual([]);
    expect(after.backlinks.map((b) => b.entryId)).toEqual([meeting]);
    expect((await api.history({ id: meeting })).length).toBe(2);
    await expect(api.linkMention({ id: topic, from: meeting })).rejects.toMatchObject({ code: 'validation' });
  });

  it('finds English mentions without case, leaves dismissed ones out, and not short titles', async () => {
    const garden = await create('Garden Plan');
    const note = await create('Saturday', 'Worked on the garden plan all morning.');
    await create('Gardening', 'Gardening plans are different.');
    expect((await api.links({ id: garden })).mentions.map((m) => m.entryId)).toEqual([note]);
    await api.dismissSuggestion({ id: garden, agent: 'links', key: note });
    expect((await api.links({ id: garden })).mentions).toEqual([]);
    const go = await create('Go', '');
    await create('Travel', 'We go to go places.');
    expect((await api.links({ id: go })).mentions).toEqual([]);
  });

  it('shows a mention in a document’s extracted text, which cannot be linked, and the rebuild reproduces the links', async () => {
    const runtime = IngestRuntime.start(engine, { extractionThreads: 1, ocrWorkers: 1, pollIntervalMs: 50 });
    let doc: string;
    try {
      const html = '<html><body><h1>Minutes</h1><p>The team agreed on the sync protocol for data sync between devices.</p></body></html>';
      doc = (await api.importBytes({ name: 'minutes.html', dataBase64: Buffer.from(html).toString('base64') })).entryId!;
      await runtime.waitFor([doc]);
    } finally {
      await runtime.stop();
    }
    const protocol = await create('Sync protocol');
    await create('Links', 'See [[Sync protocol]] and [[Nowhere yet]].');
    const view = await api.links({ id: protocol });
    expect(view.mentions).toMatchObject([{ entryId: doc, source: 'text', linkable: false, context: { match: 'sync protocol' } }]);
    await expect(api.linkMention({ id: protocol, from: doc })).rejects.toMatchObject({ code: 'validation' });
    const before = engine.digest();
    expect(engine.rebuild().digest).toBe(before);
    expect((await api.links({ id: protocol })).backlinks).toHaveLength(1);
  });

  it('refuses unknown entries with not_found', async () => {
    const note = await create('Note');
    await expect(api.links({ id: uuidv7() })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.linkMention({ id: note, from: uuidv7() })).rejects.toMatchObject({ code: 'not_found' });
  });
});
