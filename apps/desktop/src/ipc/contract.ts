// The contract between the desktop app's processes. Interfaces, serializable types, channel names and the
// originals' address only: main, preload and renderer all import it, and it imports nothing that runs.
import type { ClientFrame, HostFrame } from '@cairn/core';

/** Every IPC channel the app uses. The preload and main accept nothing else. */
export const ipcChannels = {
  /** renderer → main (send): a session frame for the engine. */
  toEngine: 'cairn:to-engine',
  /** main → renderer: a session frame from the engine. */
  fromEngine: 'cairn:from-engine',
  /** main → renderer: files the OS asked the app to open. */
  openFiles: 'cairn:open-files',
  /** main → renderer: a menu command (see `menuCommands`). */
  command: 'cairn:command',
  /** renderer → main (send): open a document's original file (its entry id) in the system's app. */
  openOriginal: 'cairn:open-original',
} as const;
export type IpcChannel = (typeof ipcChannels)[keyof typeof ipcChannels];

/**
 * The scheme the renderer loads documents' originals from (images inline, PDFs in the viewer), served by main from a
 * copy the engine process makes: `cairn-original://original/<entry id>`.
 */
export const originalScheme = 'cairn-original';
export function originalUrl(entryId: string): string {
  return `${originalScheme}://original/${encodeURIComponent(entryId)}`;
}

/** Channels the renderer may send on. */
export const rendererToMainChannels: readonly IpcChannel[] = [ipcChannels.toEngine, ipcChannels.openOriginal];
/** Channels the renderer may listen on. */
export const mainToRendererChannels: readonly IpcChannel[] = [ipcChannels.fromEngine, ipcChannels.openFiles, ipcChannels.command];

/** Menu commands; the UI's `appCommands` handles each. */
export const menuCommands = ['newNote', 'search', 'import', 'settings', 'history', 'save', 'focusLibrary', 'focusEditor'] as const;
export type MenuCommand = (typeof menuCommands)[number];

/** What the preload puts on `window.cairn`: the one object the renderer talks to the app through. */
export interface CairnBridge {
  readonly platform: string;
  sendToEngine(frame: ClientFrame): void;
  onEngineFrame(listener: (frame: HostFrame) => void): () => void;
  onOpenFiles(listener: (paths: string[]) => void): () => void;
  onCommand(listener: (command: MenuCommand) => void): () => void;
  /** The path on disk of a file dropped on the window. */
  pathForFile(file: File): string;
  /** Opens a document's original file in the system's app for its type. */
  openOriginal(entryId: string): void;
}

/** Messages between main and the engine's utility process; `session` is the renderer's webContents id. */
export type ToEngineProcess =
  | { readonly kind: 'open'; readonly session: number }
  | { readonly kind: 'frame'; readonly session: number; readonly frame: unknown }
  | { readonly kind: 'close'; readonly session: number }
  /**
   * Copy a document's original into `dir` (main's own temporary folder), to be opened by the OS, or with a
   * `requestId` to be shown in the window (the answer carries the same id).
   */
  | { readonly kind: 'exportOriginal'; readonly entryId: string; readonly dir: string; readonly requestId?: number }
  /** Finish the work in hand (ingestion), close the data directory, and exit. */
  | { readonly kind: 'shutdown' }
  /** Main's answer to a `keychain` request (see {@link KeychainRequest}). */
  | KeychainAnswer;

/**
 * The engine process asks main to seal (encrypt) or unseal (decrypt) the device token with Electron's `safeStorage`,
 * which exists only in main. `value`: for `seal` the token, for `unseal` the sealed token in base64 (null: only asking
 * whether there is a keychain).
 */
export interface KeychainRequest {
  readonly kind: 'keychain';
  readonly requestId: number;
  readonly op: 'seal' | 'unseal';
  readonly value: string | null;
}

/** `available` false: no keychain here (the engine keeps the token in a file only the user can read). */
export interface KeychainAnswer {
  readonly kind: 'keychainAnswer';
  readonly requestId: number;
  readonly available: boolean;
  /** For `seal` the sealed token in base64, for `unseal` the token; null when there was none or it failed. */
  readonly value: string | null;
  readonly error?: string;
}

export type FromEngineProcess =
  | { readonly kind: 'frame'; readonly session: number; readonly frame: HostFrame }
  | { readonly kind: 'ready'; readonly dataDir: string; readonly methods: readonly string[] }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'exported'; readonly entryId: string; readonly path: string; readonly mimeType: string; readonly requestId?: number }
  | { readonly kind: 'exportFailed'; readonly entryId: string; readonly message: string; readonly code: string; readonly requestId?: number }
  | KeychainRequest
  /** A window chose another data directory (checked and opened once by the engine): restart the engine on it. */
  | { readonly kind: 'switchDataDir'; readonly dataDir: string };
