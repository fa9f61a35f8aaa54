import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { createRpcSession, handleRpc, toErrorData, type EngineApi, type ErrorCode } from '@cairn/core';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkRequest, createWebAuth, sessionCookie, type AuthVerdict, type WebAuth } from './webAuth.js';
import { attachmentDisposition, inlineDisposition, inlineTypes, type WebFiles } from './webFiles.js';

export interface WebServerOptions {
  readonly api: EngineApi;
  /** The built UI (index.html and assets/); without one the API is still served. */
  readonly uiDir: string | undefined;
  /** 0 picks a free port. */
  readonly port: number;
  /** Fixed token (tests); a fresh random one otherwise. */
  readonly token?: string;
  /** The largest HTTP body or WebSocket frame accepted, in bytes. */
  readonly maxRequestBytes?: number;
  /** Streamed uploads (`POST /api/import`) and downloads of originals (`GET /api/original/ID`); absent: 404. */
  readonly files?: WebFiles;
  readonly log?: (message: string) => void;
}

export interface WebServer {
  /** The link to open: it carries the token once, and the server swaps it for a session cookie. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Connected WebSocket clients. */
  readonly clients: () => number;
  /** Ends every tab's session (they reconnect): after `cairn serve` switched to another data directory. */
  closeSessions(reason: string): void;
  close(): Promise<void>;
}

export const HOST = '127.0.0.1';
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** HTTP status by error code (STYLE.md: HTTP status follows the code). */
export const statusByCode: Record<ErrorCode, number> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  concurrency: 409,
  forbidden: 403,
  unsupported: 415,
  busy: 503,
  read_only: 507,
  storage: 500,
  internal: 500,
  unauthorized: 401,
  rate_limited: 429,
  too_large: 413,
  unavailable: 503,
  clock_skew: 422,
  client_too_old: 426,
  server_too_old: 501,
};

