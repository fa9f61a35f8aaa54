import type { EngineApiMethod, EngineApiParams, EngineApiResults, EngineNotice } from '@cairn/core';
import type { PlannedMethod, PlannedParams, PlannedResults } from './plannedApi.js';
import type { ConnectionState, EngineTransport, HostBridge } from './transport.js';

/** Planned methods the core contract does not define yet; once it does, its types take over. */
type PlannedOnly = Exclude<PlannedMethod, EngineApiMethod>;
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- every planned method has landed; phase 2 removes plannedApi.ts
export type Method = EngineApiMethod | PlannedOnly;
export type Params<M extends Method> = M extends EngineApiMethod ? EngineApiParams<M> : M extends PlannedOnly ? PlannedParams[M] : never;
export type Result<M extends Method> = M extends EngineApiMethod ? EngineApiResults[M] : M extends PlannedOnly ? PlannedResults[M] : never;

/** The typed face of the engine the store uses. `has` answers from the engine's hello. */
export interface EngineClient {
  /** Whether the engine offers `method` (from its hello); planned methods are false until they land. */
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
