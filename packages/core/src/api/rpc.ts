import { errorFromData, toErrorData, ValidationError, type ErrorData } from '../errors/cairnError.js';
import { engineApiMethods, type EngineApi, type EngineApiMethod, type EngineApiParams, type EngineApiResults } from './engineApi.js';

/**
 * The engine API over a message transport (Electron IPC, HTTP, WebSocket). Requests name a method and
 * carry params; responses carry the result or the error as data. Both ends are typed by EngineApi.
 */
export interface RpcRequest {
  readonly id: number | string;
  readonly method: string;
  readonly params?: unknown;
}

export type RpcResponse = { readonly id: number | string; readonly ok: true; readonly result: unknown } | { readonly id: number | string; readonly ok: false; readonly error: ErrorData };

export function isEngineApiMethod(method: unknown): method is EngineApiMethod {
  return typeof method === 'string' && (engineApiMethods as readonly string[]).includes(method);
}

/** Serves one request. Never rejects: every failure becomes an error response. */
export async function handleRpc(api: EngineApi, request: unknown): Promise<RpcResponse> {
  const req = (typeof request === 'object' && request !== null ? request : {}) as Partial<RpcRequest>;
  const id = typeof req.id === 'string' || typeof req.id === 'number' ? req.id : 0;
  try {
    if (!isEngineApiMethod(req.method)) throw new ValidationError(`unknown method ${JSON.stringify(req.method)}`);
    const call = api[req.method] as (params: unknown) => Promise<unknown>;
    return { id, ok: true, result: await call(req.params ?? {}) };
  } catch (error) {
    return { id, ok: false, error: toErrorData(error) };
  }
}

/** An EngineApi whose calls go through `send`; error responses reject with the CairnError they carry. */
export function createRpcClient(
  send: (request: RpcRequest) => Promise<RpcResponse>,
  subscribe: EngineApi['subscribe'],
): EngineApi {
  let next = 1;
  const client = { subscribe } as EngineApi;
  for (const method of engineApiMethods) {
    (client as unknown as Record<string, (params: unknown) => Promise<unknown>>)[method] = async (params: unknown) => {
      const response = await send({ id: next++, method, params });
      if (!response.ok) throw errorFromData(response.error);
      return response.result;
    };
  }
  return client;
}

export type { EngineApiParams, EngineApiResults };
