import type { EngineNotice, ImportOutcome } from '@cairn/core';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * How the UI reaches an engine: the web mode's WebSocket or the desktop app's preload bridge. Both speak
 * the engine's session protocol (`hello` with the offered methods, calls, pushed notices).
 */
export interface EngineTransport {
  /** Resolves with the methods the engine offers once connected. */
  ready(): Promise<readonly string[]>;
  /** Calls a method; rejects with an EngineError. */
  call(method: string, params: unknown): Promise<unknown>;
  subscribe(listener: (notice: EngineNotice) => void): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
  close(): void;
  /** What the host adds beyond the engine (the desktop app's file paths and OS file-open events). */
  readonly host?: HostBridge;
}

export interface HostBridge {
  readonly kind: 'desktop' | 'web';
  /** The path of a dropped file on disk, where the host can tell (desktop). */
  pathForFile?(file: File): string | undefined;
  /** Files the OS asked the app to open (double-click, "Open with", dock drop). */
  onOpenFiles?(listener: (paths: string[]) => void): () => void;
  /** Menu commands sent by the host (new note, search, settings, …). */
  onCommand?(listener: (command: string) => void): () => void;
  /**
   * Sends a file as a streamed upload (web mode), for files too large for a base64 `importBytes` call
   * (which travels in one WebSocket frame).
   */
  uploadFile?(file: Blob, name: string, options: UploadOptions): Promise<ImportOutcome>;
  /**
   * Where the page loads a document's original file: shown inline (images, PDFs) and, in web mode, downloaded. The
   * desktop serves its own scheme (main copies the original out of the engine process).
   */
  originalUrl?(entryId: string): string;
  /** Opens a document's original file in the system's app for it (desktop). */
  openOriginal?(entryId: string): void;
}

export interface UploadOptions {
  readonly ocrLanguages: readonly string[];
  /** Bytes sent so far. */
  readonly onProgress?: (sent: number) => void;
}
