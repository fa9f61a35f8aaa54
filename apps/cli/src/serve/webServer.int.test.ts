// The web-mode server over real sockets with a real engine: who it lets in, and how it survives bad input.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalEngineApi, Engine, importBytes, systemEnvironment, type HostFrame } from '@cairn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attachmentDisposition, engineWebFiles, inlineDisposition } from './webFiles.js';
import { startWebServer, type WebServer } from './webServer.js';

let engine: Engine;
let server: WebServer;
let temp: { path: string; remove: () => void };
const makeTempDir = (prefix: string) => {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
};
let origin: string;
const MAX = 64 * 1024;
const UPLOAD_MAX = 256 * 1024;

beforeAll(async () => {
  temp = makeTempDir('cairn-serve-');
  const uiDir = join(temp.path, 'ui');
  mkdirSync(join(uiDir, 'assets'), { recursive: true });
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Cairn</title>');
  writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(temp.path, 'secret.txt'), 'not for the web');
  engine = Engine.open({ dataDir: join(temp.path, 'data') });
  server = await startWebServer({ api: createLocalEngineApi(engine, systemEnvironment.newId), uiDir, port: 0, maxRequestBytes: MAX, files: engineWebFiles(engine, { maxFileBytes: UPLOAD_MAX }) });
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
  engine.close();
  temp.remove();
});

/** A raw request, so Host and Origin can be anything (fetch would not let us). */
function raw(path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) };
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers: { ...length, ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const host = () => `127.0.0.1:${server.port}`;
const bearer = () => ({ Host: host(), Authorization: `Bearer ${server.token}` });

function connect(headers: Record<string, string>): Promise<{ socket: WebSocket; frames: HostFrame[]; next: () => Promise<HostFrame> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers });
    const frames: HostFrame[] = [];
    const waiters: ((frame: HostFrame) => void)[] = [];
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as HostFrame;
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    });
    socket.on('open', () => resolve({ socket, frames, next: () => (frames.length > 0 ? Promise.resolve(frames.shift()!) : new Promise((r) => waiters.push(r))) }));
    socket.on('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    socket.on('error', reject);
  });
}

