import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineApi } from '../api/engineApi.js';
import { createLocalEngineApi } from '../api/localEngineApi.js';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { IngestRuntime } from '../ingest/ingestRuntime.js';
import { makeTempDir } from '../testing/tempDir.js';

const central = [
  'The river cleanup project removed four tonnes of plastic from the river banks this spring.',
  'Volunteers from the town joined the river cleanup every weekend, collecting plastic along the banks.',
  'The project plans to extend the cleanup to the whole river next year, with more volunteers and boats.',
];
const asides = ['The weather was cold in March.', 'Lunch was served at the community hall, with soup and bread donated by a bakery.', 'A local band played music on the last day.', 'The mayor wore a red scarf at the ceremony.', 'Parking near the station was difficult on Saturdays.'];
const report = [central[0], asides[0], asides[1], central[1], asides[2], asides[3], asides[4], central[2]].join(' ');

let dir: { path: string; remove: () => void };
let engine: Engine;
let api: EngineApi;

beforeEach(() => {
  dir = makeTempDir('cairn-summaries-');
  engine = Engine.open({ dataDir: dir.path });
  api = createLocalEngineApi(engine, uuidv7);
});

afterEach(() => {
  engine.close();
  dir.remove();
});

describe('summaries', () => {
  it('summarizes an entry with a few paragraphs, follows its edits, and leaves short ones without', async () => {
    const { entryId } = await api.createEntry({ title: 'Cleanup report', body: report });
    const summary = await api.summary({ id: entryId });
    expect(summary).toMatchObject({ source: 'body' });
    expect(summary!.sentences.map((s) => s.text)).toEqual(expect.arrayContaining([central[0], central[1]]));
    for (const s of summary!.sentences) expect(report.slice(s.start, s.end)).toBe(s.text);
    const short = await api.createEntry({ title: 'Shopping', body: 'Milk. Bread.' });
    expect(await api.summary({ id: short.entryId })).toBeNull();
    await api.updateEntry({ id: entryId, body: 'Now only a line.' });
    expect(await api.summary({ id: entryId })).toBeNull();
    await expect(api.summary({ id: 'no-such-entry' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('summarizes an imported document from its extracted text, drops a deleted entry’s, and the rebuild gives the same summaries', async () => {
    const runtime = IngestRuntime.start(engine, { extractionThreads: 1, ocrWorkers: 1, pollIntervalMs: 50 });
    try {
      const html = `<html><body><h1>Cleanup</h1>${[central[0], asides[0], asides[1], central[1], asides[2], asides[3], asides[4], central[2]].map((s) => `<p>${s}</p>`).join('')}</body></html>`;
      const imported = await api.importBytes({ name: 'cleanup.html', dataBase64: Buffer.from(html).toString('base64') });
      await runtime.waitFor([imported.entryId!]);
      const text = (await api.documentText({ id: imported.entryId! })).text;
      const summary = (await api.summary({ id: imported.entryId! }))!;
      expect(summary.source).toBe('text');
      expect(summary.sentences.map((s) => s.text)).toEqual(expect.arrayContaining([central[0], central[1]]));
      for (const s of summary.sentences) expect(text.slice(s.start, s.end)).toBe(s.text);
    } finally {
      await runtime.stop();
    }
    const deleted = (await api.createEntry({ title: 'Deleted report', body: report })).entryId;
    await api.deleteEntry({ id: deleted });
    expect(await api.summary({ id: deleted })).toBeNull();
    const before = engine.digest();
    expect(engine.rebuild().digest).toBe(before);
    expect(await api.summary({ id: deleted })).toBeNull();
  });

  it('gives a hit found by its title the summary as its snippet, and a hit found in its text the matching passage', async () => {
    const byTitle = await api.createEntry({ title: 'Springfield volunteers', body: report });
    const result = (q: string) => api.search({ query: q, mode: 'lexical' }).then((r) => r.results.find((x) => x.entryId === byTitle.entryId)!);
    const titleHit = await result('Springfield');
    expect(titleHit.snippet.startsWith((await api.summary({ id: byTitle.entryId }))!.sentences[0]!.text.slice(0, 40))).toBe(true);
    expect(titleHit.snippet).not.toContain('The weather was cold');
    const textHit = await result('mayor scarf');
    expect(textHit.snippet).toContain('<mark>mayor</mark>');
    // An entry too short for a summary keeps the start of its text.
    const short = await api.createEntry({ title: 'Springfield shopping', body: 'Milk. Bread.' });
    const shortHit = (await api.search({ query: 'Springfield', mode: 'lexical' })).results.find((x) => x.entryId === short.entryId)!;
    expect(shortHit.snippet).toBe('Milk. Bread.');
  });
});
