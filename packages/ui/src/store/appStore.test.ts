// The store against a scripted engine: what it asks, and what it shows for each answer.
import type { DocumentView, EntryView, ImportOutcome, ModelStatus } from '@cairn/core';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../engine/engineError.js';
import type { HostBridge } from '../engine/transport.js';
import { createAppStore } from './appStore.js';
import { manualTimers, memoryStorage, scriptedEngine, settle } from './scriptedEngine.js';
import { UPLOAD_OVER_BYTES } from './importSlice.js';

const entry = (over: Partial<EntryView> = {}): EntryView => ({
  id: 'e1',
  kind: 'note',
  title: 'T',
  body: 'b',
  tags: [],
  attributes: {},
  deleted: false,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'user:a',
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'user:a',
  ...over,
});

const emptyList = () => ({ entries: [], total: 0, limit: 100, offset: 0 });

describe('search slice', () => {
  it('keeps one search with the engine at a time, sends only the newest query next, and never shows an older answer', async () => {
    const timers = manualTimers();
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      search: (p) => ({
        results: [{ entryId: String(p.query), title: String(p.query), snippet: `<mark>${String(p.query)}</mark>`, score: 1, kind: 'note', tags: [], chunk: { source: 'body', start: 0, end: 5 } }],
        mode: 'lexical',
        tookMs: 3,
        notices: ['no embedding model: searched by words'],
        cached: false,
      }),
    });
    const store = createAppStore(s.engine, timers);
    s.holdCalls('search');
    store.getState().setSearchQuery('ca');
    timers.runAll();
    for (const query of ['cai', 'cair', 'cairn']) {
      store.getState().setSearchQuery(query);
      timers.runAll();
    }
    // Typing went on while "ca" was with the engine: nothing else was sent.
    expect(s.held.map((h) => h.method)).toEqual(['search']);
    s.held[0]!.release();
    await settle();
    await settle();
    expect(store.getState().searchResults).toEqual([]);
    expect(s.held.map((h) => h.method)).toEqual(['search', 'search']);
    s.held[1]!.release();
    await settle();
    await settle();
    expect(store.getState().searchResults.map((r) => r.entryId)).toEqual(['cairn']);
    expect(store.getState()).toMatchObject({ searchResultsFor: 'cairn', searchLoading: false, searchRanMode: 'lexical', searchNotices: ['no embedding model: searched by words'] });
    expect(s.calls.filter((c) => c.method === 'search').map((c) => c.params)).toEqual([
      { query: 'ca', mode: 'hybrid', limit: 30 },
      { query: 'cairn', mode: 'hybrid', limit: 30 },
    ]);
  });

  it('runs the shown query again when the library changes without marking the palette busy, and shows the newer answer', async () => {
    const timers = manualTimers();
    let round = 0;
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      search: (p) => ({
        results: [{ entryId: `${String(p.query)}-${++round}`, title: String(p.query), snippet: String(p.query), score: 1, kind: 'note', tags: [], chunk: { source: 'body', start: 0, end: 5 } }],
        mode: 'lexical',
        tookMs: 3,
        notices: [],
        cached: false,
      }),
    });
    const store = createAppStore(s.engine, timers);
    await store.getState().start();
    store.getState().openSearch(true);
    s.holdCalls('search');
    store.getState().setSearchQuery('cairn');
    timers.runAll();
    expect(store.getState().searchLoading).toBe(true);
    // An import commits while the query is with the engine: its answer is shown, not busy, and the query runs again.
    s.push({ type: 'changed', head: 2, entryIds: ['d1'], eventTypes: ['DocumentImported'] });
    timers.runAll(); // the refresh of the library
    timers.runAll(); // the search it asks for
    s.held[0]!.release();
    await settle();
    await settle();
    expect(store.getState()).toMatchObject({ searchResultsFor: 'cairn', searchLoading: false });
    expect(store.getState().searchResults.map((r) => r.entryId)).toEqual(['cairn-1']);
    expect(s.held.map((h) => h.method)).toEqual(['search', 'search']);
    expect(store.getState().searchLoading).toBe(false);
    s.held[1]!.release();
    await settle();
    await settle();
    expect(store.getState().searchResults.map((r) => r.entryId)).toEqual(['cairn-2']);
    // A new query is busy until its answer comes.
    store.getState().setSearchQuery('cairns');
    timers.runAll();
    expect(store.getState().searchLoading).toBe(true);
  });

  it('asks nothing when the engine has no search', async () => {
    const timers = manualTimers();
    const s = scriptedEngine({ listEntries: emptyList, tags: () => [] });
    const store = createAppStore(s.engine, timers);
    expect(store.getState().has('search')).toBe(false);
    store.getState().setSearchQuery('anything');
    timers.runAll();
    await settle();
    expect(s.calls.some((c) => c.method === 'search')).toBe(false);
    expect(store.getState().searchResults).toEqual([]);
  });
});

