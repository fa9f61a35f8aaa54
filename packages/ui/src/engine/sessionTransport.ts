import type { ClientFrame, EngineNotice, HostFrame } from '@cairn/core';
import { EngineError, engineErrorFromData } from './engineError.js';
import type { ConnectionState, EngineTransport, HostBridge } from './transport.js';

/** One connection attempt of a message channel that carries session frames. */
export interface SessionChannel {
  send(frame: ClientFrame): void;
  close(): void;
}

export interface ChannelHandlers {
  onFrame(frame: HostFrame): void;
  /** The channel closed or failed; the transport reconnects after a pause when `reconnect` is set. */
  onClose(): void;
}

export interface SessionTransportOptions {
  readonly connect: (handlers: ChannelHandlers) => SessionChannel;
  /** Reconnect after a drop (web mode); pauses grow from 500 ms to 8 s. */
  readonly reconnect?: boolean;
  readonly host?: HostBridge;
  /** How long a call may wait for its answer. */
  readonly callTimeoutMs?: number;
}

/**
 * Calls whose answer may take as long as the work does (a model download, a folder of thousands of files):
 * no timeout applies to them; their progress arrives as notices, and a dropped connection still fails them.
 */
export const longRunningMethods: readonly string[] = ['downloadModel', 'useModel', 'embedPending', 'importPaths', 'rebuild'];

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The client side of the engine's session protocol over any message channel: waits for `hello`,
 * matches results to calls by id, fans notices out, and fails pending calls when the channel drops.
 */
export function createSessionTransport(options: SessionTransportOptions): EngineTransport {
  const pending = new Map<number, Pending>();
  const noticeListeners = new Set<(notice: EngineNotice) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let channel: SessionChannel | undefined;
  let methods: readonly string[] | undefined;
  let waiters: ((methods: readonly string[]) => void)[] = [];
  let queue: ClientFrame[] = [];
  let nextId = 1;
  let closed = false;
  let pause = 500;

  const setState = (next: ConnectionState) => {
    if (state === next) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const open = () => {
    setState('connecting');
    channel = options.connect({
      onFrame(frame) {
        switch (frame.type) {
          case 'hello':
            methods = frame.methods;
            pause = 500;
            for (const waiter of waiters) waiter(frame.methods);
            waiters = [];
            for (const queued of queue) channel?.send(queued);
            queue = [];
            setState('open');
            return;
          case 'result': {
            const call = pending.get(Number(frame.id));
            if (!call) return;
            pending.delete(Number(frame.id));
            if (call.timer) clearTimeout(call.timer);
            if (frame.ok) call.resolve(frame.result);
            else call.reject(engineErrorFromData(frame.error));
            return;
          }
          case 'notice':
            for (const listener of noticeListeners) listener(frame.notice);
            return;
          case 'fault':
            // A frame we sent could not be read at all; nothing to match it to.
            return;
          default: {
            const unknown: never = frame;
            return unknown;
          }
        }
      },
      onClose() {
        channel = undefined;
        methods = undefined;
        for (const [id, call] of pending) {
          if (call.timer) clearTimeout(call.timer);
          call.reject(new EngineError('disconnected', 'the connection to the engine was lost'));
          pending.delete(id);
        }
        queue = [];
        setState('closed');
        if (options.reconnect && !closed) {
          setTimeout(() => {
            if (!closed) open();
          }, pause);
          pause = Math.min(pause * 2, 8000);
        }
      },
    });
  };
  open();

  return {
    ready: () => (methods ? Promise.resolve(methods) : new Promise((resolve) => waiters.push(resolve))),
    call(method, params) {
      if (closed) return Promise.reject(new EngineError('disconnected', 'the engine connection is closed'));
      const id = nextId++;
      const frame: ClientFrame = { type: 'call', id, method, params };
      return new Promise((resolve, reject) => {
        const timer =
          options.callTimeoutMs && !longRunningMethods.includes(method)
            ? setTimeout(() => {
                pending.delete(id);
                reject(new EngineError('busy', `the engine did not answer ${method} in time`));
              }, options.callTimeoutMs)
            : undefined;
        pending.set(id, { resolve, reject, timer });
        if (channel && methods) channel.send(frame);
        else queue.push(frame);
      });
    },
    subscribe(listener) {
      noticeListeners.add(listener);
      return () => noticeListeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      closed = true;
      channel?.close();
    },
    ...(options.host && { host: options.host }),
  };
}
