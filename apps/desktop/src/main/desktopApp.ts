// The main process's logic, with Electron handed in (main.ts passes the real one; tests pass fakes):
// one instance, one window with remembered bounds, a hardened renderer, the menu, files from the OS,
// and the engine in a utility process wired to each window through the IPC router.
import { ipcChannels, menuCommands, originalScheme, type FromEngineProcess, type MenuCommand } from '../ipc/contract.js';
import { createEngineHost, type EngineProcessLike } from './engineHost.js';
import { createIpcRouter, type IpcMainLike, type RendererContents } from './ipcRouter.js';
import { buildMenu, englishMenuLabels, type MenuItemSpec } from './menu.js';
import { answerKeychain, type SafeStorageLike } from './keychain.js';
import { createOriginalProtocol, type OriginalProtocol } from './originalProtocol.js';
import { isInside } from './paths.js';
import { createOpenFileQueue, dataDirFromArgv, filesFromArgv } from './openFiles.js';
import { createWindowStateKeeper, type Rectangle, type StateFile, type WindowState } from './windowState.js';

export interface WebPreferencesSpec {
  readonly preload: string;
  readonly contextIsolation: true;
  readonly sandbox: true;
  readonly nodeIntegration: false;
  readonly webSecurity: true;
  readonly spellcheck: boolean;
}

export interface WindowSpec {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly minWidth: number;
  readonly minHeight: number;
  readonly show: false;
  readonly title: string;
  readonly backgroundColor: string;
  readonly webPreferences: WebPreferencesSpec;
}

export interface WindowContents extends RendererContents {
  on(event: 'did-finish-load', listener: () => void): void;
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface WindowLike {
  readonly webContents: WindowContents;
  loadFile(path: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isMaximized(): boolean;
  maximize(): void;
  getNormalBounds(): Rectangle;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close' | 'ready-to-show' | 'closed', listener: () => void): void;
}

export interface AppLike {
  readonly isPackaged: boolean;
  requestSingleInstanceLock(): boolean;
  quit(): void;
  whenReady(): Promise<void>;
  on(event: 'second-instance', listener: (event: unknown, argv: string[]) => void): void;
  on(event: 'open-file', listener: (event: { preventDefault(): void }, path: string) => void): void;
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): void;
  on(event: 'window-all-closed' | 'activate', listener: () => void): void;
}

export interface DesktopDeps {
  readonly app: AppLike;
  readonly platform: string;
  readonly argv: readonly string[];
  readonly ipcMain: IpcMainLike;
  readonly createWindow: (spec: WindowSpec) => WindowLike;
  readonly workAreas: () => Rectangle[];
  readonly setMenu: (template: MenuItemSpec[], onCommand: (command: MenuCommand) => void) => void;
  /** Starts the engine's utility process on a data directory (undefined: the engine chooses). */
  readonly forkEngine: (dataDir: string | undefined) => EngineProcessLike;
  /** Electron's safeStorage: seals the device token for the engine process. */
  readonly safeStorage: SafeStorageLike;
  readonly openExternal: (url: string) => void;
  /** Opens a file with the system's app for it (documents' originals). */
  readonly openPath: (path: string) => void;
  /** A folder of main's own where originals are copied before the OS opens them or the window shows them. */
  readonly originalsDir: string;
  /** Serves a scheme to the window (Electron's `protocol.handle`; main.ts registered the scheme as privileged). */
  readonly handleProtocol: (scheme: string, handler: (request: Request) => Promise<Response>) => void;
  readonly windowStateFile: StateFile;
  /** The renderer's index.html and the preload script, as built. */
  readonly rendererHtml: string;
  readonly preloadPath: string;
  readonly schedule: (fn: () => void, ms: number) => () => void;
  readonly log: (message: string) => void;
}

/** Only the app's own files are app pages (the renderer's folder, loaded from disk). */
export function isAppUrl(url: string, rendererHtml: string): boolean {
  try {
    const page = new URL(url);
    const own = new URL(`file://${rendererHtml.startsWith('/') ? '' : '/'}${rendererHtml.replace(/\\/g, '/')}`);
    return page.protocol === 'file:' && page.pathname === own.pathname;
  } catch {
    return false;
  }
}

/** Links a person clicks open in their browser, never inside the app, and only web links at that. */
export function isExternalLink(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' || protocol === 'mailto:';
  } catch {
    return false;
  }
}

