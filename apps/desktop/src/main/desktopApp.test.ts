// The main process's logic under Node, with Electron replaced by fakes at the boundary.
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipcChannels, originalScheme, originalUrl, type FromEngineProcess, type ToEngineProcess } from '../ipc/contract.js';
import { createEngineHost, type EngineProcessLike } from './engineHost.js';
import { createIpcRouter, type IpcEventLike } from './ipcRouter.js';
import { fakeSafeStorage } from '../testing/fakeSafeStorage.js';
import { answerKeychain } from './keychain.js';
import { buildMenu, englishMenuLabels, type MenuItemSpec } from './menu.js';
import { createOpenFileQueue, dataDirFromArgv, filesFromArgv } from './openFiles.js';
import { isInside } from './paths.js';
import { isAppUrl, isExternalLink, startDesktop, type DesktopDeps, type WindowLike, type WindowSpec } from './desktopApp.js';
import { createWindowStateKeeper, fitToDisplays, parseWindowState } from './windowState.js';

const screen = { x: 0, y: 0, width: 1920, height: 1080 };

describe('window state', () => {
  it('keeps saved bounds on a display that exists, shrinking and moving them inside it', () => {
    expect(fitToDisplays({ bounds: { x: 100, y: 80, width: 1000, height: 700 }, maximized: false }, [screen]).bounds).toEqual({ x: 100, y: 80, width: 1000, height: 700 });
    // Mostly off the right edge: moved back in.
    expect(fitToDisplays({ bounds: { x: 1800, y: 900, width: 1000, height: 700 }, maximized: true }, [screen])).toEqual({ bounds: { x: 920, y: 380, width: 1000, height: 700 }, maximized: true });
    // On a monitor that was unplugged: centred on the one there is.
    expect(fitToDisplays({ bounds: { x: 3000, y: 0, width: 800, height: 600 }, maximized: false }, [screen]).bounds).toEqual({ x: 320, y: 130, width: 1280, height: 820 });
    // On the second of two displays: stays there.
    const second = { x: 1920, y: 0, width: 1280, height: 1024 };
    expect(fitToDisplays({ bounds: { x: 2000, y: 50, width: 2000, height: 2000 }, maximized: false }, [screen, second]).bounds).toEqual({ x: 1920, y: 0, width: 1280, height: 1024 });
  });

  it('ignores a malformed state file', () => {
    for (const text of [undefined, '', '{', '[]', '{"bounds":{"x":"1"}}', '{"bounds":{"x":1,"y":2,"width":null,"height":4}}']) expect(parseWindowState(text)).toBeUndefined();
    expect(fitToDisplays(parseWindowState('not json'), [screen]).bounds.width).toBe(1280);
  });

  it('saves a while after the last change, and at once on flush', () => {
    const writes: string[] = [];
    const timers: (() => void)[] = [];
    const keeper = createWindowStateKeeper({ read: () => undefined, write: (t) => writes.push(t) }, (fn) => {
      timers.push(fn);
      return () => timers.splice(timers.indexOf(fn), 1);
    });
    keeper.changed({ bounds: { x: 1, y: 1, width: 800, height: 600 }, maximized: false });
    keeper.changed({ bounds: { x: 2, y: 2, width: 800, height: 600 }, maximized: false });
    expect(timers).toHaveLength(1);
    timers[0]!();
    expect(writes.map((w) => (JSON.parse(w) as { bounds: { x: number } }).bounds.x)).toEqual([2]);
    keeper.changed({ bounds: { x: 3, y: 3, width: 800, height: 600 }, maximized: true });
    keeper.flush();
    expect(JSON.parse(writes.at(-1)!)).toEqual({ bounds: { x: 3, y: 3, width: 800, height: 600 }, maximized: true });
  });
});

describe('files from the OS', () => {
  it('takes file arguments, not flags, the executable or the app folder', () => {
    expect(filesFromArgv(['/opt/Cairn/cairn', '--no-sandbox', '/home/a/report.pdf', '--data', '/d', 'notes.md'], { packaged: true })).toEqual(['/home/a/report.pdf', 'notes.md']);
    expect(filesFromArgv(['electron', '/repo/apps/desktop', '/tmp/x.png'], { packaged: false })).toEqual(['/tmp/x.png']);
    expect(dataDirFromArgv(['electron', '.', '--data', '/tmp/d'])).toBe('/tmp/d');
    expect(dataDirFromArgv(['electron', '.', '--data=/tmp/e'])).toBe('/tmp/e');
  });

  it('holds files until a window can take them', () => {
    const queue = createOpenFileQueue();
    const got: string[][] = [];
    queue.add(['/a']);
    queue.add(['/b']);
    queue.attach((paths) => got.push(paths));
    queue.add(['/c']);
    queue.detach();
    queue.add(['/d']);
    expect(got).toEqual([['/a', '/b'], ['/c']]);
  });
});

