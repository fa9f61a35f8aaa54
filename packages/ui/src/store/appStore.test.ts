// The store against a scripted engine: what it asks, and what it shows for each answer.
import type { EngineNotice, EntryView } from '@cairn/core';
import { describe, expect, it } from 'vitest';
import { createEngineClient } from '../engine/engineClient.js';
import { EngineError } from '../engine/engineError.js';
import type { ConnectionState, EngineTransport } from '../engine/transport.js';
import { createAppStore } from './appStore.js';

type Handler = (params: Record<string, unknown>) => unknown;

/** A transport whose methods are scripted; calls resolve when the test releases them (or at once). */
function scriptedEngine(handlers: Record<string, Handler>) {
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const listeners = new Set<(notice: EngineNotice) => void>();
  const held: { method: string; release: () => void }[] = [];
  let hold: string[] = [];
  const transport: EngineTransport = {
    ready: () => Promise.resolve(Object.keys(handlers)),
    call(method, params) {
      calls.push({ method, params: params as Record<string, unknown> });
      const handler = handlers[method];
      if (!handler) return Promise.reject(new EngineError('validation', `unknown method "${method}"`));
      const run = () => Promise.resolve().then(() => handler(params as Record<string, unknown>));
      if (!hold.includes(method)) return run();
      return new Promise((resolve, reject) => held.push({ method, release: () => void run().then(resolve, reject) }));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onState: (_listener: (state: ConnectionState) => void) => () => undefined,
    close: () => undefined,
  };
  const engine = createEngineClient(transport, Object.keys(handlers));
  return {
    engine,
    calls,
    held,
    holdCalls: (...methods: string[]) => (hold = methods),
    push: (notice: EngineNotice) => listeners.forEach((l) => l(notice)),
  };
}

/** Timers the test fires by hand. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    setTimer: (fn: () => void) => {
      pending.set(next, fn);
      return next++;
    },
    clearTimer: (handle: unknown) => void pending.delete(handle as number),
    runAll() {
      const fns = [...pending.values()];
      pending.clear();
      fns.forEach((fn) => fn());
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

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

describe('search slice (for the planned `search` method)', () => {
  it('shows the answer to the newest query, never an older one that arrives late', async () => {
    const timers = manualTimers();
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      search: (p) => ({ results: [{ entryId: String(p.query), title: String(p.query), snippet: `<mark>${String(p.query)}</mark>`, score: 1 }], mode: 'hybrid', tookMs: 3 }),
    });
    const store = createAppStore(s.engine, timers);
    s.holdCalls('search');
    store.getState().setSearchQuery('ca');
    timers.runAll();
    store.getState().setSearchQuery('cairn');
    timers.runAll();
    expect(s.held.map((h) => h.method)).toEqual(['search', 'search']);
    s.held[1]!.release();
    await settle();
    s.held[0]!.release();
    await settle();
    expect(store.getState().searchResults.map((r) => r.entryId)).toEqual(['cairn']);
    expect(s.calls.filter((c) => c.method === 'search').map((c) => c.params)).toEqual([
      { query: 'ca', mode: 'hybrid', limit: 30 },
      { query: 'cairn', mode: 'hybrid', limit: 30 },
    ]);
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

describe('import slice (for the planned import methods)', () => {
  it('sends bytes, follows each file to done or failed by its document status, and retries a failure', async () => {
    const timers = manualTimers();
    const statuses: Record<string, { status: string; error?: string; jobId?: string }> = {};
    let n = 0;
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      importBytes: (p) => {
        const id = `doc-${++n}`;
        statuses[id] = { status: 'processing' };
        return { entryId: id, name: p.name };
      },
      getDocument: (p) => ({ entryId: p.id, ...statuses[String(p.id)] }),
      retryJob: (p) => ({ id: p.id }),
    });
    const store = createAppStore(s.engine, timers);
    await store.getState().start();
    const bytes = (text: string) => () => Promise.resolve(new TextEncoder().encode(text).buffer);
    store.getState().importFiles([
      { name: 'a.md', size: 5, read: bytes('hello') },
      { name: 'empty.txt', size: 0, read: bytes('') },
    ]);
    await settle();
    await settle();
    expect(s.calls.filter((c) => c.method === 'importBytes').map((c) => c.params)).toEqual([
      { name: 'a.md', dataBase64: 'aGVsbG8=' },
      { name: 'empty.txt', dataBase64: '' },
    ]);
    expect(store.getState().imports.map((i) => i.state)).toEqual(['processing', 'processing']);

    statuses['doc-1'] = { status: 'done' };
    statuses['doc-2'] = { status: 'failed', error: 'the file is empty', jobId: 'job-2' };
    s.push({ type: 'changed', head: 9, entryIds: ['doc-1', 'doc-2'], eventTypes: ['DocumentProcessed', 'DocumentProcessingFailed'] });
    await settle();
    await settle();
    const byName = () => Object.fromEntries(store.getState().imports.map((i) => [i.name, i]));
    expect(byName()['a.md']).toMatchObject({ state: 'done', entryId: 'doc-1' });
    expect(byName()['empty.txt']).toMatchObject({ state: 'failed', reason: 'the file is empty', jobId: 'job-2' });

    statuses['doc-2'] = { status: 'processing' };
    store.getState().retryImport(byName()['empty.txt']!.key);
    await settle();
    expect(s.calls.filter((c) => c.method === 'retryJob').map((c) => c.params)).toEqual([{ id: 'job-2' }]);
    expect(byName()['empty.txt']!.state).toBe('processing');
  });

  it('marks files failed with a reason when the engine refuses them', async () => {
    const timers = manualTimers();
    const s = scriptedEngine({
      listEntries: emptyList,
      tags: () => [],
      importBytes: () => {
        throw new EngineError('unsupported', 'application/x-msdownload is not a supported type');
      },
    });
    const store = createAppStore(s.engine, timers);
    store.getState().importFiles([{ name: 'setup.exe', size: 3, read: () => Promise.resolve(new ArrayBuffer(3)) }]);
    await settle();
    await settle();
    expect(store.getState().imports[0]).toMatchObject({ state: 'failed', reason: 'application/x-msdownload is not a supported type' });
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
