import { Readable } from 'node:stream';
import { WebSocket } from 'ws';
import type { ErrorCode } from '../errors/cairnError.js';
import {
  errorBodySchema,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  pullResponseSchema,
  pushResponseSchema,
  serverLiveMessageSchema,
  type PullResponse,
  type PushRequest,
  type PushResponse,
} from '../protocol/index.js';
import { SyncTransportError, type LiveConnection, type LiveHandlers, type SyncTransport } from './transport.js';

export interface HttpTransportOptions {
  /** The server's base URL (`https://sync.example.com`). */
  readonly server: string;
  readonly token: string;
  /** Per request (default 60 s; blobs get no limit, only their idle connection's). */
  readonly timeoutMs?: number;
  /** A fetch to use (tests); default the global one. */
  readonly fetch?: typeof fetch;
}

/** The sync protocol over HTTP (fetch) and the live WebSocket (`ws`). */
export class HttpTransport implements SyncTransport {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpTransportOptions) {
    this.base = options.server.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async push(workspace: string, request: PushRequest): Promise<PushResponse> {
    const res = await this.call('POST', `/v1/workspaces/${encodeURIComponent(workspace)}/push`, JSON.stringify(request), { 'content-type': 'application/json' });
    return parseAnswer(pushResponseSchema, await readJson(res), 'a push');
  }

  async pull(workspace: string, after: number, limit: number): Promise<PullResponse> {
    const res = await this.call('GET', `/v1/workspaces/${encodeURIComponent(workspace)}/pull?after=${after}&limit=${limit}`);
    return parseAnswer(pullResponseSchema, await readJson(res), 'a pull');
  }

  async hasBlob(workspace: string, sha256: string): Promise<boolean> {
    try {
      await this.call('HEAD', `/v1/workspaces/${encodeURIComponent(workspace)}/blobs/${sha256}`);
      return true;
    } catch (error) {
      if (error instanceof SyncTransportError && error.code === 'not_found') return false;
      throw error;
    }
  }

  async putBlob(workspace: string, sha256: string, size: number, body: () => AsyncIterable<Uint8Array>): Promise<void> {
    const stream = Readable.from(body());
    const res = await this.call('PUT', `/v1/workspaces/${encodeURIComponent(workspace)}/blobs/${sha256}`, stream, { 'content-type': 'application/octet-stream', 'content-length': String(size) }, false);
    await res.body?.cancel();
  }

  async getBlob(workspace: string, sha256: string, offset: number): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.call('GET', `/v1/workspaces/${encodeURIComponent(workspace)}/blobs/${sha256}`, undefined, offset > 0 ? { range: `bytes=${offset}-` } : {}, false);
    if (offset > 0 && res.status !== 206) throw new SyncTransportError('unsupported', 'the sync server did not resume the download where it stopped');
    if (!res.body) throw new SyncTransportError('unavailable', 'the sync server sent no bytes');
    return res.body;
  }

  live(workspaces: readonly string[], handlers: LiveHandlers): LiveConnection {
    const url = `${this.base.replace(/^http/, 'ws')}/v1/live?ws=${workspaces.map(encodeURIComponent).join(',')}`;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.options.token}`, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) }, perMessageDeflate: false, maxPayload: 1024 * 1024 });
    let closed = false;
    const close = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      handlers.onClose(code, reason);
    };
    socket.on('open', () => handlers.onOpen());
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      let message: unknown;
      try {
        message = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        message = undefined;
      }
      const parsed = serverLiveMessageSchema.safeParse(message);
      // Something the protocol does not know is ignored: a newer server may send more kinds.
      if (parsed.success) handlers.onMessage(parsed.data);
    });
    socket.on('unexpected-response', (_req, res) => {
      close(res.statusCode === 401 ? 4001 : 1006, `the live socket was refused (${res.statusCode ?? 0})`);
      socket.terminate();
    });
    socket.on('error', () => close(1006, 'the live socket failed'));
    socket.on('close', (code, reason) => close(code, reason.toString()));
    return { close: () => socket.terminate() };
  }

  private async call(method: string, path: string, body?: string | Readable, headers: Record<string, string> = {}, timed = true): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION), ...headers },
        ...(body !== undefined ? { body: body as unknown as string, duplex: 'half' } : {}),
        ...(timed ? { signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000) } : {}),
      });
    } catch (error) {
      throw new SyncTransportError('unavailable', `the sync server at ${this.base} cannot be reached (${error instanceof Error ? error.message : String(error)})`);
    }
    if (res.ok) return res;
    const retryAfter = Number(res.headers.get('retry-after'));
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 3600) * 1000 : undefined;
    if (method === 'HEAD') throw new SyncTransportError(res.status === 404 ? 'not_found' : codeForStatus(res.status), `the sync server answered ${res.status}`, retryAfterMs);
    const answer = errorBodySchema.safeParse(await readJson(res).catch(() => undefined));
    if (answer.success) throw new SyncTransportError(answer.data.code, answer.data.message, retryAfterMs, answer.data.details);
    throw new SyncTransportError(codeForStatus(res.status), `the sync server answered ${res.status}`, retryAfterMs);
  }
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 413) return 'too_large';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'validation';
}

async function readJson(res: Response): Promise<unknown> {
  try {
    return (await res.json()) as unknown;
  } catch {
    throw new SyncTransportError('unavailable', 'the sync server sent an answer that is not JSON');
  }
}

function parseAnswer<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SyncTransportError('validation', `the sync server's answer to ${what} is not what the protocol says`);
  return parsed.data;
}