export function startDesktop(deps: DesktopDeps) {
  const { app } = deps;
  if (!app.requestSingleInstanceLock()) {
    // Another Cairn is running: it gets our files (second-instance) and we leave.
    app.quit();
    return undefined;
  }
  const files = createOpenFileQueue();
  files.add(filesFromArgv(deps.argv, { packaged: app.isPackaged }));
  let window: WindowLike | undefined;
  let quitting = false;

  const router = createIpcRouter({
    ipcMain: deps.ipcMain,
    isAppUrl: (url) => isAppUrl(url, deps.rendererHtml),
    toEngine: (message) => engine.send(message),
    openOriginal: (entryId) => engine.send({ kind: 'exportOriginal', entryId, dir: deps.originalsDir }),
    log: deps.log,
  });
  const onEngineMessage = (message: FromEngineProcess) => {
    switch (message.kind) {
      case 'frame':
        router.deliver(message.session, message.frame);
        return;
      case 'ready':
        deps.log(`engine ready on ${message.dataDir}`);
        // The Import item appears once the engine can import (issue 4); nothing is offered before.
        setMenu(message.methods.includes('importPaths') || message.methods.includes('importBytes'));
        return;
      case 'exported':
        if (originals.settle(message)) return; // shown in the window
        // Only what the engine copied into our own folder is handed to the OS.
        if (isInside(message.path, deps.originalsDir)) deps.openPath(message.path);
        else deps.log(`refused to open ${message.path}: not in ${deps.originalsDir}`);
        return;
      case 'exportFailed':
        if (originals.settle(message)) return;
        deps.log(`could not open the original of ${message.entryId}: ${message.message}`);
        return;
      case 'keychain':
        engine.send(answerKeychain(deps.safeStorage, deps.platform, message));
        return;
      case 'switchDataDir':
        deps.log(`switching to the data directory ${message.dataDir}`);
        engine.switchTo(message.dataDir);
        return;
      case 'failed':
        deps.log(`engine failed: ${message.message}`);
        for (const session of router.sessions()) {
          router.deliver(session, { type: 'fault', error: { code: 'storage', message: message.message } });
        }
        return;
      default: {
        const unknown: never = message;
        return unknown;
      }
    }
  };
  const engine = createEngineHost({
    fork: deps.forkEngine,
    onMessage: onEngineMessage,
    onRestart: () => router.reopenAll(),
    schedule: (fn, ms) => void deps.schedule(fn, ms),
    log: deps.log,
  });
  const originals: OriginalProtocol = createOriginalProtocol({
    requestExport: (entryId, requestId) => engine.send({ kind: 'exportOriginal', entryId, dir: deps.originalsDir, requestId }),
    originalsDir: deps.originalsDir,
  });
  const keeper = createWindowStateKeeper(deps.windowStateFile, deps.schedule);

  const sendCommand = (command: MenuCommand) => router.broadcast(ipcChannels.command, command);
  const setMenu = (importAvailable: boolean) => deps.setMenu(buildMenu(deps.platform, englishMenuLabels, { importAvailable, devTools: !app.isPackaged }), sendCommand);

  const openWindow = () => {
    const state = keeper.load(deps.workAreas());
    const win = deps.createWindow({
      ...state.bounds,
      minWidth: 720,
      minHeight: 480,
      show: false,
      title: 'Cairn',
      backgroundColor: '#fbfaf8',
      webPreferences: { preload: deps.preloadPath, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: true },
    });
    window = win;
    if (state.maximized) win.maximize();
    const remember = () => keeper.changed({ bounds: win.getNormalBounds(), maximized: win.isMaximized() } satisfies WindowState);
    for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(event, remember);
    win.on('close', () => {
      remember();
      keeper.flush();
    });
    win.on('closed', () => {
      files.detach();
      window = undefined;
    });
    win.on('ready-to-show', () => win.show());
    const contents = win.webContents;
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url)) deps.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, deps.rendererHtml)) event.preventDefault();
    });
    contents.on('did-finish-load', () => {
      router.attach(contents);
      files.attach((paths) => contents.send(ipcChannels.openFiles, paths));
    });
    void win.loadFile(deps.rendererHtml);
    return win;
  };

  app.on('second-instance', (_event, argv) => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    } else openWindow();
    files.add(filesFromArgv(argv, { packaged: app.isPackaged }));
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    files.add([path]);
  });
  app.on('activate', () => {
    if (!window && !quitting) openWindow();
  });
  app.on('window-all-closed', () => {
    if (deps.platform !== 'darwin') app.quit();
  });
  let engineStopped = false;
  app.on('before-quit', (event) => {
    quitting = true;
    keeper.flush();
    if (engineStopped) return;
    // Let the engine finish the work in hand and close the database, then quit for real.
    engineStopped = true;
    event.preventDefault();
    engine.stop(() => app.quit());
  });

  const ready = app.whenReady().then(() => {
    deps.handleProtocol(originalScheme, (request) => originals.handle(request));
    engine.start(dataDirFromArgv(deps.argv));
    setMenu(false);
    openWindow();
  });
  return { ready, router, engine, window: () => window, commands: menuCommands };
}
