// `cairn sync` as a person uses it: two data directories (two devices) and a real sync server in this process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PgliteDb } from '@cairn/sync-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliBin, runCliAsync } from '../testing/runCli.js';
import { SyncWorld } from '../testing/syncWorld.js';

const password = 'correct horse battery';
let instance: Awaited<ReturnType<typeof PgliteDb.createInstance>>;
let world: SyncWorld | undefined;
let tmp: string;
let n = 0;
beforeAll(async () => {
  instance = await PgliteDb.createInstance();
  tmp = mkdtempSync(join(tmpdir(), 'cairn-sync-cli-'));
});
afterAll(async () => {
  await instance.close();
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const device = () => {
  const dir = join(tmp, `device-${n++}`);
  return (args: string[], input?: string) => runCliAsync(['--data', dir, ...args], input === undefined ? {} : { input });
};

describe('cairn sync', () => {
  it('signs in, links a data directory, clones it onto a second device, and keeps both in step', async () => {
    world = await SyncWorld.start(instance);
    const laptop = device();
    const desktop = device();

    const login = await laptop(['sync', 'login', world.url, '--user', 'alice', '--signup', '--password-stdin'], `${password}\n`);
    expect(login.stderr).toBe('');
    expect(login.stdout).toContain('signed in to');
    expect(login.stdout).toContain('as alice');
    const note = (await laptop(['add', '--title', 'Plan', '--body', 'first line', '--tag', 'work', '--json'])).json<{ id: string }>();

    const linked = await laptop(['sync', 'link', '--workspace', 'team', '--create', '--name', 'Team', '--json']);
    expect(linked.code).toBe(0);
    expect(linked.json()).toMatchObject({ pushed: 1, status: { linked: true, workspace: 'team', pending: 0, account: { username: 'alice' } } });

    const cloned = await desktop(['sync', 'clone', world.url, '--workspace', 'team', '--user', 'alice', '--password-stdin'], password);
    expect(cloned.stderr).toBe('');
    expect(cloned.stdout).toMatch(/cloned team into .*pulled 1/);
    expect((await desktop(['show', note.id, '--json'])).json()).toMatchObject({ title: 'Plan', body: 'first line', tags: ['work'] });

    // An edit on the desktop reaches the laptop with the next sync.
    await desktop(['edit', note.id, '--body', 'first line\nsecond line']);
    expect((await desktop(['sync', 'status', '--json'])).json()).toMatchObject({ pending: 1, linked: true });
    expect((await desktop(['sync', 'now', '--json'])).json()).toMatchObject({ pushed: 1 });
    expect((await laptop(['sync', 'now'])).stdout).toContain('pulled 1');
    expect((await laptop(['show', note.id, '--json'])).json()).toMatchObject({ body: 'first line\nsecond line' });

    const status = await laptop(['sync', 'status']);
    expect(status.stdout).toContain('team on http://127.0.0.1');
    expect(status.stdout).toContain('pending: 0 events to push');
    // Both devices' histories agree on who did what, as the server recorded it.
    const history = (run: Awaited<ReturnType<typeof laptop>>) => run.json<{ versions: { version: number; actorId: string; deviceId: string }[] }>().versions.map(({ version, actorId, deviceId }) => ({ version, actorId, deviceId }));
    expect(history(await laptop(['history', note.id, '--json']))).toEqual(history(await desktop(['history', note.id, '--json'])));
    // And by name, as the server lists the account.
    expect((await laptop(['history', note.id])).stdout).toMatch(/alice +Cairn on /);
  });

  it('keeps the token in a file only this user can read, and never in the log or the output', async () => {
    world = await SyncWorld.start(instance);
    const dir = join(tmp, `device-${n++}`);
    const run = (args: string[], input?: string) => runCliAsync(['--data', dir, ...args], input === undefined ? {} : { input });
    const login = await run(['sync', 'login', world.url, '--user', 'bob', '--signup', '--password-stdin', '--json'], password);
    expect(login.code).toBe(0);
    expect(statSync(join(dir, 'sync-credentials.json')).mode & 0o777).toBe(0o600);
    const status = await run(['sync', 'status', '--json']);
    expect(status.stdout).not.toContain('cairn_');
    expect(status.json()).toMatchObject({ linked: false, account: { username: 'bob' } });
  });

  it('says what went wrong and what to do: a bad URL, a wrong password, no server, not signed in, signed out', async () => {
    world = await SyncWorld.start(instance);
    const laptop = device();
    const bad = await laptop(['sync', 'login', 'sync.example.com', '--user', 'alice', '--password-stdin'], password);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a URL');

    const notLinked = await laptop(['sync', 'now']);
    expect(notLinked.code).toBe(2);
    expect(notLinked.stderr).toContain('link this data directory to a workspace first');
    const notSignedIn = await laptop(['sync', 'link', '--workspace', 'team']);
    expect(notSignedIn.code).toBe(10);
    expect(notSignedIn.stderr).toContain('sign in first');

    await laptop(['sync', 'login', world.url, '--user', 'alice', '--signup', '--password-stdin'], password);
    const wrong = await laptop(['sync', 'login', world.url, '--user', 'alice', '--password-stdin'], 'not the password');
    expect(wrong.code).toBe(10);
    expect(wrong.stderr).toMatch(/error: .*(password|sign)/i);

    const noServer = await laptop(['sync', 'login', 'http://127.0.0.1:9', '--user', 'alice', '--password-stdin'], password);
    expect(noServer.code).toBe(11);
    expect(noServer.stderr).toContain('cannot be reached');

    const noPassword = await laptop(['sync', 'login', world.url, '--user', 'alice']);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('--password-stdin');

    await laptop(['sync', 'link', '--workspace', 'team', '--create']);
    const note = (await laptop(['add', '--title', 'Offline thought', '--json'])).json<{ id: string }>();
    const out = await laptop(['sync', 'logout']);
    expect(out.stdout).toContain('signed out');
    const after = await laptop(['sync', 'now']);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('sign in first');
    const status = (await laptop(['sync', 'status', '--json'])).json<{ pending: number; account: unknown; lastError: { action: string } }>();
    expect(status).toMatchObject({ pending: 1, account: null });
    expect(status.lastError.action).toContain('sign in again');
    expect((await laptop(['show', note.id, '--json'])).code).toBe(0);

    // Signing in again sends what waited.
    await laptop(['sync', 'login', world.url, '--user', 'alice', '--password-stdin'], password);
    expect((await laptop(['sync', 'now', '--json'])).json()).toMatchObject({ pushed: 1 });
  });

  it('sync watch stays connected and pulls a teammate’s edit as it happens, then stops cleanly on SIGINT', async () => {
    world = await SyncWorld.start(instance);
    const laptopDir = join(tmp, `device-${n++}`);
    const laptop = (args: string[], input?: string) => runCliAsync(['--data', laptopDir, ...args], input === undefined ? {} : { input });
    const desktop = device();
    await laptop(['sync', 'login', world.url, '--user', 'alice', '--signup', '--password-stdin'], password);
    await laptop(['sync', 'link', '--workspace', 'team', '--create']);
    await desktop(['sync', 'clone', world.url, '--workspace', 'team', '--user', 'alice', '--password-stdin'], password);

    const child = spawn(process.execPath, [cliBin, '--data', laptopDir, '--json', 'sync', 'watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const lines: { live: boolean; cursor: number }[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line) as { live: boolean; cursor: number }));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await expect.poll(() => lines.some((line) => line.live), { timeout: 15_000 }).toBe(true);

    const note = (await desktop(['add', '--title', 'Live note', '--json'])).json<{ id: string }>();
    await desktop(['sync', 'now']);
    await expect.poll(() => lines.at(-1)?.cursor ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect({ code: await exited, stderr }).toEqual({ code: 0, stderr: '' });
    expect((await laptop(['show', note.id, '--json'])).json()).toMatchObject({ title: 'Live note' });
  });
});
