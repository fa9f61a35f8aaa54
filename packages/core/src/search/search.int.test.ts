import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeEntryStream, toMergeEvents } from '../domain/merge/mergeEntry.js';
import type { RecordedEvent } from '../domain/shared/envelope.js';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { openDatabase } from '../store/database.js';
import { errorCodeOf } from '../testing/errorCode.js';
import { makeTempDir } from '../testing/tempDir.js';
import { prepareText } from './preparedText.js';
import { createSearchProjection } from './searchProjection.js';
import { SearchService } from './searchService.js';
import type { SearchParams } from './searchViews.js';

let dir: { path: string; remove: () => void };
let engine: Engine;

beforeEach(() => {
  dir = makeTempDir();
  engine = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false });
});
afterEach(() => {
  engine.close();
  dir.remove();
});

function add(title: string, body = '', extra: { tags?: string[]; kind?: 'note' | 'document' } = {}): string {
  const id = uuidv7();
  engine.execute({ type: 'CreateEntry', entryId: id, title, body, ...extra });
  return id;
}

async function titles(query: string, params: Omit<SearchParams, 'query'> = {}): Promise<string[]> {
  return (await engine.search.search({ query, ...params })).results.map((r) => r.title);
}

const errorCode = errorCodeOf;

describe('search (lexical, through the engine)', () => {
  it('finds two-character Chinese words and mixed Chinese-English titles by either part', async () => {
    add('数据同步 Sync design', '我们需要在设备之间同步数据。');
    add('Cairn 知识库', '个人知识管理');
    add('Grocery list', 'milk, eggs, bread');
    expect(await titles('数据')).toEqual(['数据同步 Sync design']);
    expect(await titles('同步')).toEqual(['数据同步 Sync design']);
    expect(await titles('sync')).toEqual(['数据同步 Sync design']);
    expect(await titles('知识库')).toEqual(['Cairn 知识库']);
    expect(await titles('cairn')).toEqual(['Cairn 知识库']);
    expect(await titles('資料同步')).toEqual(['数据同步 Sync design']); // Traditional 同步 still matches
  });

  it('finds Chinese in either script: Simplified queries find Traditional text and the other way round, shown as written', async () => {
    add('數據庫的設計', '離線同步與數據備份。');
    add('数据备份方案', '每天备份一次数据库。');
    add('Grocery list', 'milk, eggs, bread');
    expect((await titles('数据库')).sort()).toEqual(['数据备份方案', '數據庫的設計']);
    expect((await titles('數據')).sort()).toEqual(['数据备份方案', '數據庫的設計']);
    expect(await titles('离线')).toEqual(['數據庫的設計']);
    // The snippet is the text as written, the Traditional words highlighted by the Simplified query.
    const hit = (await engine.search.search({ query: '数据备份', mode: 'lexical' })).results.find((r) => r.title === '數據庫的設計')!;
    expect(hit.snippet).toContain('<mark>數據</mark>');
    expect(hit.snippet).toContain('<mark>備份</mark>');
  });

  it('finds titles and tags by pinyin, full and initials, in either script', async () => {
    add('数据同步方案', 'body text', { tags: ['工作'] });
    add('會議記錄', 'minutes');
    add('Shuju is not here', 'plain English');
    expect(await titles('shuju')).toContain('数据同步方案');
    expect(await titles('sjtbfa')).toEqual(['数据同步方案']);
    expect(await titles('sj')).toEqual(['数据同步方案']);
    expect(await titles('tongbu')).toEqual(['数据同步方案']);
    expect(await titles('gongzuo')).toEqual(['数据同步方案']);
    expect(await titles('huiyi')).toEqual(['會議記錄']);
    expect(await titles('hyjl')).toEqual(['會議記錄']);
  });

  it('a plain multi-word query matches any word, ranked, and stems English', async () => {
    add('Baking bread', 'The oven bakes bread at 220 degrees.');
    add('Garden', 'Tomatoes need sun.');
    add('Bread and garden', 'Bread from the garden oven.');
    const found = await titles('bread oven unicorn');
    expect(found).toHaveLength(2);
    expect(found).toContain('Baking bread');
    expect(await titles('baked')).toContain('Baking bread');
  });

  it('weights the title over the body', async () => {
    add('Notes', 'a paragraph that mentions kubernetes once among many other words of filler text here');
    add('Kubernetes', 'a paragraph about something else entirely with filler words of the same length here');
    expect((await titles('kubernetes'))[0]).toBe('Kubernetes');
  });

  it('phrases, exclusions and filters', async () => {
    add('Sync engine', 'the sync engine pushes events', { tags: ['work'] });
    add('Engine sync', 'the engine that syncs', { tags: ['home'] });
    add('Draft sync', 'sync engine draft', { tags: ['work'], kind: 'document' });
    expect(await titles('"sync engine"')).toEqual(expect.arrayContaining(['Sync engine', 'Draft sync']));
    expect(await titles('"sync engine"')).not.toContain('Engine sync');
    expect(await titles('sync -draft')).not.toContain('Draft sync');
    expect(await titles('sync tag:work')).toEqual(expect.arrayContaining(['Sync engine', 'Draft sync']));
    expect(await titles('sync tag:work')).toHaveLength(2);
    expect(await titles('sync', { tag: 'home' })).toEqual(['Engine sync']);
    expect(await titles('sync kind:document')).toEqual(['Draft sync']);
    expect(await titles('sync', { kind: 'note' })).toHaveLength(2);
    expect(await titles('tag:work')).toHaveLength(2); // filters alone list the matching entries
  });

  it('one result per entry, showing the best chunk with highlights', async () => {
    const long = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${'filler words '.repeat(30)}${i === 17 ? 'the hidden needle' : ''}`).join('\n\n');
    add('Long document', long);
    const { results } = await engine.search.search({ query: 'needle filler' });
    expect(results).toHaveLength(1);
    expect(results[0]!.snippet).toContain('<mark>needle</mark>');
    expect(long.slice(results[0]!.chunk.start, results[0]!.chunk.end)).toContain('hidden needle');
  });

  it('follows updates, deletes, restores and reverts', async () => {
    const id = add('Plan', 'alpha');
    expect(await titles('alpha')).toEqual(['Plan']);
    engine.execute({ type: 'UpdateEntry', entryId: id, body: 'beta', title: 'Plan B' });
    expect(await titles('alpha')).toEqual([]);
    expect(await titles('beta')).toEqual(['Plan B']);
    engine.execute({ type: 'DeleteEntry', entryId: id });
    expect(await titles('beta')).toEqual([]);
    engine.execute({ type: 'RestoreEntry', entryId: id });
    expect(await titles('beta')).toEqual(['Plan B']);
    engine.execute({ type: 'RevertEntry', entryId: id, toVersion: 1 });
    expect(await titles('alpha')).toEqual(['Plan']);
    engine.execute({ type: 'UpdateEntry', entryId: id, addTags: ['x'] });
    expect(await titles('alpha tag:x')).toEqual(['Plan']);
  });

  it('bad input gives results or a clear error, never an SQL error', async () => {
    add('Symbols', 'near and or not quoted text (parens) star* caret^');
    const inputs = ['', '   ', '!!!???', 'the of and', '"', '"unclosed', '*', 'NEAR(a b)', '(', ')', 'a OR', 'AND', '^', ':', 'tag:', '-', '-"', 'x'.repeat(10_000), 'word '.repeat(2_000), '数据'.repeat(5_000), 'color:red', '\u0000\u0001'];
    for (const query of inputs) {
      const response = await engine.search.search({ query });
      expect(Array.isArray(response.results), query.slice(0, 20)).toBe(true);
    }
    expect(await titles('near')).toEqual(['Symbols']);
    expect(await titles('and or not')).toEqual(['Symbols']); // stop words alone are still searched
    expect((await engine.search.search({ query: '' })).notices).toContain('type something to search for');
    expect(await errorCode(() => engine.search.search({ query: 'kind:book' }))).toBe('validation');
    expect(await errorCode(() => engine.search.search({ query: 'x', type: 'exe' }))).toBe('validation');
    expect(await errorCode(() => engine.search.search({ query: 'x', limit: 0 }))).toBe('validation');
  });

  it('without a model: hybrid falls back to lexical and says why; semantic is refused', async () => {
    add('Alpha', 'alpha');
    const response = await engine.search.search({ query: 'alpha', mode: 'hybrid' });
    expect(response.mode).toBe('lexical');
    expect(response.notices.join()).toContain('cairn model download');
    expect(await errorCode(() => engine.search.search({ query: 'alpha', mode: 'semantic' }))).toBe('unsupported');
    expect(engine.search.modelStatus()).toMatchObject({ state: 'missing', vectors: { embedded: 0, pending: 1 } });
    expect(engine.search.modelStatus().reason).toContain('CAIRN_MODEL_DIR');
  });

  it('caches results by query and filters until the index changes', async () => {
    add('Alpha', 'alpha');
    const first = await engine.search.search({ query: 'Alpha ' });
    const second = await engine.search.search({ query: '  alpha' });
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect((await engine.search.search({ query: 'alpha', tag: 'x' })).cached).toBe(false);
    add('Alpha two', 'alpha');
    const third = await engine.search.search({ query: 'alpha' });
    expect(third.cached).toBe(false);
    expect(third.results).toHaveLength(2);
    const stats = engine.search.status().cache;
    expect(stats).toMatchObject({ hits: 1, misses: 3, invalidations: 1 });
    expect(stats.hitRate).toBe(0.25);
  });

  it('is rebuilt from the log with the same digest, and searchable after', async () => {
    add('数据同步', 'sync data');
    const id = add('Gone', 'deleted text');
    engine.execute({ type: 'DeleteEntry', entryId: id });
    // Edits seen by the index one at a time, and several in one catch-up batch.
    const edited = add('Draft', 'v1');
    await titles('v1');
    for (let v = 2; v <= 5; v++) engine.execute({ type: 'UpdateEntry', entryId: edited, body: `v${v} text` });
    engine.execute({ type: 'DeleteEntry', entryId: edited });
    engine.execute({ type: 'RestoreEntry', entryId: edited });
    expect(await titles('v5')).toEqual(['Draft']);
    // Long bodies (a replay does not hold them in memory) set once, then left alone or replaced.
    const kept = add('Long kept', `${'lorem ipsum '.repeat(100)}zebra`);
    engine.execute({ type: 'UpdateEntry', entryId: kept, title: 'Long kept, renamed' });
    const replaced = add('Long replaced', `${'dolor sit '.repeat(100)}giraffe`);
    engine.execute({ type: 'UpdateEntry', entryId: replaced, body: `${'amet '.repeat(150)}okapi` });
    const before = engine.digest();
    const rebuilt = engine.rebuild();
    expect(rebuilt.digest).toBe(before);
    expect(await titles('同步')).toEqual(['数据同步']);
    expect(await titles('deleted')).toEqual([]);
    expect(await titles('zebra')).toEqual(['Long kept, renamed']);
    expect(await titles('okapi')).toEqual(['Long replaced']);
    expect(await titles('giraffe')).toEqual([]);
    // A rebuild loads the full-text index with merging off, merges once and turns merging back on: edits go on.
    engine.execute({ type: 'UpdateEntry', entryId: kept, body: 'quokka' });
    expect(await titles('quokka')).toEqual(['Long kept, renamed']);
    expect(await titles('zebra')).toEqual([]);
  });
});

describe('search projection and document events (fed directly, as ingestion will append them)', () => {
  let seq = 0;
  const event = (aggregateId: string, version: number, type: string, data: unknown): RecordedEvent => ({
    eventId: `e${++seq}`,
    type,
    schemaVersion: 1,
    aggregateId,
    aggregateType: 'entry',
    version,
    position: seq,
    data,
    metadata: { workspaceId: 'personal', actorId: 'user:t', deviceId: 'd', hlc: `${seq}`, baseVersion: version - 1, correlationId: 'c', causationId: null, at: '2026-01-01T00:00:00.000Z' },
  });

  it('indexes a document title at import, its extracted text when processed, and filters by type', async () => {
    const db = openDatabase(join(dir.path, 'docs'));
    const blobs = new Map([['a'.repeat(64), 'Quarterly revenue grew. 季度收入增长。'], ['b'.repeat(64), 'Second version of the text: profits.']]);
    const projection = createSearchProjection((sha) => {
      const text = blobs.get(sha);
      return text === undefined ? undefined : prepareText(text);
    });
    db.exec(projection.schema);
    // The engine's entry states, here a fold of the events this test applied.
    const streams = new Map<string, RecordedEvent[]>();
    const states = {
      state: (id: string) => mergeEntryStream(id, toMergeEvents(streams.get(id) ?? [])).state.entry,
      event: (id: string, version: number) => streams.get(id)?.[version - 1],
    };
    const projectionHandler = projection.createHandler(db, states);
    const search = new SearchService({ db, dataDir: join(dir.path, 'docs'), catchUp: () => undefined, backgroundEmbedding: false });
    const docId = uuidv7();
    const file = { sha256: 'f'.repeat(64), name: 'report.pdf', size: 10, mimeType: 'application/pdf' };
    const find = async (query: string) => (await search.search({ query })).results.map((r) => r.entryId);
    const setCheckpoint = db.prepare(`INSERT INTO checkpoints (name, position, model_version) VALUES ('search', ?, 1) ON CONFLICT (name) DO UPDATE SET position = excluded.position`);
    // What ReadModels does: apply, then move the checkpoint (the index version, which the query cache follows).
    const handler = {
      apply: (events: RecordedEvent[]) => {
        for (const e of events) streams.set(e.aggregateId, [...(streams.get(e.aggregateId) ?? []), e]);
        projectionHandler.apply(events);
        setCheckpoint.run(events[events.length - 1]!.position);
      },
    };
    try {
      handler.apply([event(docId, 1, 'DocumentImported', { title: 'Annual report', tags: ['finance'], attributes: {}, file })]);
      expect(await find('annual')).toEqual([docId]);
      expect(await find('revenue')).toEqual([]);
      handler.apply([event(docId, 2, 'DocumentProcessed', { textSha256: 'a'.repeat(64), mimeType: 'application/pdf', pageCount: 1, ocrUsed: false, language: 'en', chars: 40 })]);
      expect(await find('revenue')).toEqual([docId]);
      expect(await find('收入')).toEqual([docId]);
      const [hit] = (await search.search({ query: 'revenue' })).results;
      expect(hit!.chunk.source).toBe('text');
      expect(blobs.get('a'.repeat(64))!.slice(hit!.chunk.start, hit!.chunk.end)).toContain('Quarterly revenue');
      expect(await find('revenue type:pdf')).toEqual([docId]);
      expect(await find('revenue type:docx')).toEqual([]);
      expect(await find('revenue tag:finance kind:document')).toEqual([docId]);
      // A failed re-processing keeps the last good text; a new text replaces it.
      handler.apply([event(docId, 3, 'DocumentProcessingFailed', { reason: 'timeout', code: 'timeout', retryable: true })]);
      expect(await find('revenue')).toEqual([docId]);
      handler.apply([event(docId, 4, 'DocumentProcessed', { textSha256: 'b'.repeat(64), mimeType: 'application/pdf', pageCount: 1, ocrUsed: false, language: 'en', chars: 30 })]);
      expect(await find('revenue')).toEqual([]);
      expect(await find('profits')).toEqual([docId]);
      handler.apply([event(docId, 5, 'EntryDeleted', {})]);
      expect(await find('profits')).toEqual([]);
    } finally {
      search.close();
      db.close();
    }
  });
});

describe('search through the engine API (what the UI calls)', () => {
  it('validates params and returns the documented shape', async () => {
    const { createLocalEngineApi } = await import('../api/localEngineApi.js');
    const { handleRpc } = await import('../api/rpc.js');
    const api = createLocalEngineApi(engine, uuidv7);
    await api.createEntry({ title: '会议记录 Meeting notes', body: '讨论了数据同步', tags: ['work'] });
    const response = await api.search({ query: '数据', tag: 'work', kind: 'note' });
    expect(response).toMatchObject({ mode: 'lexical', cached: false, notices: [] });
    expect(response.results[0]).toMatchObject({ title: '会议记录 Meeting notes', kind: 'note', tags: ['work'] });
    expect(response.results[0]!.snippet).toBe('讨论了<mark>数据</mark>同步');
    expect(await errorCode(() => api.search({ query: 'x', limit: 5_000 }))).toBe('validation');
    expect(await errorCode(() => api.search({ query: 'x', mode: 'fuzzy' as 'lexical' }))).toBe('validation');
    const rpc = await handleRpc(api, { id: 1, method: 'searchStatus', params: {} });
    expect(rpc).toMatchObject({ ok: true, result: { entries: 1, chunks: 1, model: { state: 'missing' } } });
  });
});

describe('search while the index catches up (a long-running process)', () => {
  it('answers behind a large backlog without waiting for all of it, says so, and finds everything once the background caught up', async () => {
    const live = Engine.open({ dataDir: join(dir.path, 'live') });
    try {
      const commands = Array.from({ length: 10_000 }, (_, i) => ({ type: 'CreateEntry' as const, entryId: uuidv7(), title: `Ledger ${i}`, body: `quillwort entry number ${i}`, tags: [] }));
      for (let i = 0; i < commands.length; i += 2_000) live.executeBatch(commands.slice(i, i + 2_000));
      // Before the background catch-up ran at all: the search indexes what it can in its budget, and answers.
      const early = await live.search.search({ query: 'quillwort', mode: 'lexical', limit: 1_000 });
      expect(early.notices.some((n) => /recent changes are still being indexed/.test(n))).toBe(true);
      expect(live.status().subscriberLag.search).toBeGreaterThan(0);
      // The background catch-up finishes on its own, in slices; then a search sees everything and says nothing.
      await expect.poll(() => live.status().subscriberLag.search, { timeout: 60_000, interval: 100 }).toBe(0);
      const late = await live.search.search({ query: '"quillwort entry number 9999"', mode: 'lexical' });
      expect(late.results.map((r) => r.title)).toEqual(['Ledger 9999']);
      expect(late.notices).toEqual([]);
    } finally {
      live.close();
    }
  }, 90_000);

  it('finds what was just written when the backlog is small', async () => {
    const live = Engine.open({ dataDir: join(dir.path, 'small') });
    try {
      live.execute({ type: 'CreateEntry', entryId: uuidv7(), title: 'Fresh', body: 'a quillwort pressed today', tags: [] });
      const response = await live.search.search({ query: 'quillwort', mode: 'lexical' });
      expect(response.results.map((r) => r.title)).toEqual(['Fresh']);
      expect(response.notices).toEqual([]);
    } finally {
      live.close();
    }
  });
});