describe('menu', () => {
  const commands = (items: readonly MenuItemSpec[]): string[] => items.flatMap((i) => [...(i.command ? [i.command] : []), ...commands(i.submenu ?? [])]);

  it('offers the app commands with their shortcuts, and Import only when the engine can import', () => {
    const linux = buildMenu('linux', englishMenuLabels, { importAvailable: false, devTools: false });
    expect(commands(linux)).toEqual(['newNote', 'save', 'settings', 'search', 'history']);
    expect(commands(buildMenu('linux', englishMenuLabels, { importAvailable: true, devTools: false }))).toContain('import');
    const mac = buildMenu('darwin', englishMenuLabels, { importAvailable: false, devTools: true });
    expect(mac[0]!.role).toBe('appMenu');
    expect(JSON.stringify(mac)).toContain('toggleDevTools');
    expect(JSON.stringify(linux)).not.toContain('toggleDevTools');
  });
});

class FakeContents extends EventEmitter {
  sent: [string, unknown][] = [];
  destroyed = false;
  openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
  constructor(readonly id: number) {
    super();
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (d: { url: string }) => { action: 'deny' }) {
    this.openHandler = handler;
  }
  destroy() {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcEventLike, payload: unknown) => void>();
  return {
    on: (channel: string, listener: (event: IpcEventLike, payload: unknown) => void) => void handlers.set(channel, listener),
    emit: (channel: string, sender: FakeContents, url: string | null, payload: unknown) => handlers.get(channel)?.({ sender, senderFrame: url === null ? null : { url } }, payload),
    channels: () => [...handlers.keys()],
  };
}

const appHtml = '/opt/cairn/resources/app/dist/renderer/index.html';
const appUrl = `file://${appHtml}`;

describe('IPC router', () => {
  it('listens only on the contract channel, only to the app page, and gives each window its own session', () => {
    const ipcMain = fakeIpcMain();
    const toEngine: ToEngineProcess[] = [];
    const logs: string[] = [];
    const originals: string[] = [];
    const router = createIpcRouter({
      ipcMain,
      isAppUrl: (url) => isAppUrl(url, appHtml),
      toEngine: (m) => toEngine.push(m),
      openOriginal: (id) => originals.push(id),
      log: (m) => logs.push(m),
      maxFrameChars: 100,
    });
    expect(ipcMain.channels().sort()).toEqual([ipcChannels.openOriginal, ipcChannels.toEngine].sort());

    const a = new FakeContents(1);
    const b = new FakeContents(2);
    ipcMain.emit(ipcChannels.toEngine, a, 'https://evil.example/', { type: 'call', id: 1, method: 'status' });
    ipcMain.emit(ipcChannels.toEngine, a, null, { type: 'call', id: 1, method: 'status' });
    ipcMain.emit(ipcChannels.toEngine, a, `file:///tmp/other.html`, { type: 'call', id: 1, method: 'status' });
    expect(toEngine).toEqual([]);
    expect(logs).toHaveLength(3);

    ipcMain.emit(ipcChannels.toEngine, a, appUrl, { type: 'call', id: 1, method: 'status' });
    ipcMain.emit(ipcChannels.toEngine, a, appUrl, 'x'.repeat(101));
    ipcMain.emit(ipcChannels.toEngine, a, appUrl, 42);
    router.attach(b);
    expect(toEngine).toEqual([
      { kind: 'open', session: 1 },
      { kind: 'frame', session: 1, frame: { type: 'call', id: 1, method: 'status' } },
      { kind: 'open', session: 2 },
    ]);

    router.deliver(2, { type: 'hello' });
    expect(a.sent).toEqual([]);
    expect(b.sent).toEqual([[ipcChannels.fromEngine, { type: 'hello' }]]);

    a.destroy();
    expect(toEngine.at(-1)).toEqual({ kind: 'close', session: 1 });
    router.broadcast(ipcChannels.command, 'search');
    expect(b.sent.at(-1)).toEqual([ipcChannels.command, 'search']);
    expect(router.sessions()).toEqual([2]);

    // Opening an original: only from the app's page, only an id.
    ipcMain.emit(ipcChannels.openOriginal, b, 'https://evil.example/', 'doc-1');
    ipcMain.emit(ipcChannels.openOriginal, b, appUrl, { path: '/etc/passwd' });
    ipcMain.emit(ipcChannels.openOriginal, b, appUrl, 'doc-1');
    expect(originals).toEqual(['doc-1']);
  });
});

