import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineApi } from '../api/engineApi.js';
import { createLocalEngineApi } from '../api/localEngineApi.js';
import { Engine } from '../engine/engine.js';
import type { EngineNotice } from '../engine/views.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { IngestRuntime } from '../ingest/ingestRuntime.js';
import { makeTempDir } from '../testing/tempDir.js';
import { writeTinyModel } from '../testing/tinyModel.js';
import { seededRandom as random } from '../testing/seededRandom.js';

/** A small seeded generator, so every corpus is the same on every run. */
const pick = <T>(next: () => number, items: readonly T[], n: number): T[] => {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
  return out;
};

const englishTopics = {
  baking: ['sourdough', 'flour', 'yeast', 'dough', 'oven', 'crust', 'knead', 'loaf', 'starter', 'rye'],
  astronomy: ['telescope', 'galaxy', 'orbit', 'planet', 'nebula', 'comet', 'eclipse', 'asteroid', 'moon', 'constellation'],
  cycling: ['bicycle', 'saddle', 'gears', 'pedal', 'chain', 'helmet', 'tyre', 'brakes', 'handlebar', 'spokes'],
} as const;
const englishFiller = ['I wrote this note on a quiet afternoon.', 'More thoughts will follow later this week.', 'Nothing else happened today worth writing down.', 'Remember to look at this again soon.'];

const chineseTopics = {
  烘焙: ['面包', '面粉', '酵母', '烤箱', '发酵', '黄油', '蛋糕', '饼干', '奶油', '砂糖'],
  天文: ['望远镜', '星系', '行星', '轨道', '彗星', '星云', '日食', '月亮', '银河', '宇宙'],
  骑行: ['自行车', '车座', '齿轮', '踏板', '链条', '头盔', '轮胎', '刹车', '车把', '山路'],
} as const;
const chineseFiller = ['今天下午写了这条笔记。', '以后再补充更多想法。', '今天没有别的事情值得记录。', '记得过几天再看一遍。'];

/** Four notes per topic: each names seven of its topic's words in sentences, among sentences every note has. */
function englishNotes(seed: number): { topic: string; title: string; body: string }[] {
  const next = random(seed);
  return Object.entries(englishTopics).flatMap(([topic, words]) =>
    [1, 2, 3, 4].map((n) => {
      const chosen = pick(next, words, 7);
      const body = [...chosen.map((w) => `Today the ${w} mattered, and the ${w} will matter again.`), ...englishFiller].join(' ');
      return { topic, title: `${chosen[0]} notes ${n}`, body };
    }),
  );
}

function chineseNotes(seed: number): { topic: string; title: string; body: string }[] {
  const next = random(seed);
  return Object.entries(chineseTopics).flatMap(([topic, words]) =>
    [1, 2, 3, 4].map((n) => {
      const chosen = pick(next, words, 7);
      const body = [...chosen.map((w) => `我想起了${w}，${w}很重要。`), ...chineseFiller].join('');
      return { topic, title: `${chosen[0]}笔记${n}`, body };
    }),
  );
}

let dir: { path: string; remove: () => void };
let engine: Engine;
let api: EngineApi;

beforeEach(() => {
  dir = makeTempDir('cairn-related-');
  engine = Engine.open({ dataDir: dir.path });
  api = createLocalEngineApi(engine, uuidv7);
});

afterEach(() => {
  engine.close();
  dir.remove();
});

async function createAll(notes: readonly { topic: string; title: string; body: string; tags?: string[] }[]) {
  const made: { id: string; topic: string }[] = [];
  for (const note of notes) {
    const { entryId } = await api.createEntry({ title: note.title, body: note.body, ...(note.tags && { tags: note.tags }) });
    made.push({ id: entryId, topic: note.topic });
  }
  return made;
}