const outcome = (over: Partial<ImportOutcome>): ImportOutcome => ({
  path: null,
  name: 'x',
  outcome: 'imported',
  entryId: null,
  duplicateOf: null,
  documentStatus: 'queued',
  size: 1,
  sha256: 'a'.repeat(64),
  mimeType: 'text/plain',
  error: null,
  ...over,
});

const documentView = (id: string, over: Partial<DocumentView>): DocumentView => ({
  id,
  title: id,
  deleted: false,
  status: 'queued',
  note: null,
  error: null,
  file: { sha256: 'a'.repeat(64), name: id, size: 1, mimeType: 'text/plain' },
  originalHere: true,
  mimeType: 'text/plain',
  pageCount: null,
  ocrUsed: null,
  language: null,
  chars: null,
  textSha256: null,
  warnings: [],
  jobId: 7,
  importedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('import slice', () => {
  it('sends bytes with the chosen OCR languages, follows each file through the processing statuses, and retries a failure by its job', async () => {
    const timers = manualTimers();
    const docs: Record<string, Partial<DocumentView>> = {};
    let n = 0;
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      importBytes: (p) => {
        const id = `doc-${++n}`;
        docs[id] = { status: 'queued' };
        return outcome({ name: String(p.name), entryId: id });
      },
      getDocument: (p) => documentView(String(p.id), docs[String(p.id)]!),
      retryJob: () => ({ retried: [] }),
    });
    const store = createAppStore(s.engine, { ...timers, storage: memoryStorage({ 'cairn.prefs.v1': JSON.stringify({ ocrLanguages: ['chi_sim'] }) }) });
    await store.getState().start();
    const bytes = (text: string) => () => Promise.resolve(new TextEncoder().encode(text).buffer);
    store.getState().importFiles([
      { name: 'a.png', size: 5, read: bytes('hello') },
      { name: 'empty.txt', size: 0, read: bytes('') },
    ]);
    await settle();
    await settle();
    expect(s.calls.filter((c) => c.method === 'importBytes').map((c) => c.params)).toEqual([
      { name: 'a.png', dataBase64: 'aGVsbG8=', ocrLanguages: ['chi_sim'] },
      { name: 'empty.txt', dataBase64: '', ocrLanguages: ['chi_sim'] },
    ]);
    const byName = () => Object.fromEntries(store.getState().imports.map((i) => [i.name, i]));
    expect(store.getState().imports.map((i) => [i.name, i.phase, i.status])).toEqual([
      ['a.png', 'processing', 'queued'],
      ['empty.txt', 'processing', 'queued'],
    ]);

    // OCR under way: the status and the pages read so far.
    docs['doc-1'] = { status: 'ocr' };
    s.push({ type: 'changed', head: 8, entryIds: ['doc-1'], eventTypes: ['DocumentStatusChanged'] });
    s.push({ type: 'progress', task: 'document', entryId: 'doc-1', name: 'a.png', status: 'ocr', done: 1, total: 2 });
    await settle();
    expect(byName()['a.png']).toMatchObject({ phase: 'processing', status: 'ocr', pages: { done: 1, total: 2 } });
    expect(store.getState().progress).toEqual({});

    docs['doc-1'] = { status: 'done' };
    docs['doc-2'] = { status: 'failed', error: { code: 'empty', reason: 'the file is empty', retryable: false }, jobId: 12 };
    s.push({ type: 'changed', head: 9, entryIds: ['doc-1', 'doc-2'], eventTypes: ['DocumentProcessed', 'DocumentProcessingFailed'] });
    await settle();
    await settle();
    expect(byName()['a.png']).toMatchObject({ phase: 'done', entryId: 'doc-1' });
    expect(byName()['empty.txt']).toMatchObject({ phase: 'failed', status: 'failed', code: 'empty', reason: 'the file is empty', jobId: 12 });

    docs['doc-2'] = { status: 'queued', jobId: 12 };
    store.getState().retryImport(byName()['empty.txt']!.key);
    await settle();
    expect(s.calls.filter((c) => c.method === 'retryJob').map((c) => c.params)).toEqual([{ jobId: 12 }]);
    expect(byName()['empty.txt']).toMatchObject({ phase: 'processing', status: 'queued' });
    expect(s.calls.filter((c) => c.method === 'importBytes')).toHaveLength(2);
  });

  it('names the entry that already holds a duplicate, and fails rejected files with the engine’s reason', async () => {
    const timers = manualTimers();
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      importBytes: (p) =>
        p.name === 'again.md'
          ? outcome({ name: 'again.md', outcome: 'duplicate', duplicateOf: 'doc-1', documentStatus: 'done' })
          : outcome({ name: String(p.name), outcome: 'rejected', documentStatus: null, error: { code: 'too_large', message: 'the file is larger than the 1 MB limit' } }),
      getEntry: (p) => entry({ id: String(p.id), title: 'notes.md' }),
    });
    const store = createAppStore(s.engine, timers);
    store.getState().importFiles([
      { name: 'again.md', size: 3, read: () => Promise.resolve(new ArrayBuffer(3)) },
      { name: 'huge.bin', size: 3, read: () => Promise.resolve(new ArrayBuffer(3)) },
    ]);
    for (let i = 0; i < 4; i++) await settle();
    expect(store.getState().imports.map((i) => [i.name, i.phase, i.duplicateOf ?? i.reason])).toEqual([
      ['again.md', 'duplicate', { id: 'doc-1', title: 'notes.md' }],
      ['huge.bin', 'failed', 'the file is larger than the 1 MB limit'],
    ]);
  });

  it('marks files failed with a reason when the engine refuses them, and sends them again on retry', async () => {
    const timers = manualTimers();
    let refuse = true;
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      importBytes: () => {
        if (refuse) throw new EngineError('busy', 'the database is busy');
        return outcome({ entryId: 'doc-1' });
      },
      getDocument: (p) => documentView(String(p.id), { status: 'extracting' }),
    });
    const store = createAppStore(s.engine, timers);
    store.getState().importFiles([{ name: 'setup.md', size: 3, read: () => Promise.resolve(new ArrayBuffer(3)) }]);
    await settle();
    await settle();
    expect(store.getState().imports[0]).toMatchObject({ phase: 'failed', code: 'busy', reason: 'the database is busy' });
    refuse = false;
    store.getState().retryImport(store.getState().imports[0]!.key);
    for (let i = 0; i < 3; i++) await settle();
    expect(store.getState().imports[0]).toMatchObject({ phase: 'processing', status: 'extracting', entryId: 'doc-1' });
  });

  it('imports by path where the engine can read the file (desktop), a folder becoming one item per file', async () => {
    const timers = manualTimers();
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      importPaths: () => ({
        files: [
          outcome({ path: '/home/a/trip/plan.md', name: 'plan.md', entryId: 'doc-1' }),
          outcome({ path: '/home/a/trip/photo.heic', name: 'photo.heic', outcome: 'rejected', documentStatus: null, error: { code: 'unreadable', message: 'permission denied' } }),
        ],
        imported: 1,
        duplicates: 0,
        rejected: 1,
        skipped: 0,
      }),
      getDocument: (p) => documentView(String(p.id), { status: 'extracting' }),
    });
    const store = createAppStore(s.engine, timers);
    store.getState().importFiles([{ name: 'trip', size: 0, path: '/home/a/trip' }]);
    for (let i = 0; i < 4; i++) await settle();
    expect(s.calls.filter((c) => c.method === 'importPaths').map((c) => c.params)).toEqual([{ paths: ['/home/a/trip'], ocrLanguages: ['eng', 'chi_sim'] }]);
    expect(store.getState().imports.map((i) => [i.name, i.phase, i.status ?? i.reason])).toEqual([
      ['photo.heic', 'failed', 'permission denied'],
      ['plan.md', 'processing', 'extracting'],
    ]);
    // The file that failed is sent again by its own path.
    store.getState().retryImport(store.getState().imports[0]!.key);
    await settle();
    expect(s.calls.filter((c) => c.method === 'importPaths').at(-1)?.params).toEqual({ paths: ['/home/a/trip/photo.heic'], ocrLanguages: ['eng', 'chi_sim'] });
  });

  it('streams large files through the host’s upload, and small ones as bytes', async () => {
    const timers = manualTimers();
    const uploads: { name: string; languages: readonly string[] }[] = [];
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      importBytes: (p) => outcome({ name: String(p.name), entryId: 'small' }),
      getDocument: (p) => documentView(String(p.id), { status: 'done' }),
    });
    const host: HostBridge = {
      kind: 'web',
      uploadFile: (_file, name, options) => {
        uploads.push({ name, languages: options.ocrLanguages });
        options.onProgress?.(UPLOAD_OVER_BYTES);
        return Promise.resolve(outcome({ name, entryId: 'large' }));
      },
    };
    const store = createAppStore({ ...s.engine, host }, timers);
    const big = new Blob([new Uint8Array(16)]);
    store.getState().importFiles([
      { name: 'scan.tiff', size: UPLOAD_OVER_BYTES + 1, file: big, read: () => big.arrayBuffer() },
      { name: 'note.md', size: 4, file: new Blob(['# hi']), read: () => Promise.resolve(new ArrayBuffer(4)) },
    ]);
    for (let i = 0; i < 4; i++) await settle();
    expect(uploads).toEqual([{ name: 'scan.tiff', languages: ['eng', 'chi_sim'] }]);
    expect(s.calls.filter((c) => c.method === 'importBytes').map((c) => c.params.name)).toEqual(['note.md']);
    expect(store.getState().imports.map((i) => [i.name, i.phase, i.entryId])).toEqual([
      ['scan.tiff', 'done', 'large'],
      ['note.md', 'done', 'small'],
    ]);
  });
});