class FakeProcess extends EventEmitter implements EngineProcessLike {
  posted: ToEngineProcess[] = [];
  killed = false;
  postMessage(message: ToEngineProcess) {
    this.posted.push(message);
  }
  kill() {
    this.killed = true;
    return true;
  }
}

describe('engine host', () => {
  it('restarts the engine process when it dies, then gives up after repeated crashes', () => {
    const processes: FakeProcess[] = [];
    const scheduled: (() => void)[] = [];
    const messages: FromEngineProcess[] = [];
    let restarts = 0;
    const host = createEngineHost({
      fork: () => {
        const p = new FakeProcess();
        processes.push(p);
        return p;
      },
      onMessage: (m) => messages.push(m),
      onRestart: () => restarts++,
      schedule: (fn) => void scheduled.push(fn),
      now: () => 1000,
    });
    host.send({ kind: 'open', session: 1 });
    host.start();
    expect(processes[0]!.posted).toEqual([{ kind: 'open', session: 1 }]);
    processes[0]!.emit('message', { kind: 'ready', dataDir: '/d', methods: [] });
    expect(messages).toEqual([{ kind: 'ready', dataDir: '/d', methods: [] }]);

    for (let i = 0; i < 3; i++) {
      processes.at(-1)!.emit('exit', 1);
      scheduled.shift()!();
    }
    expect(processes).toHaveLength(4);
    expect(restarts).toBe(3);
    processes.at(-1)!.emit('exit', 1);
    expect(scheduled).toHaveLength(0);
    expect(messages.at(-1)).toMatchObject({ kind: 'failed' });
    host.stop();
  });

  /** An engine host with one fake process, started, then asked to stop. */
  function stoppingHost() {
    const p = new FakeProcess();
    const scheduled: (() => void)[] = [];
    const host = createEngineHost({ fork: () => p, onMessage: () => undefined, onRestart: () => undefined, schedule: (fn) => void scheduled.push(fn) });
    host.start();
    const stops = { count: 0 };
    host.stop(() => stops.count++);
    return { p, scheduled, host, stopped: () => stops.count };
  }

  it('stops the engine gracefully (it finishes the work in hand), and does not restart an engine it stopped', () => {
    const { p, scheduled, stopped } = stoppingHost();
    expect(p.posted).toEqual([{ kind: 'shutdown' }]);
    expect(stopped()).toBe(0);
    p.emit('exit', 0);
    expect(stopped()).toBe(1);
    expect(p.killed).toBe(false);
    // The deadline passes after the exit: nothing more happens, and nothing restarts.
    scheduled.forEach((fn) => fn());
    expect(p.killed).toBe(false);
    expect(stopped()).toBe(1);
  });

  it('kills an engine that does not exit in time after being asked to', () => {
    const { p, scheduled, host, stopped } = stoppingHost();
    scheduled.shift()!();
    expect(p.killed).toBe(true);
    expect(stopped()).toBe(1);
    expect(host.running).toBe(false);
  });
});

class FakeWindow extends EventEmitter implements WindowLike {
  readonly webContents: FakeContents & WindowLike['webContents'];
  loaded: string | undefined;
  shown = false;
  focused = 0;
  maximizedNow = false;
  minimized = false;
  constructor(readonly spec: WindowSpec) {
    super();
    this.webContents = new FakeContents(10);
  }
  loadFile(path: string) {
    this.loaded = path;
    return Promise.resolve();
  }
  show() {
    this.shown = true;
  }
  focus() {
    this.focused++;
  }
  restore() {
    this.minimized = false;
  }
  isMinimized() {
    return this.minimized;
  }
  isMaximized() {
    return this.maximizedNow;
  }
  maximize() {
    this.maximizedNow = true;
  }
  getNormalBounds() {
    const { x, y, width, height } = this.spec;
    return { x, y, width, height };
  }
}

