// The engine process under Node: its port and main's keychain are fakes, the engine and the files are real.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirRegistry, Engine, SyncTransportError, type SyncTransport } from '@cairn/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FromEngineProcess, KeychainRequest, ToEngineProcess } from '../ipc/contract.js';
import { answerKeychain, type SafeStorageLike } from '../main/keychain.js';
import { fakeSafeStorage } from '../testing/fakeSafeStorage.js';
import { chooseDataDir, runEngineMain, type ParentPortLike } from './engineMain.js';
import { openSecretStore, PLAIN_FILE, SEALED_FILE, type Keychain } from './sealedSecretStore.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cairn-engine-main-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Main's side of the keychain, answering on a later turn as IPC would. */
const keychainOf = (safe: SafeStorageLike): Keychain => ({
  ask: (op, value) => new Promise((resolve) => setImmediate(() => resolve(answerKeychain(safe, 'linux', { kind: 'keychain', requestId: 1, op, value })))),
});
const credentials = JSON.stringify({ server: 'https://sync.example.com', username: 'ana', userId: 'u1', token: 'secret-token-42', tokenId: 't1', serverDeviceId: 'd1' });
const logs: string[] = [];
const log = (m: string) => void logs.push(m);

describe('the device token in the desktop app', () => {
  it('keeps only the sealed token on disk (mode 0600) and reads it back in the next process', async () => {
    const opened = await openSecretStore(tmp, keychainOf(fakeSafeStorage()), log);
    expect(opened.kind).toBe('keychain');
    opened.store.write('first');
    opened.store.write(credentials);
    expect(opened.store.read()).toBe(credentials);
    await opened.flushed();
    const onDisk = readFileSync(join(tmp, SEALED_FILE), 'utf8');
    expect(onDisk).not.toContain('secret-token-42');
    expect(Buffer.from(onDisk, 'base64').toString()).not.toContain('secret-token-42');
    expect(statSync(join(tmp, SEALED_FILE)).mode & 0o777).toBe(0o600);
    expect(existsSync(join(tmp, PLAIN_FILE))).toBe(false);

    const next = await openSecretStore(tmp, keychainOf(fakeSafeStorage()), log);
    expect(next.store.read()).toBe(credentials);
    next.store.remove();
    expect(existsSync(join(tmp, SEALED_FILE))).toBe(false);
    expect((await openSecretStore(tmp, keychainOf(fakeSafeStorage()), log)).store.read()).toBeUndefined();
  });

  it('moves a token the CLI left in the plain file into the keychain', async () => {
    writeFileSync(join(tmp, PLAIN_FILE), credentials, { mode: 0o600 });
    const opened = await openSecretStore(tmp, keychainOf(fakeSafeStorage()), log);
    expect(opened.store.read()).toBe(credentials);
    await opened.flushed();
    expect(existsSync(join(tmp, PLAIN_FILE))).toBe(false);
    expect((await openSecretStore(tmp, keychainOf(fakeSafeStorage()), log)).store.read()).toBe(credentials);
  });

  it('falls back to the file only the user can read when there is no keychain', async () => {
    const opened = await openSecretStore(tmp, keychainOf(fakeSafeStorage({ backend: 'basic_text' })), log);
    expect(opened.kind).toBe('file');
    opened.store.write(credentials);
    expect(readFileSync(join(tmp, PLAIN_FILE), 'utf8')).toBe(credentials);
    expect(statSync(join(tmp, PLAIN_FILE)).mode & 0o777).toBe(0o600);
    expect(existsSync(join(tmp, SEALED_FILE))).toBe(false);
  });

  it('counts a sealed token the keychain cannot open as signed out, and says so', async () => {
    writeFileSync(join(tmp, SEALED_FILE), Buffer.from('from another keychain').toString('base64'));
    logs.length = 0;
    const opened = await openSecretStore(tmp, keychainOf(fakeSafeStorage()), log);
    expect(opened.store.read()).toBeUndefined();
    expect(logs.join('\n')).toContain('sign in again');
  });
});

