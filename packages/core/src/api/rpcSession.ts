import type { ErrorData } from '../errors/cairnError.js';
import type { EngineNotice } from '../engine/views.js';
import { engineApiMethods, type EngineApi } from './engineApi.js';
import { handleRpc } from './rpc.js';

/**
 * The session protocol front ends speak over a message channel (the web mode's WebSocket, the desktop
 * app's MessagePort): one `hello` naming the methods this engine offers, calls answered by results,
 * and every engine notice pushed as it happens. Each frame is one JSON object with a `type`.
 *
 * A front end decides what to show from `hello.methods`: a capability the engine lacks (search,
 * import, …) is hidden rather than faked.
 */
export const SESSION_PROTOCOL_VERSION = 1;

export interface SessionHello {
  readonly type: 'hello';
  readonly protocol: number;
  readonly methods: readonly string[];
}

export interface SessionCall {
  readonly type: 'call';
  readonly id: number | string;
  readonly method: string;
  readonly params?: unknown;
}

export type SessionResult =
  | { readonly type: 'result'; readonly id: number | string; readonly ok: true; readonly result: unknown }
  | { readonly type: 'result'; readonly id: number | string; readonly ok: false; readonly error: ErrorData };

export interface SessionNotice {
  readonly type: 'notice';
  readonly notice: EngineNotice;
}

/** A frame the host could not read at all (not JSON, not an object, no id); the session goes on. */
export interface SessionFault {
  readonly type: 'fault';
  readonly error: ErrorData;
}

export type ClientFrame = SessionCall;
export type HostFrame = SessionHello | SessionResult | SessionNotice | SessionFault;

export interface RpcSession {
  /** Handles one frame from the client: a JSON string or an already-parsed value. Never rejects. */
  receive(frame: unknown): Promise<void>;
  /** Stops pushing notices. */
  close(): void;
}

export interface RpcSessionOptions {
  /** The methods to announce (default: every method of the engine API). */
  readonly methods?: readonly string[];
  /** Frames longer than this (in UTF-16 code units) are refused with a fault. */
  readonly maxFrameChars?: number;
}

/** Serves one client: says hello, answers calls and forwards engine notices through `send`. */
export function createRpcSession(api: EngineApi, send: (frame: HostFrame) => void, options: RpcSessionOptions = {}): RpcSession {
  let open = true;
  const emit = (frame: HostFrame) => {
    if (open) send(frame);
  };
  const fault = (message: string) => emit({ type: 'fault', error: { code: 'validation', message } });
  emit({ type: 'hello', protocol: SESSION_PROTOCOL_VERSION, methods: [...(options.methods ?? engineApiMethods)] });
  const unsubscribe = api.subscribe((notice) => emit({ type: 'notice', notice }));
  return {
    async receive(frame) {
      let value = frame;
      if (typeof frame === 'string') {
        if (options.maxFrameChars !== undefined && frame.length > options.maxFrameChars) return fault(`frame too large (${frame.length} characters; at most ${options.maxFrameChars})`);
        try {
          value = JSON.parse(frame) as unknown;
        } catch {
          return fault('frame is not valid JSON');
        }
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fault('frame is not a JSON object');
      const call = value as Partial<SessionCall>;
      if (call.type !== 'call') return fault(`unknown frame type ${JSON.stringify(call.type)}`);
      if (typeof call.id !== 'number' && typeof call.id !== 'string') return fault('call has no id');
      const response = await handleRpc(api, call);
      emit({ type: 'result', ...response });
    },
    close() {
      if (!open) return;
      open = false;
      unsubscribe();
    },
  };
}