function fakeDesktop(options: { lock?: boolean; argv?: string[]; savedState?: string; originalsDir?: string } = {}) {
  const app = new EventEmitter() as EventEmitter & DesktopDeps['app'] & { quitCalls: number };
  let quitCalls = 0;
  Object.assign(app, {
    isPackaged: true,
    requestSingleInstanceLock: () => options.lock ?? true,
    quit: () => void quitCalls++,
    whenReady: () => Promise.resolve(),
  });
  const windows: FakeWindow[] = [];
  const engines: FakeProcess[] = [];
  const forkedOn: (string | undefined)[] = [];
  const external: string[] = [];
  const opened: string[] = [];
  const writes: string[] = [];
  const menus: MenuItemSpec[][] = [];
  const protocols = new Map<string, (request: Request) => Promise<Response>>();
  const ipcMain = fakeIpcMain();
  const deps: DesktopDeps = {
    app,
    platform: 'linux',
    argv: options.argv ?? ['/opt/cairn/cairn'],
    ipcMain,
    createWindow: (spec) => {
      const w = new FakeWindow(spec);
      windows.push(w);
      return w;
    },
    workAreas: () => [screen],
    setMenu: (template) => void menus.push(template),
    forkEngine: (dataDir) => {
      const p = new FakeProcess();
      engines.push(p);
      forkedOn.push(dataDir);
      return p;
    },
    safeStorage: fakeSafeStorage(),
    openExternal: (url) => void external.push(url),
    openPath: (path) => void opened.push(path),
    originalsDir: options.originalsDir ?? '/tmp/cairn-originals',
    handleProtocol: (scheme, handler) => void protocols.set(scheme, handler),
    windowStateFile: { read: () => options.savedState, write: (t) => void writes.push(t) },
    rendererHtml: appHtml,
    preloadPath: '/opt/cairn/resources/app/dist/preload/preload.cjs',
    schedule: (fn) => {
      const t = setTimeout(fn, 0);
      return () => clearTimeout(t);
    },
    log: () => undefined,
  };
  return { deps, app, windows, engines, forkedOn, external, opened, writes, menus, ipcMain, protocols, quits: () => quitCalls };
}

describe('keychain', () => {
  it('seals and unseals with safeStorage, and counts Linux without a keyring (basic_text) as no keychain', () => {
    const safe = fakeSafeStorage();
    const sealed = answerKeychain(safe, 'linux', { kind: 'keychain', requestId: 1, op: 'seal', value: 'token-123' });
    expect(sealed).toMatchObject({ kind: 'keychainAnswer', requestId: 1, available: true });
    expect(Buffer.from(sealed.value!, 'base64').toString()).not.toContain('token-123');
    expect(answerKeychain(safe, 'linux', { kind: 'keychain', requestId: 2, op: 'unseal', value: sealed.value })).toMatchObject({ requestId: 2, available: true, value: 'token-123' });
    expect(answerKeychain(safe, 'linux', { kind: 'keychain', requestId: 3, op: 'unseal', value: Buffer.from('junk').toString('base64') })).toMatchObject({ available: true, value: null, error: 'not sealed by this keychain' });
    expect(answerKeychain(fakeSafeStorage({ backend: 'basic_text' }), 'linux', { kind: 'keychain', requestId: 4, op: 'seal', value: 'x' })).toEqual({ kind: 'keychainAnswer', requestId: 4, available: false, value: null });
    expect(answerKeychain(fakeSafeStorage({ backend: 'basic_text' }), 'darwin', { kind: 'keychain', requestId: 5, op: 'unseal', value: null }).available).toBe(true);
    expect(answerKeychain(fakeSafeStorage({ available: false }), 'win32', { kind: 'keychain', requestId: 6, op: 'unseal', value: null }).available).toBe(false);
  });
});