describe('model slice (settings)', () => {
  const status = (state: ModelStatus['state'], over: Partial<ModelStatus> = {}): ModelStatus => ({
    state,
    name: state === 'ready' ? 'multilingual-e5-small' : null,
    dir: null,
    source: state === 'ready' ? 'downloaded' : null,
    dims: state === 'ready' ? 384 : null,
    modelId: null,
    hybridWeight: null,
    reason: state === 'ready' ? null : 'no model',
    vectors: { embedded: 0, pending: 10, modelId: null, format: null, partitions: 1 },
    ...over,
  });

  it('loads the status when settings open, downloads with progress, and reports a failed download with the status after it', async () => {
    const timers = manualTimers();
    let fail = true;
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      status: () => ({ dataDir: '/d' }),
      modelStatus: () => status('missing'),
      downloadModel: () => {
        if (fail) throw new EngineError('unsupported', 'the download was interrupted');
        return status('ready');
      },
    });
    const store = createAppStore(s.engine, timers);
    await store.getState().start();
    store.getState().openSettings(true);
    await settle();
    expect(store.getState().model?.state).toBe('missing');

    s.holdCalls('downloadModel');
    const first = store.getState().downloadModel();
    expect(store.getState().modelBusy).toBe(true);
    s.push({ type: 'progress', task: 'model-download', done: 40, total: 120 });
    expect(store.getState().progress['model-download']).toEqual({ done: 40, total: 120 });
    s.held[0]!.release();
    await first;
    expect(store.getState()).toMatchObject({ modelBusy: false, modelError: 'the download was interrupted', model: { state: 'missing' } });

    fail = false;
    s.holdCalls();
    await store.getState().downloadModel();
    expect(store.getState()).toMatchObject({ modelBusy: false, modelError: undefined, model: { state: 'ready', dims: 384 } });
  });
});

