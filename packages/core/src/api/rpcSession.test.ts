import { describe, expect, it } from 'vitest';
import type { EngineNotice } from '../engine/views.js';
import { NotFoundError } from '../errors/cairnError.js';
import type { EngineApi } from './engineApi.js';
import { createRpcSession, type HostFrame } from './rpcSession.js';

function fakeApi() {
  const listeners = new Set<(notice: EngineNotice) => void>();
  const api = {
    subscribe(listener: (notice: EngineNotice) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getEntry: ({ id }: { id: string }) => (id === 'missing' ? Promise.reject(new NotFoundError('no entry with id missing')) : Promise.resolve({ id, title: 'T' })),
  } as unknown as EngineApi;
  return { api, listeners, push: (notice: EngineNotice) => listeners.forEach((l) => l(notice)) };
}

describe('createRpcSession', () => {
  it('says hello with the methods, answers calls and pushes notices until closed', async () => {
    const { api, listeners, push } = fakeApi();
    const frames: HostFrame[] = [];
    const session = createRpcSession(api, (f) => frames.push(f), { methods: ['getEntry'] });
    expect(frames[0]).toEqual({ type: 'hello', protocol: 1, methods: ['getEntry'] });

    await session.receive(JSON.stringify({ type: 'call', id: 7, method: 'getEntry', params: { id: 'a' } }));
    expect(frames[1]).toEqual({ type: 'result', id: 7, ok: true, result: { id: 'a', title: 'T' } });

    await session.receive({ type: 'call', id: 'x', method: 'getEntry', params: { id: 'missing' } });
    expect(frames[2]).toMatchObject({ type: 'result', id: 'x', ok: false, error: { code: 'not_found' } });

    push({ type: 'changed', head: 3, entryIds: ['a'], eventTypes: ['EntryUpdated'] });
    expect(frames[3]).toEqual({ type: 'notice', notice: { type: 'changed', head: 3, entryIds: ['a'], eventTypes: ['EntryUpdated'] } });

    session.close();
    expect(listeners.size).toBe(0);
  });

  it('answers malformed frames with a fault and keeps serving', async () => {
    const { api } = fakeApi();
    const frames: HostFrame[] = [];
    const session = createRpcSession(api, (f) => frames.push(f), { maxFrameChars: 100 });
    for (const bad of ['{not json', '42', '[1]', JSON.stringify({ type: 'call', method: 'getEntry' }), JSON.stringify({ type: 'nope', id: 1 }), 'x'.repeat(101)]) {
      await session.receive(bad);
    }
    const faults = frames.filter((f) => f.type === 'fault');
    expect(faults).toHaveLength(6);
    expect(faults.every((f) => f.type === 'fault' && f.error.code === 'validation')).toBe(true);

    await session.receive({ type: 'call', id: 1, method: 'dropTables' });
    expect(frames.at(-1)).toMatchObject({ type: 'result', id: 1, ok: false, error: { code: 'validation' } });
    await session.receive({ type: 'call', id: 2, method: 'getEntry', params: { id: 'a' } });
    expect(frames.at(-1)).toMatchObject({ type: 'result', id: 2, ok: true });
  });
});