describe('switching data directories', () => {
  it('the engine host lets the old process finish and close, then starts one on the new directory with what came meanwhile', () => {
    const processes: FakeProcess[] = [];
    const forkedOn: (string | undefined)[] = [];
    const scheduled: (() => void)[] = [];
    let restarts = 0;
    const host = createEngineHost({
      fork: (dir) => {
        forkedOn.push(dir);
        const p = new FakeProcess();
        processes.push(p);
        return p;
      },
      onMessage: () => undefined,
      onRestart: () => restarts++,
      schedule: (fn) => void scheduled.push(fn),
      now: () => 1000,
    });
    host.start('/data/work');
    host.switchTo('/data/home');
    expect(processes[0]!.posted).toEqual([{ kind: 'shutdown' }]);
    // The window reloads and opens its session while the old engine is still closing: it waits for the new one.
    host.send({ kind: 'open', session: 10 });
    expect(processes[0]!.posted).toEqual([{ kind: 'shutdown' }]);
    expect(processes).toHaveLength(1);
    processes[0]!.emit('exit', 0);
    expect(forkedOn).toEqual(['/data/work', '/data/home']);
    expect(processes[1]!.posted).toEqual([{ kind: 'open', session: 10 }]);
    expect(host.dataDir).toBe('/data/home');
    // A switch is not a crash: no restart is counted, and the old process's deadline does nothing.
    scheduled.shift()!();
    expect(processes[0]!.killed).toBe(false);
    expect(restarts).toBe(0);
    // A crash later restarts on the directory switched to.
    processes[1]!.emit('exit', 1);
    scheduled.shift()!();
    expect(forkedOn.at(-1)).toBe('/data/home');
  });

  it('kills an old engine that does not close in time, and still switches', () => {
    const processes: FakeProcess[] = [];
    const scheduled: (() => void)[] = [];
    const host = createEngineHost({
      fork: () => {
        const p = new FakeProcess();
        processes.push(p);
        return p;
      },
      onMessage: () => undefined,
      onRestart: () => undefined,
      schedule: (fn) => void scheduled.push(fn),
    });
    host.start();
    host.switchTo('/data/b');
    scheduled.shift()!();
    expect(processes[0]!.killed).toBe(true);
    expect(processes).toHaveLength(2);
    expect(host.running).toBe(true);
  });

  it('the app restarts the engine on the directory a window chose, the reloaded window gets a new session, and main answers the keychain', async () => {
    const f = fakeDesktop({ argv: ['/opt/cairn/cairn', '--data', '/data/work'] });
    await startDesktop(f.deps)!.ready;
    const win = f.windows[0]!;
    win.webContents.emit('did-finish-load');
    expect(f.forkedOn).toEqual(['/data/work']);

    f.engines[0]!.emit('message', { kind: 'keychain', requestId: 7, op: 'seal', value: 'token-abc' });
    const answer = f.engines[0]!.posted.at(-1) as { kind: string; requestId: number; value: string };
    expect(answer).toMatchObject({ kind: 'keychainAnswer', requestId: 7, available: true });
    expect(f.deps.safeStorage.decryptString(Buffer.from(answer.value, 'base64'))).toBe('token-abc');

    f.engines[0]!.emit('message', { kind: 'switchDataDir', dataDir: '/data/home' });
    expect(f.engines[0]!.posted.at(-1)).toEqual({ kind: 'shutdown' });
    win.webContents.emit('did-finish-load'); // the UI reloads itself after a switch
    f.engines[0]!.emit('exit', 0);
    expect(f.forkedOn).toEqual(['/data/work', '/data/home']);
    expect(f.engines[1]!.posted).toEqual([{ kind: 'open', session: 10 }]);
  });
});

