import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CairnError } from '@cairn/core/domain';
import { checkProtocolVersion, liveCloseCodes, PROTOCOL_HEADER, workspaceIdSchema } from '@cairn/core/protocol';
import FindMyWay from 'find-my-way';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '../app.js';
import type { Logger } from '../ops/logger.js';
import type { Principal } from '../services/identity.js';
import { readJson } from './body.js';
import { errorResponse, sendError } from './respond.js';
import { checkedWorkspaceId, type Route, type RouteContext } from './route.js';
import { accountRoutes } from './routes/accountRoutes.js';
import { blobRoutes } from './routes/blobRoutes.js';
import { opsRoutes } from './routes/opsRoutes.js';
import { syncRoutes } from './routes/syncRoutes.js';
import { viewRoutes } from './routes/viewRoutes.js';
import { webhookRoutes } from './routes/webhookRoutes.js';
import { workspaceRoutes } from './routes/workspaceRoutes.js';

export const routes: readonly Route[] = [...opsRoutes, ...accountRoutes, ...workspaceRoutes, ...syncRoutes, ...blobRoutes, ...viewRoutes, ...webhookRoutes];

export interface HttpFront {
  readonly server: Server;
  /** Requests being answered now. */
  inFlight(): number;
}

/**
 * The HTTP and WebSocket front: one route module per protocol area, each validating with core's protocol schemas
 * and calling a service; this file only routes, authenticates lazily, limits, measures, logs and turns failures
 * into `{code, message}`.
 */
export function createHttpFront(app: App): HttpFront {
  const router = FindMyWay({ ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 200 });
  for (const route of routes) {
    router.on(route.method, route.path, () => undefined, route);
  }
  let inFlight = 0;
  const server = createServer({ requestTimeout: 0, headersTimeout: 30_000, keepAliveTimeout: 65_000 }, (req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
    void handle(app, router, req, res);
  });
  // No per-message deflate: thousands of idle sockets would each hold a compression context.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: app.ctx.config.wsMaxFrameBytes, clientTracking: false });
  server.on('upgrade', (req, socket, head) => void upgrade(app, wss, req, socket, head));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  return { server, inFlight: () => inFlight };
}

async function handle(app: App, router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const requestId = validRequestId(req.headers['x-request-id']) ?? randomUUID();
  res.setHeader('x-request-id', requestId);
  const raw = req.url ?? '/';
  const mark = raw.indexOf('?');
  const pathname = mark === -1 ? raw : raw.slice(0, mark);
  const search = mark === -1 ? '' : raw.slice(mark + 1);
  const method = req.method ?? 'GET';
  const found = router.find(method as FindMyWay.HTTPMethod, pathname);
  const route = found?.store as Route | undefined;
  const name = route ? (route.name ?? route.path) : 'unmatched';
  let userId: string | undefined;
  let status = 500;
  try {
    if (app.draining) {
      res.setHeader('connection', 'close');
      throw new CairnError('unavailable', 'this instance is shutting down: retry (another instance will answer)');
    }
    if (!route) throw new CairnError('not_found', `no route ${method} ${pathname.slice(0, 200)}`);
    if (pathname.startsWith('/v1')) {
      const verdict = checkProtocolVersion(header(req, PROTOCOL_HEADER));
      if (!verdict.ok) throw new CairnError(verdict.code, verdict.message);
    }
    let principal: Promise<Principal> | undefined;
    let query: URLSearchParams | undefined;
    let log: Logger | undefined;
    const ctx: RouteContext = {
      req,
      res,
      params: (found?.params ?? {}) as Record<string, string>,
      get query() {
        return (query ??= new URLSearchParams(search));
      },
      rawQuery: search,
      requestId,
      get ip() {
        return app.clientAddress(req);
      },
      get log() {
        return (log ??= app.ctx.log.child({ requestId }));
      },
      app,
      principal: () =>
        (principal ??= app.identity.authenticate(header(req, 'authorization')).then((p) => {
          userId = p.userId;
          app.limitToken(p.tokenId);
          return p;
        })),
      json: () => readJson(req, app.ctx.config.maxBodyBytes),
      workspaceId: () => checkedWorkspaceId(found?.params.ws),
    };
    await route.handle(ctx);
    status = res.statusCode;
  } catch (error) {
    // A body not read (refused before reading) is drained up to a bound, so the answer reaches the client.
    if (!req.complete) drainOrClose(req, res);
    status = sendError(res, error);
    if (status >= 500 && !(error instanceof CairnError && error.code === 'unavailable')) app.ctx.log.error({ err: error, requestId, route: name }, 'request failed');
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    app.ctx.metrics.countRequest(name, method, status, seconds);
    if (app.ctx.log.isLevelEnabled('info')) app.ctx.log.info({ requestId, method, route: name, status, ms: Math.round(seconds * 1000), userId }, 'request');
  }
}

