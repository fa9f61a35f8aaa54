// The data-directory part of the store against a scripted engine: what it asks, and when the page reloads.
import type { DataDirList, EngineNotice } from '@cairn/core';
import { describe, expect, it } from 'vitest';
import { createEngineClient } from '../engine/engineClient.js';
import { EngineError } from '../engine/engineError.js';
import type { ConnectionState, EngineTransport } from '../engine/transport.js';
import { createAppStore } from './appStore.js';

const dir = (path: string, name: string) => ({ path, name, lastOpenedAt: '2026-12-01T10:00:00.000Z', workspace: null, exists: true });

function setup(handlers: Record<string, (params: Record<string, unknown>) => unknown>) {
  const calls: { method: string; params: unknown }[] = [];
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const transport: EngineTransport = {
    ready: () => Promise.resolve(Object.keys(handlers)),
    call(method, params) {
      calls.push({ method, params });
      const handler = handlers[method];
      if (!handler) return Promise.reject(new EngineError('validation', `unknown method "${method}"`));
      return Promise.resolve().then(() => handler(params as Record<string, unknown>));
    },
    subscribe: (_listener: (notice: EngineNotice) => void) => () => undefined,
    onState: (listener) => {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close: () => undefined,
  };
  let reloads = 0;
  const store = createAppStore(createEngineClient(transport, Object.keys(handlers)), { reload: () => reloads++ });
  return { store, calls, reloads: () => reloads, setConnection: (state: ConnectionState) => stateListeners.forEach((l) => l(state)) };
}

describe('data directories in the store', () => {
  it('lists them, and reloads the page after switching to another or creating a new one', async () => {
    let current = '/data/work';
    const list = (): DataDirList => ({ current, canSwitch: true, dirs: [dir('/data/work', 'work'), dir('/data/home', 'home')] });
    const { store, calls, reloads } = setup({
      dataDirs: list,
      openDataDir: ({ path }) => {
        current = path as string;
        return { path };
      },
      createDataDir: ({ path }) => ({ path }),
    });
    store.getState().openDataDirs(true);
    await expect.poll(() => store.getState().dataDirs?.dirs.length).toBe(2);
    expect(await store.getState().switchDataDir('/data/home')).toBe(true);
    expect(calls.at(-1)).toEqual({ method: 'openDataDir', params: { path: '/data/home' } });
    expect(reloads()).toBe(1);
    expect(await store.getState().createDataDir('/data/new', '')).toBe(true);
    expect(calls.at(-1)).toEqual({ method: 'createDataDir', params: { path: '/data/new' } });
    expect(reloads()).toBe(2);
  });

  it('shows why a switch was refused and stays on the page', async () => {
    const { store, reloads } = setup({
      dataDirs: () => ({ current: '/data/work', canSwitch: true, dirs: [] }),
      openDataDir: () => {
        throw new EngineError('validation', '/tmp/notes.txt is a file, not a folder');
      },
    });
    expect(await store.getState().switchDataDir('/tmp/notes.txt')).toBe(false);
    expect(store.getState().dataDirsError).toContain('is a file, not a folder');
    expect(store.getState().dataDirsBusy).toBe(false);
    expect(reloads()).toBe(0);
  });

  it('reloads a tab that reconnects to find another directory open (another tab switched)', async () => {
    let current = '/data/work';
    const { store, reloads, setConnection } = setup({
      dataDirs: () => ({ current, canSwitch: true, dirs: [] }),
      listEntries: () => ({ entries: [], total: 0 }),
      tags: () => [],
    });
    await store.getState().start();
    await store.getState().loadDataDirs();
    setConnection('closed');
    setConnection('open');
    await new Promise((r) => setTimeout(r, 10));
    expect(reloads()).toBe(0);
    current = '/data/home';
    setConnection('closed');
    setConnection('open');
    await expect.poll(() => reloads()).toBe(1);
  });
});