describe('desktop app', () => {
  it('quits at once when another instance holds the lock', () => {
    const f = fakeDesktop({ lock: false });
    expect(startDesktop(f.deps)).toBeUndefined();
    expect(f.quits()).toBe(1);
    expect(f.windows).toHaveLength(0);
  });

  it('opens a hardened window with the saved bounds, and starts the engine in its own process', async () => {
    const f = fakeDesktop({ savedState: JSON.stringify({ bounds: { x: 50, y: 60, width: 900, height: 700 }, maximized: true }) });
    const desktop = startDesktop(f.deps)!;
    await desktop.ready;
    const win = f.windows[0]!;
    expect(win.spec.webPreferences).toEqual({ preload: f.deps.preloadPath, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: true });
    expect(win.spec).toMatchObject({ x: 50, y: 60, width: 900, height: 700, show: false });
    expect(win.maximizedNow).toBe(true);
    expect(win.loaded).toBe(appHtml);
    expect(f.engines).toHaveLength(1);
    expect(f.menus).toHaveLength(1);

    // Links open in the browser (web links only); navigation away from the app is refused.
    expect(win.webContents.openHandler!({ url: 'https://example.com/a' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(f.external).toEqual(['https://example.com/a']);
    let prevented = 0;
    win.webContents.emit('will-navigate', { preventDefault: () => prevented++ }, 'https://evil.example/');
    win.webContents.emit('will-navigate', { preventDefault: () => prevented++ }, appUrl);
    expect(prevented).toBe(1);

    // The page loads: its engine session opens, and engine frames reach it.
    win.webContents.emit('did-finish-load');
    expect(f.engines[0]!.posted).toEqual([{ kind: 'open', session: 10 }]);
    f.engines[0]!.emit('message', { kind: 'frame', session: 10, frame: { type: 'hello', protocol: 1, methods: ['status'] } });
    expect(win.webContents.sent).toEqual([[ipcChannels.fromEngine, { type: 'hello', protocol: 1, methods: ['status'] }]]);

    // The menu gains Import only when the engine says it can import.
    f.engines[0]!.emit('message', { kind: 'ready', dataDir: '/d', methods: ['status', 'importPaths'] });
    expect(JSON.stringify(f.menus.at(-1))).toContain('"command":"import"');

    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
    win.emit('close');
    expect(JSON.parse(f.writes.at(-1)!)).toMatchObject({ bounds: { x: 50, y: 60, width: 900, height: 700 }, maximized: true });
  });

  it('hands files from the command line and from a second launch to the window', async () => {
    const f = fakeDesktop({ argv: ['/opt/cairn/cairn', '/home/a/first.md'] });
    const desktop = startDesktop(f.deps)!;
    await desktop.ready;
    const win = f.windows[0]!;
    win.minimized = true;
    f.app.emit('second-instance', {}, ['/opt/cairn/cairn', '/home/a/second.pdf']);
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);
    win.webContents.emit('did-finish-load');
    f.app.emit('open-file', { preventDefault: () => undefined }, '/home/a/third.png');
    expect(win.webContents.sent.filter(([c]) => c === ipcChannels.openFiles)).toEqual([
      [ipcChannels.openFiles, ['/home/a/first.md', '/home/a/second.pdf']],
      [ipcChannels.openFiles, ['/home/a/third.png']],
    ]);
    expect(f.windows).toHaveLength(1);
  });

  it('quits when the last window closes (not on macOS), after the engine has finished its work', async () => {
    const f = fakeDesktop();
    await startDesktop(f.deps)!.ready;
    f.app.emit('window-all-closed');
    expect(f.quits()).toBe(1);
    let prevented = 0;
    f.app.emit('before-quit', { preventDefault: () => prevented++ });
    expect(prevented).toBe(1);
    expect(f.engines[0]!.posted.at(-1)).toEqual({ kind: 'shutdown' });
    expect(f.quits()).toBe(1);
    f.engines[0]!.emit('exit', 0);
    expect(f.quits()).toBe(2);
    // The second before-quit (from that quit) goes through.
    f.app.emit('before-quit', { preventDefault: () => prevented++ });
    expect(prevented).toBe(1);
    expect(f.engines).toHaveLength(1);
  });

  it('opens a document’s original: the engine copies it into main’s own folder, and only that is handed to the OS', async () => {
    const f = fakeDesktop();
    await startDesktop(f.deps)!.ready;
    const win = f.windows[0]!;
    win.webContents.emit('did-finish-load');
    f.ipcMain.emit(ipcChannels.openOriginal, win.webContents, appUrl, 'doc-1');
    expect(f.engines[0]!.posted.at(-1)).toEqual({ kind: 'exportOriginal', entryId: 'doc-1', dir: '/tmp/cairn-originals' });
    f.engines[0]!.emit('message', { kind: 'exported', entryId: 'doc-1', path: '/tmp/cairn-originals/doc-1/report.pdf' });
    f.engines[0]!.emit('message', { kind: 'exported', entryId: 'doc-2', path: '/home/a/.bashrc' });
    f.engines[0]!.emit('message', { kind: 'exported', entryId: 'doc-3', path: '/tmp/cairn-originals/../x' });
    expect(f.opened).toEqual(['/tmp/cairn-originals/doc-1/report.pdf']);
    expect(isInside('C:\\Temp\\cairn-originals\\d\\a.pdf', 'C:\\Temp\\cairn-originals')).toBe(true);
    expect(isInside('/tmp/cairn-originals-evil/a', '/tmp/cairn-originals')).toBe(false);
  });

  it('shows a document’s original in the window through its own scheme, from a copy the engine makes in main’s folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-originals-'));
    try {
      const f = fakeDesktop({ originalsDir: dir });
      await startDesktop(f.deps)!.ready;
      const handler = f.protocols.get(originalScheme)!;
      const engine = f.engines[0]!;
      // The engine process answers each request it is sent, as engineMain does.
      const answers = new Map<string, (requestId: number) => object>();
      const originalPost = engine.postMessage.bind(engine);
      engine.postMessage = (message: ToEngineProcess) => {
        originalPost(message);
        const m = message as { kind: string; entryId: string; requestId?: number };
        const answer = m.kind === 'exportOriginal' && m.requestId !== undefined ? answers.get(m.entryId) : undefined;
        if (answer) setTimeout(() => engine.emit('message', answer(m.requestId!)), 1);
      };
      const pdf = Buffer.from('%PDF-1.7\n% a tiny pretend PDF\n');
      mkdirSync(join(dir, 'doc-1'));
      writeFileSync(join(dir, 'doc-1', 'report.pdf'), pdf);
      writeFileSync(join(dir, 'page.html'), '<script>alert(1)</script>');
      answers.set('doc-1', (requestId) => ({ kind: 'exported', entryId: 'doc-1', path: join(dir, 'doc-1', 'report.pdf'), mimeType: 'application/pdf', requestId }));
      answers.set('doc-2', (requestId) => ({ kind: 'exported', entryId: 'doc-2', path: join(dir, 'page.html'), mimeType: 'text/html', requestId }));
      answers.set('doc-3', (requestId) => ({ kind: 'exported', entryId: 'doc-3', path: '/etc/passwd', mimeType: 'text/plain', requestId }));
      answers.set('gone', (requestId) => ({ kind: 'exportFailed', entryId: 'gone', message: 'no document with id gone', code: 'not_found', requestId }));

      const shown = await handler(new Request(originalUrl('doc-1') + '?inline=1'));
      expect(shown.status).toBe(200);
      expect(shown.headers.get('content-type')).toBe('application/pdf');
      expect(Buffer.from(await shown.arrayBuffer()).equals(pdf)).toBe(true);
      expect(engine.posted).toContainEqual(expect.objectContaining({ kind: 'exportOriginal', entryId: 'doc-1', dir, requestId: expect.any(Number) }));
      expect(f.opened).toEqual([]); // shown, not handed to the OS

      // HTML is never rendered from the app's scheme: it comes as a download.
      const html = await handler(new Request(originalUrl('doc-2')));
      expect(html.headers.get('content-type')).toBe('application/octet-stream');
      expect(html.headers.get('content-disposition')).toBe('attachment');
      expect((await handler(new Request(originalUrl('doc-3')))).status).toBe(403);
      const missing = await handler(new Request(originalUrl('gone')));
      expect([missing.status, await missing.text()]).toEqual([404, 'no document with id gone']);
      for (const url of ['cairn-original://original/', 'cairn-original://elsewhere/doc-1', 'cairn-original://original/a/b', 'cairn-original://original/%E0%A4%A']) {
        expect((await handler(new Request(url))).status, url).toBe(400);
      }
      expect((await handler(new Request(originalUrl('doc-1'), { method: 'POST', body: 'x' }))).status).toBe(405);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knows its own pages and which links may leave the app', () => {
    expect(isAppUrl(appUrl, appHtml)).toBe(true);
    expect(isAppUrl(`${appUrl}#/x`, appHtml)).toBe(true);
    expect(isAppUrl('file:///opt/cairn/other.html', appHtml)).toBe(false);
    expect(isAppUrl('https://cairn.example/', appHtml)).toBe(false);
    expect(isAppUrl('file:///C:/Program%20Files/Cairn/index.html', 'C:\\Program Files\\Cairn\\index.html')).toBe(true);
    expect(isExternalLink('https://a.example')).toBe(true);
    expect(isExternalLink('javascript:alert(1)')).toBe(false);
    expect(isExternalLink('file:///etc/passwd')).toBe(false);
  });
});
