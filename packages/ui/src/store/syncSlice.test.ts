// The sync slice against a scripted engine: the indicator's state, the panel's actions, and the team's news as toasts.
import type { EngineTeamNotice, SyncOverview, TeamChange } from '@cairn/core';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../engine/engineError.js';
import { createAppStore } from './appStore.js';
import { manualTimers, scriptedEngine, settle, type Handler } from './scriptedEngine.js';

const overview = (over: Partial<SyncOverview> = {}): SyncOverview => ({
  linked: true,
  server: 'https://sync.example.com',
  workspace: 'team',
  state: 'idle',
  live: true,
  pending: 0,
  cursor: 10,
  readOnly: false,
  lastSyncAt: '2026-12-01T10:00:00.000Z',
  lastError: null,
  retryAt: null,
  deviceId: '019ae0b2-4c11-7a3e-9d2f-5b8c1e7f3a64',
  account: { server: 'https://sync.example.com', username: 'alice', userId: 'u1' },
  ...over,
});

const change = (over: Partial<TeamChange> = {}): TeamChange => ({
  entryId: 'e1',
  title: 'Plan',
  kind: 'changed',
  by: { userId: 'u2', deviceId: 'd2', username: 'bob', deviceName: 'Cairn on desk' },
  ...over,
});

const team = (over: Partial<EngineTeamNotice>): EngineTeamNotice => ({ type: 'team', initial: false, entries: 1, changes: [], ...over });

function store(handlers: Record<string, Handler> = {}) {
  const s = scriptedEngine({ listEntries: () => ({ entries: [], total: 0, limit: 100, offset: 0 }), tags: () => [], syncStatus: () => overview(), ...handlers });
  const app = createAppStore(s.engine, manualTimers());
  void app.getState().start();
  return { s, app };
}

describe('sync slice', () => {
  it('shows what the engine says of sync, and follows its notices', async () => {
    const { s, app } = store();
    await settle();
    expect(app.getState().sync).toMatchObject({ state: 'idle', pending: 0 });
    s.push({ type: 'sync', status: overview({ state: 'offline', pending: 3, live: false }) });
    expect(app.getState().sync).toMatchObject({ state: 'offline', pending: 3, live: false });
  });

  it('signs in and keeps the workspaces; a refused sign-in shows the engine’s reason and changes nothing', async () => {
    let refuse = true;
    const { s, app } = store({
      syncLogin: () => {
        if (refuse) throw new EngineError('unauthorized', 'wrong user name or password');
        return { username: 'alice', workspaces: [{ id: 'team', name: 'Team', role: 'editor' }] };
      },
    });
    expect(await app.getState().syncLogin({ server: 'https://sync.example.com', username: 'alice', password: 'nope' })).toBe(false);
    expect(app.getState()).toMatchObject({ syncError: expect.stringContaining('wrong user name or password'), syncBusy: false, syncWorkspaces: [] });
    refuse = false;
    expect(await app.getState().syncLogin({ server: 'https://sync.example.com', username: 'alice', password: 'right' })).toBe(true);
    expect(app.getState()).toMatchObject({ syncError: undefined, syncBusy: false, syncWorkspaces: [{ id: 'team' }] });
    expect(s.calls.filter((c) => c.method === 'syncLogin').map((c) => c.params.password)).toEqual(['nope', 'right']);
  });

  it('says who changed what, one toast for a single change and one line for many', () => {
    const { s, app } = store();
    s.push(team({ changes: [change()] }));
    expect(app.getState().toasts.at(-1)).toMatchObject({ kind: 'info', key: 'team.changed', values: { title: 'Plan', who: 'bob (Cairn on desk)' } });
    s.push(team({ entries: 7, changes: [change(), change({ entryId: 'e2', by: { userId: 'u3', deviceId: 'd3', username: 'carol', deviceName: null } })] }));
    expect(app.getState().toasts.at(-1)).toMatchObject({ key: 'team.many', values: { count: 7, who: 'bob, carol' } });
    // Names not known yet: no one is named.
    s.push(team({ changes: [change({ kind: 'processed', by: { userId: 'u2', deviceId: 'd2', username: null, deviceName: null } })] }));
    expect(app.getState().toasts.at(-1)).toMatchObject({ key: 'team.processedAnonymous', values: { title: 'Plan' } });
  });

  it('gives every conflict (up to three) its own toast, before the rest', () => {
    const { s, app } = store();
    const conflicts = [1, 2, 3, 4].map((i) => change({ entryId: `c${i}`, title: `Clash ${i}`, kind: 'conflict' }));
    s.push(team({ entries: 5, changes: [...conflicts, change({ entryId: 'x', kind: 'created', title: 'New' })] }));
    const toasts = app.getState().toasts;
    expect(toasts.map((t) => [t.key, t.values?.title])).toEqual([
      ['team.conflict', 'Clash 1'],
      ['team.conflict', 'Clash 2'],
      ['team.conflict', 'Clash 3'],
      ['team.created', 'New'],
    ]);
  });

  it('a first sync is one line with the count, however much came', () => {
    const { s, app } = store();
    s.push(team({ initial: true, entries: 12_000 }));
    expect(app.getState().toasts).toEqual([expect.objectContaining({ kind: 'success', key: 'team.initial', values: { count: 12_000 } })]);
  });

  it('asks for the sync state once the engine says hello, so a device linked before the app opened shows as linked', async () => {
    const s = scriptedEngine({ listEntries: () => ({ entries: [], total: 0, limit: 100, offset: 0 }), tags: () => [], syncStatus: () => overview() }, { beforeHello: true });
    const app = createAppStore(s.engine, manualTimers());
    await app.getState().start();
    await settle();
    // Before the hello the client cannot tell whether the engine syncs, so nothing is known yet.
    expect(app.getState().sync).toBeUndefined();
    app.getState().engineReady(['listEntries', 'tags', 'syncStatus']);
    await settle();
    expect(s.calls.filter((c) => c.method === 'syncStatus')).toHaveLength(1);
    expect(app.getState()).toMatchObject({ methods: ['listEntries', 'tags', 'syncStatus'], connectedOnce: true, sync: { linked: true, state: 'idle', workspace: 'team' } });
  });

  it('asks nothing about sync when the engine has no sync', async () => {
    const s = scriptedEngine({ listEntries: () => ({ entries: [], total: 0, limit: 100, offset: 0 }), tags: () => [] }, { beforeHello: true });
    const app = createAppStore(s.engine, manualTimers());
    await app.getState().start();
    app.getState().engineReady(['listEntries', 'tags']);
    await settle();
    expect(s.calls.some((c) => c.method === 'syncStatus')).toBe(false);
    expect(app.getState().sync).toBeUndefined();
  });

  it('lists the account’s workspaces when the panel opens on a signed-in device that is not linked, and not once it is linked', async () => {
    let status = overview({ linked: false, workspace: null, state: 'unlinked' });
    const { s, app } = store({ syncStatus: () => status, syncWorkspaces: () => ({ workspaces: [{ id: 'team', name: 'Team', role: 'editor' }] }) });
    await settle();
    app.getState().openSync(true);
    await settle();
    expect(app.getState().syncWorkspaces).toEqual([{ id: 'team', name: 'Team', role: 'editor' }]);
    app.getState().openSync(false);
    status = overview();
    await app.getState().loadSync();
    const asked = s.calls.filter((c) => c.method === 'syncWorkspaces').length;
    app.getState().openSync(true);
    await settle();
    expect(s.calls.filter((c) => c.method === 'syncWorkspaces').length).toBe(asked);
    expect(app.getState().syncError).toBeUndefined();
  });
});