/** Reads and discards the rest of a refused body up to 1 MiB; beyond that the connection is closed. */
function drainOrClose(req: IncomingMessage, res: ServerResponse): void {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > 1024 * 1024) req.destroy();
  });
  req.on('error', () => undefined);
  if (!res.headersSent) res.setHeader('connection', 'close');
  req.resume();
}

/** `GET /v1/live`: authenticated on upgrade; refusals are plain HTTP answers with `{code, message}`. */
async function upgrade(app: App, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  socket.on('error', () => undefined);
  const refuse = (error: unknown) => {
    const { status, body, headers } = errorResponse(error);
    const text = JSON.stringify(body);
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Refused'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${extra}connection: close\r\n\r\n${text}`);
  };
  try {
    const url = new URL(req.url ?? '/', 'http://server');
    if (url.pathname !== '/v1/live') throw new CairnError('not_found', 'the live socket is at /v1/live');
    if (app.draining) throw new CairnError('unavailable', 'this instance is shutting down: reconnect');
    const verdict = checkProtocolVersion(header(req, PROTOCOL_HEADER) ?? url.searchParams.get('v') ?? undefined);
    if (!verdict.ok) throw new CairnError(verdict.code, verdict.message);
    const only = url.searchParams.get('ws')?.split(',').filter(Boolean);
    if (only?.some((ws) => !workspaceIdSchema.safeParse(ws).success)) throw new CairnError('validation', 'ws must be a comma-separated list of workspace ids');
    const principal = await app.identity.authenticate(header(req, 'authorization'));
    app.limitToken(principal.tokenId);
    wss.handleUpgrade(req, socket, head, (ws) => void attach(app, ws, principal, only));
  } catch (error) {
    refuse(error);
  }
}

async function attach(app: App, ws: WebSocket, principal: Principal, only: string[] | undefined): Promise<void> {
  const socket = {
    isOpen: () => ws.readyState === ws.OPEN,
    send: (text: string) => ws.send(text),
    close: (code: number, reason: string) => ws.close(code, reason.slice(0, 120)),
  };
  let alive = true;
  ws.on('pong', () => (alive = true));
  const heartbeat = setInterval(() => {
    if (!alive) {
      ws.close(liveCloseCodes.timeout, 'no answer to the heartbeat');
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
  }, app.ctx.config.heartbeatMs);
  heartbeat.unref();
  ws.on('close', () => {
    clearInterval(heartbeat);
    app.hub.disconnected(socket);
  });
  // ws closes with 1009 itself when a frame is over maxPayload; errors end in 'close' too.
  ws.on('error', () => undefined);
  const pending: [Buffer | string, boolean][] = [];
  let receive: ((raw: string | Buffer, isBinary: boolean) => void) | undefined;
  ws.on('message', (data, isBinary) => {
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (receive) receive(raw, isBinary);
    else pending.push([raw, isBinary]);
  });
  try {
    receive = await app.hub.connect(socket, principal, only);
    for (const [raw, isBinary] of pending) receive(raw, isBinary);
  } catch (error) {
    app.hub.disconnected(socket);
    app.ctx.log.warn({ err: error }, 'a live socket could not start');
    ws.close(liveCloseCodes.goingAway, 'the server could not start this connection: reconnect');
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function validRequestId(value: string | string[] | undefined): string | undefined {
  const id = Array.isArray(value) ? value[0] : value;
  return id !== undefined && /^[A-Za-z0-9._-]{8,100}$/.test(id) ? id : undefined;
}

