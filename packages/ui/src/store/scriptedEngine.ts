// For the store's tests: an engine whose methods the test scripts, timers it fires by hand, and storage in memory.
import type { EngineNotice } from '@cairn/core';
import { createEngineClient } from '../engine/engineClient.js';
import { EngineError } from '../engine/engineError.js';
import type { ConnectionState, EngineTransport } from '../engine/transport.js';

export type Handler = (params: Record<string, unknown>) => unknown;

/**
 * A transport whose methods are scripted; calls resolve when the test releases them (or at once). The client knows
 * the methods from the start unless `beforeHello` (as in a shell, where they arrive with the engine's hello).
 */
export function scriptedEngine(handlers: Record<string, Handler>, options: { beforeHello?: boolean } = {}) {
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const listeners = new Set<(notice: EngineNotice) => void>();
  const held: { method: string; release: () => void }[] = [];
  let hold: string[] = [];
  const transport: EngineTransport = {
    ready: () => Promise.resolve(Object.keys(handlers)),
    call(method, params) {
      calls.push({ method, params: params as Record<string, unknown> });
      const handler = handlers[method];
      if (!handler) return Promise.reject(new EngineError('validation', `unknown method "${method}"`));
      const run = () => Promise.resolve().then(() => handler(params as Record<string, unknown>));
      if (!hold.includes(method)) return run();
      return new Promise((resolve, reject) => held.push({ method, release: () => void run().then(resolve, reject) }));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onState: (_listener: (state: ConnectionState) => void) => () => undefined,
    close: () => undefined,
  };
  const engine = createEngineClient(transport, options.beforeHello ? [] : Object.keys(handlers));
  return {
    engine,
    calls,
    held,
    holdCalls: (...methods: string[]) => (hold = methods),
    push: (notice: EngineNotice) => listeners.forEach((l) => l(notice)),
  };
}

/** Timers the test fires by hand. */
export function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    setTimer: (fn: () => void) => {
      pending.set(next, fn);
      return next++;
    },
    clearTimer: (handle: unknown) => void pending.delete(handle as number),
    runAll() {
      const fns = [...pending.values()];
      pending.clear();
      fns.forEach((fn) => fn());
    },
  };
}

export function memoryStorage(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return { getItem: (key: string) => values.get(key) ?? null, setItem: (key: string, value: string) => void values.set(key, value) };
}

export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

