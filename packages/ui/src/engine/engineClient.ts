import type { EngineApiMethod, EngineApiParams, EngineApiResults, EngineNotice } from '@cairn/core';
import type { ConnectionState, EngineTransport, HostBridge } from './transport.js';

export type Method = EngineApiMethod;
export type Params<M extends Method> = EngineApiParams<M>;
export type Result<M extends Method> = EngineApiResults[M];

/** The typed face of the engine the store uses. `has` answers from the engine's hello. */
export interface EngineClient {
  /** Whether the engine offers `method` (from its hello). */
  has(method: Method | (string & {})): boolean;
  call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>>;
  subscribe(listener: (notice: EngineNotice) => void): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
  setMethods(methods: readonly string[]): void;
  readonly host: HostBridge | undefined;
}

export function createEngineClient(transport: EngineTransport, methods: readonly string[] = []): EngineClient {
  let offered = new Set(methods);
  return {
    has: (method) => offered.has(method),
    call: (method, params) => transport.call(method, params) as Promise<never>,
    subscribe: (listener) => transport.subscribe(listener),
    onState: (listener) => transport.onState(listener),
    setMethods(next) {
      offered = new Set(next);
    },
    host: transport.host,
  };
}