describe('entry slice', () => {
  it('autosaves with the version the edit was based on, and flags a conflict instead of overwriting', async () => {
    const timers = manualTimers();
    let current = entry();
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      getEntry: () => current,
      updateEntry: (p) => {
        if (p.expectedVersion !== undefined && p.expectedVersion !== current.version) throw new EngineError('concurrency', 'moved on');
        current = entry({ ...current, title: String(p.title), body: String(p.body), version: current.version + 1 });
        return { entryId: 'e1', version: current.version, changed: true, positions: [] };
      },
    });
    const store = createAppStore(s.engine, timers);
    await store.getState().openEntry('e1');
    store.getState().editDraft({ body: 'mine' });
    expect(store.getState().dirty).toBe(true);
    timers.runAll();
    await settle();
    await settle();
    expect(s.calls.find((c) => c.method === 'updateEntry')?.params).toMatchObject({ id: 'e1', body: 'mine', expectedVersion: 1 });
    expect(store.getState()).toMatchObject({ dirty: false, conflict: false, entry: { version: 2 } });

    // Someone else saves version 3 while this draft has unsaved edits.
    store.getState().editDraft({ body: 'mine again' });
    current = entry({ ...current, body: 'theirs', version: 3 });
    timers.runAll();
    await settle();
    await settle();
    expect(store.getState().conflict).toBe(true);
    expect(store.getState().draft?.body).toBe('mine again');

    await store.getState().saveDraft({ overwrite: true });
    expect(current.body).toBe('mine again');
    expect(store.getState().conflict).toBe(false);
  });
});