/**
 * Web mode: the built UI and the engine API on 127.0.0.1 only. `POST /api/rpc` answers one call;
 * `GET /api/ws` upgrades to the session protocol (hello, calls, pushed notices) that keeps every tab live.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const maxBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const log = options.log ?? (() => undefined);
  const uiDir = options.uiDir !== undefined && existsSync(join(options.uiDir, 'index.html')) ? resolve(options.uiDir) : undefined;
  // Known once listening (it names the port).
  const bound: { auth?: WebAuth } = {};
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBytes });

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      log(`request failed: ${(error as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict = verify(req, url);
    securityHeaders(res, bound.auth!);
    if (!verdict.ok) return refuse(req, res, verdict);
    if (verdict.via === 'query') {
      // Swap the token in the address bar for a cookie, so it is not kept in history or shared by copy.
      url.searchParams.delete('token');
      res.writeHead(303, { Location: url.pathname + url.search, 'Set-Cookie': sessionCookie(bound.auth!) });
      return void res.end();
    }
    if (url.pathname === '/api/rpc') return rpcOverHttp(req, res);
    if (url.pathname === '/api/import' && options.files) return upload(req, res, url, options.files);
    if (url.pathname.startsWith('/api/original/') && options.files) return original(req, res, url, options.files);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'validation', message: `${req.method} is not allowed here` } });
    return serveStatic(req, res, url.pathname);
  }

  function verify(req: IncomingMessage, url: URL): AuthVerdict {
    return checkRequest(bound.auth!, {
      host: req.headers.host,
      origin: req.headers.origin,
      cookie: req.headers.cookie,
      authorization: req.headers.authorization,
      queryToken: url.searchParams.get('token') ?? undefined,
    });
  }

  async function rpcOverHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'validation', message: 'use POST for /api/rpc' } });
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      return sendJson(res, 415, { error: { code: 'validation', message: 'send the call as application/json' } });
    }
    const body = await readBody(req, maxBytes);
    if (body === undefined) {
      res.setHeader('Connection', 'close');
      return sendJson(res, 413, { error: { code: 'validation', message: `request larger than ${maxBytes} bytes` } });
    }
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      return sendJson(res, 400, { error: { code: 'validation', message: 'request body is not valid JSON' } });
    }
    const response = await handleRpc(options.api, request);
    sendJson(res, response.ok ? 200 : statusByCode[response.error.code], response);
  }

  /**
   * `POST /api/import?name=N[&ocr=eng+chi_sim]` with the file as the body: streamed into the blob store
   * (for files too large for a base64 call over the WebSocket), answered with the import's outcome.
   */
  async function upload(req: IncomingMessage, res: ServerResponse, url: URL, files: WebFiles): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'validation', message: 'use POST for /api/import' } });
    const name = url.searchParams.get('name');
    if (!name || name.length > 1_000) return drainThen(req, res, 400, { code: 'validation', message: 'give the file name as ?name=' });
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > files.maxUploadBytes) {
      return drainThen(req, res, 413, { code: 'validation', message: `the file is larger than the ${Math.round(files.maxUploadBytes / 2 ** 20)} MB limit` });
    }
    try {
      const outcome = await files.importUpload(name, req, { ocrLanguages: url.searchParams.get('ocr') ?? undefined });
      sendJson(res, 200, { ok: true, result: outcome });
    } catch (error) {
      const data = toErrorData(error);
      drainThen(req, res, statusByCode[data.code], data);
    }
  }

  /**
   * `GET /api/original/ID`: the document's original file as a download; with `?inline=1`, shown in the page
   * when it is a type the browser renders without running anything (images, PDF), under a CSP that lets it
   * run nothing and load nothing even if opened on its own. Other types are downloads either way.
   */
  function original(req: IncomingMessage, res: ServerResponse, url: URL, files: WebFiles): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'validation', message: 'use GET for /api/original' } });
    let file: ReturnType<WebFiles['original']>;
    try {
      file = files.original(decodeURIComponent(url.pathname.slice('/api/original/'.length)));
    } catch (error) {
      const data = toErrorData(error);
      return sendJson(res, statusByCode[data.code], { error: data });
    }
    const inline = url.searchParams.get('inline') === '1' && inlineTypes.has(file.mimeType);
    res.writeHead(200, {
      'Content-Type': inline ? file.mimeType : 'application/octet-stream',
      'Content-Length': file.size,
      'Content-Disposition': inline ? inlineDisposition(file.name) : attachmentDisposition(file.name),
      'Content-Security-Policy': inline ? "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'" : "sandbox; default-src 'none'",
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'SAMEORIGIN',
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (!uiDir) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('The Cairn UI is not built. Run `npm run build:ui` at the repository root, then reload.\n');
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    } catch {
      return void notFound(res);
    }
    const file = resolve(uiDir, `.${relative}`);
    if (relative.includes('\0') || !file.startsWith(uiDir + sep) || !existsSync(file) || !statSync(file).isFile()) return notFound(res);
    const immutable = relative.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': immutable ? 'private, max-age=31536000, immutable' : 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict = verify(req, url);
    if (url.pathname !== '/api/ws' || !verdict.ok) {
      const status = verdict.ok ? 404 : verdict.status;
      socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  function serveSocket(ws: WebSocket): void {
    sockets.add(ws);
    const session = createRpcSession(options.api, (frame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void session.receive(0);
      void session.receive(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    });
    ws.on('error', (error) => log(`websocket: ${error.message}`));
    ws.on('close', () => {
      session.close();
      sockets.delete(ws);
    });
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, HOST, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const auth = createWebAuth(port, options.token);
  bound.auth = auth;
  return {
    url: `http://${HOST}:${port}/?token=${auth.token}`,
    port,
    token: auth.token,
    clients: () => sockets.size,
    closeSessions(reason) {
      // 1012 "service restart": the close frame follows what was already sent (the answer to the switch).
      for (const ws of sockets) ws.close(1012, reason);
    },
    close: () =>
      new Promise<void>((resolvePromise) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}

function securityHeaders(res: ServerResponse, auth: WebAuth): void {
  const sockets = auth.origins.map((o) => o.replace(/^http:/, 'ws:')).join(' ');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ${sockets}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
  );
}

function refuse(req: IncomingMessage, res: ServerResponse, verdict: Extract<AuthVerdict, { ok: false }>): void {
  if ((req.headers.accept ?? '').includes('text/html')) {
    // A person opened the address without the printed link: tell them what to do.
    res.writeHead(verdict.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    return void res.end(`Cairn: ${verdict.reason}.\n`);
  }
  sendJson(res, verdict.status, { error: { code: 'forbidden', message: verdict.reason } });
}

function notFound(res: ServerResponse): void {
  sendJson(res, 404, { error: { code: 'not_found', message: 'no such file' } });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** Answers with an error and closes the connection (what is left of the body is not read). */
function drainThen(req: IncomingMessage, res: ServerResponse, status: number, error: { code: string; message: string }): void {
  res.setHeader('Connection', 'close');
  if (!req.readableEnded) req.resume();
  if (res.headersSent || res.destroyed) return void res.destroy();
  sendJson(res, status, { ok: false, error });
}

/** The body as text, or undefined when it is larger than `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      return resolvePromise(undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
