// The engine process's sessions over a real engine in a temporary data directory.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalEngineApi, Engine, systemEnvironment } from '@cairn/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { FromEngineProcess } from '../ipc/contract.js';
import { createEngineSessions } from './engineSessions.js';
import { exportForOpening } from './openOriginal.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((fn) => fn()));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-desktop-'));
  const engine = Engine.open({ dataDir: dir });
  const posted: FromEngineProcess[] = [];
  const api = createLocalEngineApi(engine, systemEnvironment.newId);
  const sessions = createEngineSessions(api, (m) => posted.push(m));
  cleanups.push(() => {
    sessions.closeAll();
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { posted, sessions, api, dir };
}

describe('engine sessions (utility process side)', () => {
  it('gives each window a session, answers its calls, and pushes changes to every window', async () => {
    const { posted, sessions } = setup();
    await sessions.receive({ kind: 'open', session: 1 });
    await sessions.receive({ kind: 'open', session: 2 });
    expect(posted.filter((m) => m.kind === 'frame' && m.frame.type === 'hello').map((m) => m.kind === 'frame' && m.session)).toEqual([1, 2]);
    await sessions.receive({ kind: 'frame', session: 1, frame: { type: 'call', id: 1, method: 'createEntry', params: { title: 'From window 1' } } });
    const result = posted.find((m) => m.kind === 'frame' && m.session === 1 && m.frame.type === 'result');
    expect(result).toMatchObject({ frame: { ok: true, id: 1 } });
    const notices = posted.filter((m) => m.kind === 'frame' && m.frame.type === 'notice').map((m) => m.kind === 'frame' && m.session);
    expect(notices.sort()).toEqual([1, 2]);

    await sessions.receive({ kind: 'close', session: 2 });
    expect(sessions.count()).toBe(1);
  });

  it('opens a session for a frame from a window it does not know (after a restart), and ignores junk', async () => {
    const { posted, sessions } = setup();
    await sessions.receive({ kind: 'frame', session: 7, frame: JSON.stringify({ type: 'call', id: 'a', method: 'status' }) });
    expect(posted.map((m) => m.kind === 'frame' && m.frame.type)).toEqual(['hello', 'result']);
    for (const junk of [null, 42, 'x', { kind: 'frame' }, { kind: 'explode', session: 1 }]) await sessions.receive(junk);
    expect(posted).toHaveLength(2);
  });

  it('copies a document’s original into the given folder under a safe name, for the OS to open', async () => {
    const { api, dir } = setup();
    const imported = await api.importBytes({ name: '../../evil:name?.md', dataBase64: Buffer.from('# Original\n').toString('base64') });
    const target = join(dir, 'originals');
    const answer = await exportForOpening(api, imported.entryId!, target);
    expect(answer).toMatchObject({ kind: 'exported', entryId: imported.entryId });
    const path = (answer as { path: string }).path;
    expect(path.startsWith(join(target, imported.entryId!) + '/')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('# Original\n');
    // Opening again overwrites the copy (the person may have changed it in another app).
    await expect(exportForOpening(api, imported.entryId!, target)).resolves.toMatchObject({ kind: 'exported', path });
    await expect(exportForOpening(api, '01900000-0000-7000-8000-000000000000', target)).resolves.toMatchObject({ kind: 'exportFailed' });
    expect(existsSync(join(target, '01900000-0000-7000-8000-000000000000'))).toBe(false);
  });
});