describe('library slice', () => {
  it('a list the engine refuses shows the error and is asked again only on the next refresh, not in a loop', async () => {
    let fail = true;
    const s = scriptedEngine({
      listEntries: () => {
        if (fail) throw new EngineError('busy', 'the database is busy');
        return { entries: [entry()], total: 1, limit: 100, offset: 0 };
      },
      tags: () => [],
    });
    const store = createAppStore(s.engine, manualTimers());
    await store.getState().start();
    for (let i = 0; i < 10; i++) await settle();
    expect(s.calls.filter((c) => c.method === 'listEntries')).toHaveLength(1);
    expect(store.getState()).toMatchObject({ libraryLoading: false, libraryError: expect.stringContaining('busy') });
    fail = false;
    await store.getState().refreshLibrary();
    expect(s.calls.filter((c) => c.method === 'listEntries')).toHaveLength(2);
    expect(store.getState()).toMatchObject({ total: 1, libraryError: undefined });
  });

  it('refreshes the visible pages on a change notice and ignores answers for an older filter', async () => {
    const timers = manualTimers();
    const rows = [{ ...entry({ id: 'a', title: 'A' }) }];
    const s = scriptedEngine({
      listEntries: (p) => ({ entries: p.deleted ? [] : rows, total: p.deleted ? 0 : rows.length, limit: 100, offset: 0 }),
      tags: () => [],
    });
    const store = createAppStore(s.engine, timers);
    await store.getState().start();
    await settle();
    expect(store.getState().total).toBe(1);

    rows.push({ ...entry({ id: 'b', title: 'B' }) });
    s.push({ type: 'changed', head: 2, entryIds: ['b'], eventTypes: ['EntryCreated'] });
    timers.runAll();
    await settle();
    await settle();
    expect(store.getState().total).toBe(2);

    s.holdCalls('listEntries');
    void store.getState().refreshLibrary(); // an answer for the live list, held back
    store.getState().setView('trash');
    s.held[0]!.release();
    await settle();
    await settle();
    expect(store.getState().filter.deleted).toBe(true);
    expect(store.getState().pages.size).toBe(0); // the late live-list answer was dropped
    expect(s.held).toHaveLength(2);
    s.held[1]!.release();
    await settle();
    expect(s.calls.at(-1)?.params).toMatchObject({ deleted: true, offset: 0 });
    expect(store.getState().total).toBe(0);
    expect(store.getState().libraryLoading).toBe(false);
  });
});
