// Routes IPC between renderer windows and the engine process. Only the contract's channels are
// handled, only from the app's own pages, and every renderer gets its own engine session.
import { ipcChannels, type ToEngineProcess } from '../ipc/contract.js';

/** The part of a webContents the router uses. */
export interface RendererContents {
  readonly id: number;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): void;
}

export interface IpcEventLike {
  readonly sender: RendererContents;
  /** The URL of the frame that sent the message (null when the frame is gone). */
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcEventLike, payload: unknown) => void): void;
}

export interface IpcRouterOptions {
  readonly ipcMain: IpcMainLike;
  /** Whether a page at this URL is the app's own renderer. */
  readonly isAppUrl: (url: string) => boolean;
  readonly toEngine: (message: ToEngineProcess) => void;
  /** A window asked to open a document's original (its entry id). */
  readonly openOriginal?: (entryId: string) => void;
  /** Frames larger than this (characters of JSON) are dropped and logged. */
  readonly maxFrameChars?: number;
  readonly log?: (message: string) => void;
}

export function createIpcRouter(options: IpcRouterOptions) {
  const renderers = new Map<number, RendererContents>();
  const log = options.log ?? (() => undefined);
  const maxChars = options.maxFrameChars ?? 64 * 1024 * 1024;

  const ensureAttached = (contents: RendererContents) => {
    if (renderers.has(contents.id)) return;
    renderers.set(contents.id, contents);
    options.toEngine({ kind: 'open', session: contents.id });
    contents.once('destroyed', () => {
      renderers.delete(contents.id);
      options.toEngine({ kind: 'close', session: contents.id });
    });
  };

  const fromApp = (event: IpcEventLike) => {
    const url = event.senderFrame?.url;
    if (url !== undefined && options.isAppUrl(url)) return true;
    log(`ignored a message from ${url ?? 'a closed frame'}`);
    return false;
  };

  options.ipcMain.on(ipcChannels.openOriginal, (event, payload) => {
    if (!fromApp(event)) return;
    if (typeof payload !== 'string' || payload.length === 0 || payload.length > 200) return log('ignored a malformed open-original request');
    options.openOriginal?.(payload);
  });

  options.ipcMain.on(ipcChannels.toEngine, (event, payload) => {
    if (!fromApp(event)) return;
    if (typeof payload !== 'string' && (typeof payload !== 'object' || payload === null)) return log('ignored a malformed frame');
    if (typeof payload === 'string' && payload.length > maxChars) return log('ignored an oversized frame');
    ensureAttached(event.sender);
    options.toEngine({ kind: 'frame', session: event.sender.id, frame: payload });
  });

  return {
    /**
     * A page finished loading: its engine session opens now (the hello comes right away). A page that reloaded (after a
     * switch of data directory, or by hand) gets a fresh session and hello too: its old one belonged to the old page.
     */
    attach(contents: RendererContents) {
      if (renderers.has(contents.id)) options.toEngine({ kind: 'open', session: contents.id });
      else ensureAttached(contents);
    },
    /** A frame from the engine for one renderer. */
    deliver(session: number, frame: unknown) {
      const contents = renderers.get(session);
      if (contents && !contents.isDestroyed()) contents.send(ipcChannels.fromEngine, frame);
    },
    /** Sends something to every window (menu commands, files to open). */
    broadcast(channel: typeof ipcChannels.openFiles | typeof ipcChannels.command, payload: unknown) {
      for (const contents of renderers.values()) if (!contents.isDestroyed()) contents.send(channel, payload);
    },
    /** After the engine process restarts: every open renderer gets a fresh session (and a hello). */
    reopenAll() {
      for (const id of renderers.keys()) options.toEngine({ kind: 'open', session: id });
    },
    sessions: () => [...renderers.keys()],
  };
}