/** A fake parentPort wired to a fake main: keychain requests are answered with safeStorage, the rest collected. */
function fakeMain(safe: SafeStorageLike = fakeSafeStorage()) {
  const listeners: ((event: { data: unknown }) => void)[] = [];
  const posted: FromEngineProcess[] = [];
  const deliver = (message: ToEngineProcess) => setImmediate(() => listeners.forEach((l) => l({ data: message })));
  const port: ParentPortLike = {
    on: (_event, listener) => void listeners.push(listener),
    postMessage(message) {
      if (message.kind === 'keychain') return deliver(answerKeychain(safe, 'linux', message satisfies KeychainRequest));
      posted.push(message);
    },
  };
  const results = () => posted.flatMap((m) => (m.kind === 'frame' && m.frame.type === 'result' ? [m.frame] : []));
  let nextId = 1;
  const call = async (method: string, params: unknown = {}) => {
    const id = nextId++;
    deliver({ kind: 'frame', session: 1, frame: { type: 'call', id, method, params } });
    for (let i = 0; i < 200; i++) {
      const found = results().find((r) => r.id === id);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no answer to ${method}`);
  };
  return { port, posted, deliver, call };
}

describe('the engine process', () => {
  it('syncs with the token main unseals, lists and switches data directories, and closes on shutdown', async () => {
    const work = join(tmp, 'work');
    const home = join(tmp, 'home');
    Engine.open({ dataDir: home }).close();
    const linked = Engine.open({ dataDir: work });
    linked.sync.setLink({ server: 'https://sync.example.com', workspace: 'team', userId: 'u1', serverDeviceId: 'd1' });
    linked.close();
    // A token sealed earlier by this keychain, as the app leaves it.
    const sealed = await openSecretStore(work, keychainOf(fakeSafeStorage()), log);
    sealed.store.write(credentials);
    await sealed.flushed();

    const main = fakeMain();
    const registry = new DataDirRegistry(join(tmp, 'config', 'data-dirs.json'));
    const exits: number[] = [];
    main.deliver({ kind: 'open', session: 1 }); // before the engine is open: kept until it is
    // The server, as the sync client sees it: every call is recorded, with the token it was made with.
    const calls: string[] = [];
    const down = (what: string) => () => {
      calls.push(what);
      return Promise.reject(new SyncTransportError('unavailable', 'the test server is down'));
    };
    const tokens: string[] = [];
    const transport = (_server: string, token: string): SyncTransport => {
      tokens.push(token);
      return { push: down('push'), pull: down('pull'), hasBlob: down('hasBlob'), putBlob: down('putBlob'), getBlob: down('getBlob') };
    };
    const running = await runEngineMain({ port: main.port, argv: ['--data', work], env: {}, exit: (c) => void exits.push(c), log, registry, sync: { transport } });
    expect(running?.dataDir).toBe(work);
    expect(main.posted.find((m) => m.kind === 'ready')).toMatchObject({ dataDir: work });

    expect(await main.call('syncStatus')).toMatchObject({ ok: true, result: { linked: true, workspace: 'team', account: { username: 'ana', server: 'https://sync.example.com' } } });
    // Syncing in the background, on its own, with the token main unsealed.
    for (let i = 0; i < 200 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls.length).toBeGreaterThan(0);
    expect(tokens).toEqual(['secret-token-42']);
    const listed = await main.call('dataDirs');
    expect(listed).toMatchObject({ ok: true, result: { current: work, canSwitch: true, dirs: [{ path: work, name: 'work', exists: true }] } });

    const aFile = join(tmp, 'notes.txt');
    writeFileSync(aFile, 'x');
    expect(await main.call('openDataDir', { path: aFile })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await main.call('openDataDir', { path: join(tmp, 'nowhere') })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(main.posted.some((m) => m.kind === 'switchDataDir')).toBe(false);
    expect(await main.call('openDataDir', { path: home })).toMatchObject({ ok: true, result: { path: home } });
    expect(main.posted.filter((m) => m.kind === 'switchDataDir')).toEqual([{ kind: 'switchDataDir', dataDir: home }]);

    main.deliver({ kind: 'shutdown' });
    for (let i = 0; i < 200 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(exits).toEqual([0]);
    const after = calls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(calls.length).toBe(after);
    // Closed: another process may open the directory now.
    Engine.open({ dataDir: work }).close();
  });

  it('reopens the directory opened last when none is named', () => {
    const registry = new DataDirRegistry(join(tmp, 'config', 'data-dirs.json'));
    const a = join(tmp, 'a');
    const gone = join(tmp, 'gone');
    Engine.open({ dataDir: a }).close();
    registry.recordOpened(a);
    registry.recordOpened(gone);
    expect(chooseDataDir([], {}, registry)).toBe(a);
    expect(chooseDataDir([], { CAIRN_DATA_DIR: '/env/dir' }, registry)).toBe('/env/dir');
    expect(chooseDataDir(['--data', '/flag/dir'], { CAIRN_DATA_DIR: '/env/dir' }, registry)).toBe('/flag/dir');
  });
});
