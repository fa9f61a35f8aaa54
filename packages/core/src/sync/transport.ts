import { CairnError, type ErrorCode } from '../errors/cairnError.js';
import type { PullResponse, PushRequest, PushResponse, ServerLiveMessage } from '../protocol/index.js';

/** A failure talking to the sync server, as data: its code, and how long to wait when the server said so. */
export class SyncTransportError extends CairnError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details);
    this.name = 'SyncTransportError';
  }
}

/** The live socket, as the sync client sees it. */
export interface LiveConnection {
  close(): void;
}

export interface LiveHandlers {
  onOpen(): void;
  onMessage(message: ServerLiveMessage): void;
  onClose(code: number, reason: string): void;
}

/**
 * All the sync client needs of a server. The HTTP one talks to a real server; tests give one that calls a server's
 * services through queues they deliver by hand. Every method throws {@link SyncTransportError}s only.
 */
export interface SyncTransport {
  push(workspace: string, request: PushRequest): Promise<PushResponse>;
  pull(workspace: string, after: number, limit: number): Promise<PullResponse>;
  /** Whether the workspace holds a blob this device uploaded (or anyone did, once its log names it). */
  hasBlob(workspace: string, sha256: string): Promise<boolean>;
  putBlob(workspace: string, sha256: string, size: number, body: () => AsyncIterable<Uint8Array>): Promise<void>;
  /** The blob's bytes from `offset` on (a resumed download). */
  getBlob(workspace: string, sha256: string, offset: number): Promise<AsyncIterable<Uint8Array>>;
  /** Opens the live socket; undefined when this transport has none (the client then polls). */
  live?(workspaces: readonly string[], handlers: LiveHandlers): LiveConnection | undefined;
}