describe('web server: who may drive it', () => {
  it('listens on 127.0.0.1 only and prints a link that carries the token', () => {
    expect(server.url).toBe(`${origin}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(43);
  });

  it('refuses requests without the token, for the UI and the API alike', async () => {
    expect((await raw('/', { Host: host() })).status).toBe(401);
    expect((await raw('/assets/app.js', { Host: host() })).status).toBe(401);
    const rpc = await raw('/api/rpc', { Host: host(), 'Content-Type': 'application/json' }, 'POST', JSON.stringify({ id: 1, method: 'status' }));
    expect(rpc.status).toBe(401);
    expect(JSON.parse(rpc.body)).toMatchObject({ error: { code: 'forbidden' } });
    expect((await raw('/', { Host: host(), Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await raw(`/?token=${server.token.slice(1)}x`, { Host: host() })).status).toBe(401);
  });

  it('swaps a valid link token for an HttpOnly, SameSite=Strict cookie named after the port', async () => {
    const first = await raw(`/?token=${server.token}`, { Host: host() });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toContain(`cairn_session_${server.port}=${server.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await raw('/', { Host: host(), Cookie: `cairn_session_${server.port}=${server.token}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Cairn</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses other Host names (DNS rebinding) and other origins, even with the token', async () => {
    expect((await raw('/', { ...bearer(), Host: `evil.example:${server.port}` })).status).toBe(421);
    const cross = await raw('/api/rpc', { ...bearer(), Origin: 'http://127.0.0.1:9', 'Content-Type': 'application/json' }, 'POST', JSON.stringify({ id: 1, method: 'status' }));
    expect(cross.status).toBe(403);
    expect(cross.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await raw('/api/rpc', { Host: host(), Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' }, 'OPTIONS');
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const same = await raw('/api/rpc', { ...bearer(), Origin: origin, 'Content-Type': 'application/json' }, 'POST', JSON.stringify({ id: 1, method: 'status' }));
    expect(same.status).toBe(200);
  });

  it('refuses WebSocket handshakes without the token or from another origin', async () => {
    await expect(connect({})).rejects.toThrow('refused with 401');
    await expect(connect({ Authorization: `Bearer ${server.token}`, Origin: 'http://localhost:1234' })).rejects.toThrow('refused with 403');
    const { socket, next } = await connect({ Cookie: `cairn_session_${server.port}=${server.token}`, Origin: origin });
    expect(await next()).toMatchObject({ type: 'hello', protocol: 1 });
    socket.close();
  });

  it('serves only files inside the UI folder', async () => {
    expect((await raw('/../secret.txt', bearer())).status).toBe(404);
    expect((await raw('/%2e%2e/secret.txt', bearer())).status).toBe(404);
    expect((await raw('/%E0%A4%A', bearer())).status).toBe(404);
    const asset = await raw('/assets/app.js', bearer());
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
  });
});

describe('web server: the API over HTTP', () => {
  const call = (body: string, contentType = 'application/json') => raw('/api/rpc', { ...bearer(), 'Content-Type': contentType }, 'POST', body);

  it('answers calls, with the HTTP status following the error code', async () => {
    const created = await call(JSON.stringify({ id: 1, method: 'createEntry', params: { title: 'Over HTTP' } }));
    expect(created.status).toBe(200);
    const { result } = JSON.parse(created.body) as { result: { entryId: string } };
    const missing = await call(JSON.stringify({ id: 2, method: 'getEntry', params: { id: '01900000-0000-7000-8000-000000000000' } }));
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ id: 2, ok: false, error: { code: 'not_found' } });
    const stale = await call(JSON.stringify({ id: 3, method: 'updateEntry', params: { id: result.entryId, title: 'x', expectedVersion: 7 } }));
    expect(stale.status).toBe(409);
    expect((await call(JSON.stringify({ id: 4, method: 'nope' }))).status).toBe(400);
  });

  it('refuses malformed bodies, other content types and bodies over the limit', async () => {
    expect((await call('{not json')).status).toBe(400);
    expect((await call(JSON.stringify({ id: 1, method: 'status' }), 'text/plain')).status).toBe(415);
    const big = await call(JSON.stringify({ id: 1, method: 'createEntry', params: { title: 'x'.repeat(MAX) } }));
    expect(big.status).toBe(413);
    expect((await raw('/api/rpc', bearer(), 'GET')).status).toBe(405);
  });
});

describe('web server: uploads and originals', () => {
  const upload = (name: string, body: string, headers: Record<string, string> = bearer()) =>
    raw(`/api/import?name=${encodeURIComponent(name)}&ocr=eng`, { ...headers, 'Content-Type': 'application/octet-stream' }, 'POST', body);

  it('streams an upload into an import (larger than the API limit), and serves the original back as a download only', async () => {
    const text = `# Big notes\n\n${'line of text\n'.repeat(12_000)}`; // ~150 KB: over MAX, under UPLOAD_MAX
    const name = '报告 "final";.md';
    const answer = await upload(name, text);
    expect(answer.status).toBe(200);
    const { result } = JSON.parse(answer.body) as { result: { outcome: string; entryId: string; size: number } };
    expect(result).toMatchObject({ outcome: 'imported', size: Buffer.byteLength(text) });
    expect(engine.documents.get(result.entryId).file.name).toBe(name);
    expect(engine.jobs.list({ status: 'queued' }).map((job) => (job.payload as { entryId: string; ocrLanguages?: string[] }))).toContainEqual({ entryId: result.entryId, ocrLanguages: ['eng'] });

    const original = await raw(`/api/original/${result.entryId}`, bearer());
    expect(original.status).toBe(200);
    expect(original.body).toBe(text);
    expect(original.headers['content-type']).toBe('application/octet-stream');
    expect(original.headers['content-disposition']).toBe(attachmentDisposition(name));
    expect(original.headers['content-disposition']).toMatch(/^attachment; filename="__ _final__.md"; filename\*=UTF-8''%E6%8A%A5%E5%91%8A%20%22final%22%3B.md$/);
    expect(original.headers['access-control-allow-origin']).toBeUndefined();
    expect((await raw('/api/original/01900000-0000-7000-8000-000000000000', bearer())).status).toBe(404);
  });

  it('shows an image original inside the page on request (?inline=1), locked down, and keeps HTML a download', async () => {
    // A 1×1 PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const image = await importBytes(engine, 'pixel.png', png);
    const shown = await raw(`/api/original/${image.entryId}?inline=1`, bearer());
    expect(shown.status).toBe(200);
    expect(shown.headers['content-type']).toBe('image/png');
    expect(shown.headers['content-length']).toBe(String(png.length));
    expect(shown.headers['content-disposition']).toBe(inlineDisposition('pixel.png'));
    expect(shown.headers['content-security-policy']).toMatch(/^sandbox; default-src 'none';/);
    expect(shown.headers['x-content-type-options']).toBe('nosniff');
    expect(shown.headers['x-frame-options']).toBe('SAMEORIGIN');
    // Without the flag, the same file is a download.
    expect((await raw(`/api/original/${image.entryId}`, bearer())).headers['content-disposition']).toBe(attachmentDisposition('pixel.png'));

    // HTML could run script on this origin: asked inline, it is still only a download.
    const page = await importBytes(engine, 'page.html', Buffer.from('<!doctype html><title>t</title><script>alert(1)</script><p>hello</p>'));
    const html = await raw(`/api/original/${page.entryId}?inline=1`, bearer());
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toBe('application/octet-stream');
    expect(html.headers['content-disposition']).toBe(attachmentDisposition('page.html'));
    expect((await raw(`/api/original/${image.entryId}?inline=1`, { Host: host() })).status).toBe(401);
  });

  it('shows HTML and e-mail originals only as the engine’s safe view over the API: no script, no remote load, headers given', async () => {
    const view = async (id: string) => {
      const answer = await raw('/api/rpc', { ...bearer(), 'Content-Type': 'application/json' }, 'POST', JSON.stringify({ id: 1, method: 'viewOriginal', params: { id } }));
      expect(answer.status).toBe(200);
      return (JSON.parse(answer.body) as { result: { kind: string; html: string | null; headers?: Record<string, string | null>; remoteImages: number } }).result;
    };
    const page = await importBytes(
      engine,
      'tracked.html',
      Buffer.from('<!doctype html><title>t</title><script>document.title="ran"</script><p onclick="x()">hello</p><img src="http://tracker.example/p.gif"><link rel="stylesheet" href="http://tracker.example/s.css">'),
    );
    const html = await view(page.entryId!);
    expect(html).toMatchObject({ kind: 'html', remoteImages: 1 });
    expect(html.html).toContain('<p>hello</p>');
    expect(html.html).not.toMatch(/script|onclick|tracker\.example|<link/);
    // The file itself is still never served inline.
    expect((await raw(`/api/original/${page.entryId}?inline=1`, bearer())).headers['content-disposition']).toBe(attachmentDisposition('tracked.html'));

    const eml = ['From: Ada <ada@example.com>', 'To: bob@example.com', 'Subject: Hello there', 'Content-Type: text/html; charset=utf-8', '', '<p>Hi <img src="https://tracker.example/open.gif"></p><script>alert(1)</script>', ''].join('\r\n');
    const mail = await view((await importBytes(engine, 'hello.eml', Buffer.from(eml))).entryId!);
    expect(mail).toMatchObject({ kind: 'email', headers: { from: 'Ada <ada@example.com>', to: 'bob@example.com', subject: 'Hello there' }, remoteImages: 1 });
    expect(mail.html).toContain('<p>Hi ');
    expect(mail.html).not.toMatch(/script|tracker\.example/);
  });

  it('refuses uploads without the token, from other origins, over the size limit, or with a bad OCR language', async () => {
    expect((await upload('a.md', 'x', { Host: host() })).status).toBe(401);
    expect((await upload('a.md', 'x', { ...bearer(), Origin: 'http://127.0.0.1:9' })).status).toBe(403);
    expect((await raw(`/api/original/x`, { Host: host() })).status).toBe(401);
    const big = await upload('big.bin', 'x'.repeat(UPLOAD_MAX + 1));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ ok: false, error: { code: 'validation' } });
    const language = await raw('/api/import?name=a.png&ocr=klingon', { ...bearer(), 'Content-Type': 'application/octet-stream' }, 'POST', 'x');
    expect(language.status).toBe(400);
    expect((await raw('/api/import', { ...bearer() }, 'POST', 'x')).status).toBe(400);
    expect((await raw('/api/import?name=a.md', bearer(), 'GET')).status).toBe(405);
  });
});

describe('web server: the session over WebSocket', () => {
  it('pushes changes to every connected client', async () => {
    const headers = { Cookie: `cairn_session_${server.port}=${server.token}`, Origin: origin };
    const a = await connect(headers);
    const b = await connect(headers);
    await a.next();
    await b.next();
    a.socket.send(JSON.stringify({ type: 'call', id: 1, method: 'createEntry', params: { title: 'Pushed' } }));
    const frames = [await a.next(), await a.next()];
    const result = frames.find((f) => f.type === 'result');
    expect(result).toMatchObject({ type: 'result', id: 1, ok: true });
    const notice = await b.next();
    expect(notice).toMatchObject({ type: 'notice', notice: { type: 'changed', eventTypes: ['EntryCreated'] } });
    a.socket.close();
    b.socket.close();
  });

  it('answers malformed frames with a fault, drops oversized ones, and keeps serving everyone', async () => {
    const headers = { Authorization: `Bearer ${server.token}` };
    const client = await connect(headers);
    await client.next();
    client.socket.send('{not json');
    expect(await client.next()).toMatchObject({ type: 'fault', error: { code: 'validation' } });
    client.socket.send(Buffer.from([0xff, 0x00]), { binary: true });
    expect(await client.next()).toMatchObject({ type: 'fault' });
    client.socket.send(JSON.stringify({ type: 'call', id: 9, method: 'status', params: 'nope' }));
    expect(await client.next()).toMatchObject({ type: 'result', id: 9, ok: false, error: { code: 'validation' } });

    const closed = new Promise<number>((resolve) => client.socket.on('close', (code) => resolve(code)));
    client.socket.send('x'.repeat(MAX + 1));
    expect(await closed).toBe(1009);

    const again = await connect(headers);
    await again.next();
    again.socket.send(JSON.stringify({ type: 'call', id: 1, method: 'status' }));
    expect(await again.next()).toMatchObject({ type: 'result', id: 1, ok: true });
    again.socket.close();
  });
});
