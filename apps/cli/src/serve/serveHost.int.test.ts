// Web mode switching data directories: the real web server over a switchable host, driven through its RPC route and
// a tab's WebSocket, as the UI does.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirRegistry, Engine } from '@cairn/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServeHost } from './serveHost.js';
import { startWebServer, type WebServer } from './webServer.js';

let tmp: string;
let server: WebServer;
let host: ReturnType<typeof createServeHost>;
let registry: DataDirRegistry;
const switched: string[] = [];

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cairn-serve-switch-'));
  registry = new DataDirRegistry(join(tmp, 'config', 'data-dirs.json'));
  switched.length = 0;
  host = createServeHost(join(tmp, 'work'), {
    registry,
    ingestion: false,
    log: () => undefined,
    onSwitched: (dir) => {
      switched.push(dir);
      server.closeSessions('data directory switched');
    },
  });
  server = await startWebServer({ api: host.api, files: host.files, uiDir: undefined, port: 0, token: 'test-token' });
});
afterEach(async () => {
  await server.close();
  await host.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function rpc<T = unknown>(method: string, params: unknown = {}): Promise<{ status: number; ok: boolean; result: T; error: { code: string; message: string } }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/rpc`, {
    method: 'POST',
    headers: { Authorization: 'Bearer test-token', 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 1, method, params }),
  });
  return { status: res.status, ...((await res.json()) as { ok: boolean; result: T; error: { code: string; message: string } }) };
}
const titles = async () => (await rpc<{ entries: { title: string }[] }>('listEntries', {})).result.entries.map((e) => e.title);

describe('cairn serve switching data directories', () => {
  it('re-opens the same server on another directory; tabs are told to reconnect; bad choices change nothing', async () => {
    const home = join(tmp, 'home');
    const other = Engine.open({ dataDir: home });
    await other.submit({ type: 'CreateEntry', entryId: '0190e0a0-0000-7000-8000-000000000001', title: 'at home' });
    other.close();
    await rpc('createEntry', { title: 'at work' });
    expect(await rpc('dataDirs')).toMatchObject({ ok: true, result: { current: join(tmp, 'work'), canSwitch: true, dirs: [{ name: 'work' }] } });

    const aFile = join(tmp, 'notes.txt');
    writeFileSync(aFile, 'x');
    mkdirSync(join(tmp, 'photos'));
    writeFileSync(join(tmp, 'photos', 'a.jpg'), 'x');
    for (const [path, code, status] of [
      [aFile, 'validation', 400],
      [join(tmp, 'photos'), 'validation', 400],
      [join(tmp, 'nowhere'), 'not_found', 404],
      ['', 'validation', 400],
    ] as const) {
      expect(await rpc('openDataDir', { path })).toMatchObject({ status, ok: false, error: { code } });
    }
    expect(await titles()).toEqual(['at work']);

    // A tab is connected: after the switch its session ends (it reconnects and reloads).
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers: { Authorization: 'Bearer test-token' } });
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

    expect(await rpc('openDataDir', { path: home })).toMatchObject({ ok: true, result: { path: home } });
    expect(await titles()).toEqual(['at home']);
    expect(await closed).toBe(1012);
    expect(switched).toEqual([home]);
    expect(host.dataDir).toBe(home);
    expect((await rpc<{ dirs: { name: string }[] }>('dataDirs')).result.dirs.map((d) => d.name)).toEqual(['home', 'work']);
    expect(await rpc('forgetDataDir', { path: home })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('creates a new empty directory with a name and switches to it; refuses one that already holds data', async () => {
    const fresh = join(tmp, 'projects', 'client-x');
    expect(await rpc('createDataDir', { path: fresh, name: 'Client X' })).toMatchObject({ ok: true, result: { path: fresh } });
    expect(await titles()).toEqual([]);
    expect(registry.list().dirs[0]).toMatchObject({ path: fresh, name: 'Client X', exists: true });
    expect(await rpc('createDataDir', { path: join(tmp, 'work') })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await rpc('createDataDir', { path: 'relative/dir' })).toMatchObject({ ok: false, error: { code: 'validation' } });
  });
});