async function expectTopicsRelated(made: readonly { id: string; topic: string }[]) {
  for (const { id, topic } of made) {
    const related = await api.related({ id });
    const expected = made.filter((m) => m.topic === topic && m.id !== id).map((m) => m.id);
    expect(related.results.map((r) => r.entryId).sort(), `related entries of a note about ${topic}`).toEqual([...expected].sort());
    for (const r of related.results) expect(r.sharedTerms.length).toBeGreaterThanOrEqual(2);
    expect(related.usedVectors).toBe(false);
  }
}

describe('related entries', () => {
  it('of an English note about a topic are the other notes about it, with the words they share', async () => {
    const made = await createAll(englishNotes(1));
    await expectTopicsRelated(made);
    const baking = made.filter((m) => m.topic === 'baking');
    const first = await api.related({ id: baking[0]!.id });
    expect(first.results[0]).toMatchObject({ kind: 'note', foundBy: ['words'] });
    const words = new Set<string>(englishTopics.baking);
    for (const r of first.results) for (const w of r.sharedTerms) expect(words.has(w), `"${w}" is a baking word`).toBe(true);
  });

  it('of a Chinese note about a topic are the other notes about it', async () => {
    const made = await createAll(chineseNotes(2));
    await expectTopicsRelated(made);
    const first = await api.related({ id: made[0]!.id });
    const words = new Set<string>(chineseTopics.烘焙);
    for (const r of first.results) for (const w of r.sharedTerms) expect(words.has(w), `"${w}" is a baking word`).toBe(true);
  });

  it('leave out deleted entries and dismissed ones, honour the limit, and refuse unknown entries', async () => {
    const made = await createAll(englishNotes(3));
    const [a, b, c, d] = made.filter((m) => m.topic === 'astronomy');
    await api.deleteEntry({ id: b!.id });
    await api.dismissSuggestion({ id: a!.id, agent: 'related', key: c!.id });
    expect((await api.related({ id: a!.id })).results.map((r) => r.entryId)).toEqual([d!.id]);
    await api.dismissSuggestion({ id: a!.id, agent: 'related', key: c!.id, undo: true });
    expect((await api.related({ id: a!.id, limit: 1 })).results).toHaveLength(1);
    await expect(api.related({ id: 'no-such-entry' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.related({ id: b!.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.related({ id: a!.id, limit: 0 })).rejects.toMatchObject({ code: 'validation' });
  });

  it('are the same after a rebuild, and asking for them changes no read model', async () => {
    const made = await createAll(englishNotes(4));
    const before = await Promise.all(made.map((m) => api.related({ id: m.id })));
    const tagsBefore = await Promise.all(made.map((m) => api.suggestTags({ id: m.id })));
    const digest = (await api.digest({})).digest;
    await api.rebuild({});
    expect((await api.digest({})).digest).toBe(digest);
    expect(await Promise.all(made.map((m) => api.related({ id: m.id })))).toEqual(before);
    expect(await Promise.all(made.map((m) => api.suggestTags({ id: m.id })))).toEqual(tagsBefore);
    // Looking up every word's frequency ahead (what `cairn serve` does) changes no answer either.
    expect(await engine.warmUpRelated()).toBeGreaterThan(30);
    expect(await Promise.all(made.map((m) => api.related({ id: m.id })))).toEqual(before);
  });

  it('also search the entry’s chunk vectors when a model is ready', async () => {
    engine.close();
    const modelDir = writeTinyModel(`${dir.path}-model`);
    engine = Engine.open({ dataDir: dir.path, modelDir, autoCatchUp: false });
    api = createLocalEngineApi(engine, uuidv7);
    const notes = ['cat dog sofa couch', 'cat dog sofa kitchen', 'weather rain sun garden', 'weather rain sun flower'].map((body, i) => ({ topic: body.split(' ')[0]!, title: `note ${i}`, body: `${body} ${body}` }));
    const made = await createAll(notes);
    await engine.search.embedPending();
    const related = await api.related({ id: made[0]!.id });
    expect(related.usedVectors).toBe(true);
    expect(related.results[0]).toMatchObject({ entryId: made[1]!.id, foundBy: ['words', 'meaning'] });
    expect(related.results.map((r) => r.entryId)).not.toContain(made[2]!.id);
  });
});

describe('tag suggestions', () => {
  it('offer tags in use that are among an English entry’s keywords and tags of its related entries; accepting adds the tag, dismissing hides it', async () => {
    const notes = englishNotes(5).map((n, i) => ({ ...n, tags: n.topic === 'baking' && i % 2 === 0 ? ['kitchen'] : n.topic === 'cycling' ? ['Yeast'] : [] }));
    const made = await createAll(notes);
    const { entryId } = await api.createEntry({ title: 'Weekend bread', body: 'The sourdough starter, the flour and the yeast: knead the dough, bake the loaf, a dark crust. Yeast again, yeast always.' });
    const view = await api.suggestTags({ id: entryId });
    expect(view.related).toBe(4);
    const byTag = new Map(view.suggestions.map((s) => [s.tag, s]));
    expect(byTag.get('yeast')).toMatchObject({ keywords: ['yeast'] });
    expect(byTag.get('kitchen')).toMatchObject({ relatedCount: 2, keywords: [] });
    expect(byTag.size).toBe(2);

    await api.updateEntry({ id: entryId, addTags: ['kitchen'] });
    expect((await api.getEntry({ id: entryId })).tags).toContain('kitchen');
    expect((await api.suggestTags({ id: entryId })).suggestions.map((s) => s.tag)).toEqual(['yeast']);
    await api.dismissSuggestion({ id: entryId, agent: 'tags', key: 'yeast' });
    expect((await api.suggestTags({ id: entryId })).suggestions).toEqual([]);
    expect(made.length).toBe(12);
  });

  it('match Chinese keywords with tags in use, whatever their script or width', async () => {
    const notes = chineseNotes(6).map((n) => ({ ...n, tags: n.topic === '骑行' ? ['麵包', 'ＡＢＣ'] : [] }));
    await createAll(notes);
    const { entryId } = await api.createEntry({ title: '周末的面包', body: '今天用面粉和酵母做面包。面包放进烤箱，面包很香。发酵要等一个小时。' });
    const view = await api.suggestTags({ id: entryId });
    expect(view.suggestions.map((s) => s.tag)).toContain('麵包');
    expect(view.suggestions.find((s) => s.tag === '麵包')).toMatchObject({ keywords: ['面包'] });
    expect(view.suggestions.map((s) => s.tag)).not.toContain('abc');
    await api.updateEntry({ id: entryId, addTags: ['面包'] });
    // The tag it now has, in Simplified script, is the same tag: no longer suggested.
    expect((await api.suggestTags({ id: entryId })).suggestions.map((s) => s.tag)).not.toContain('麵包');
  });
});

describe('findings notice', () => {
  it('tells what the agents found when a document imported here finishes processing', async () => {
    await createAll(englishNotes(7).map((n) => ({ ...n, tags: n.topic === 'astronomy' ? ['astronomy'] : [] })));
    const notices: EngineNotice[] = [];
    engine.subscribe((notice) => notices.push(notice));
    const runtime = IngestRuntime.start(engine, { extractionThreads: 1, ocrWorkers: 1, pollIntervalMs: 50 });
    try {
      const text = 'Through the telescope: a galaxy, a nebula, a comet near the moon. The telescope showed the planet in its orbit. Astronomy at night.';
      const imported = await api.importBytes({ name: 'night-sky.txt', dataBase64: Buffer.from(text).toString('base64') });
      await runtime.waitFor([imported.entryId!]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const found = notices.filter((n) => n.type === 'agents');
      expect(found).toEqual([{ type: 'agents', entryId: imported.entryId, title: 'night-sky.txt', suggestedTags: ['astronomy'], related: 4 }]);
    } finally {
      await runtime.stop();
    }
  });
});
