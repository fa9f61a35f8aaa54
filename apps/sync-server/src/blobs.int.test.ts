import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { expect, it } from 'vitest';
import { BLOB_CHUNK_BYTES } from './services/blobs.js';
import { describeBackends, EventFactory, startTestServer, TestClient } from './testing/harness.js';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const binary = { 'content-type': 'application/octet-stream' };

/** Streams `total` bytes of `fill` slowly enough to cross many reads, then ends (or stops early). */
function streamUpload(url: string, token: string, total: number, options: { declare?: boolean; stopAfter?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(target, { method: 'PUT', headers: { authorization: `Bearer ${token}`, ...binary, ...(options.declare ? { 'content-length': String(total) } : {}) } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => resolve({ status: -1, body: String(error) }));
    const piece = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        if (options.stopAfter !== undefined && sent >= options.stopAfter) {
          req.destroy();
          return;
        }
        const n = Math.min(piece.length, total - sent);
        sent += n;
        if (!req.write(piece.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
    void reject;
  });
}

describeBackends('blobs', (backend) => {
  async function team(settings: Record<string, string> = {}) {
    const server = await startTestServer(backend(), settings);
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    return { server, alice, ws, device: new EventFactory(alice.deviceId) };
  }

  /** Uploads `bytes` and pushes the document event that references them. */
  async function share(client: TestClient, ws: string, device: EventFactory, bytes: Buffer) {
    const put = await client.request('PUT', `/v1/workspaces/${ws}/blobs/${sha(bytes)}`, bytes, binary);
    await client.push(ws, [device.importDocument('file', { sha256: sha(bytes), name: 'file.bin', size: bytes.length, mimeType: 'application/octet-stream' })]);
    return put;
  }

  it('stores a blob verified against its hash, and serves it whole, by range and by HEAD', async () => {
    const { alice, ws, device } = await team();
    const bytes = randomBytes(BLOB_CHUNK_BYTES * 2 + 12_345);
    const put = await share(alice, ws, device, bytes);
    expect(put.status).toBe(201);
    expect(put.body).toEqual({ sha256: sha(bytes), size: bytes.length, existed: false });
    const path = `/v1/workspaces/${ws}/blobs/${sha(bytes)}`;
    const whole = await fetch(`${alice.url}${path}`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('etag')).toBe(`"${sha(bytes)}"`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = async (range: string) => {
      const res = await fetch(`${alice.url}${path}`, { headers: { authorization: `Bearer ${alice.token}`, range } });
      return { status: res.status, range: res.headers.get('content-range'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    // A range across a chunk boundary, an open-ended one, a suffix: a resumed download.
    const across = await part(`bytes=${BLOB_CHUNK_BYTES - 10}-${BLOB_CHUNK_BYTES + 9}`);
    expect(across).toMatchObject({ status: 206, range: `bytes ${BLOB_CHUNK_BYTES - 10}-${BLOB_CHUNK_BYTES + 9}/${bytes.length}` });
    expect(across.bytes.equals(bytes.subarray(BLOB_CHUNK_BYTES - 10, BLOB_CHUNK_BYTES + 10))).toBe(true);
    expect((await part(`bytes=${bytes.length - 100}-`)).bytes.equals(bytes.subarray(bytes.length - 100))).toBe(true);
    expect((await part('bytes=-5')).bytes.equals(bytes.subarray(bytes.length - 5))).toBe(true);
    expect((await part(`bytes=${bytes.length}-`)).status).toBe(416);
    const head = await alice.request('HEAD', path);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('cairn-blob-referenced')).toBe('true');
    // Uploading it again reads nothing and stores nothing.
    expect((await alice.request('PUT', path, bytes, binary)).body).toMatchObject({ existed: true });
  });

  it('streams an upload larger than memory would like, chunk by chunk', async () => {
    const { alice, ws } = await team();
    const total = 5 * 1024 * 1024 + 7;
    const expected = createHash('sha256').update(Buffer.alloc(total, 7)).digest('hex');
    const res = await streamUpload(`${alice.url}/v1/workspaces/${ws}/blobs/${expected}`, alice.token!, total);
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ size: total });
  });

  it('refuses bytes that do not match the hash, and oversized blobs, storing nothing', async () => {
    const { server, alice, ws } = await team({ 'max-blob-bytes': String(2 * 1024 * 1024) });
    const wrong = await alice.request('PUT', `/v1/workspaces/${ws}/blobs/${sha('the real content')}`, 'forged content', binary);
    expect(wrong).toMatchObject({ status: 400, body: { code: 'validation' } });
    const declared = await streamUpload(`${alice.url}/v1/workspaces/${ws}/blobs/${'e'.repeat(64)}`, alice.token!, 3 * 1024 * 1024, { declare: true });
    expect(declared.status).toBe(413);
    const undeclared = await streamUpload(`${alice.url}/v1/workspaces/${ws}/blobs/${'e'.repeat(64)}`, alice.token!, 3 * 1024 * 1024);
    expect([413, -1]).toContain(undeclared.status);
    const cut = await streamUpload(`${alice.url}/v1/workspaces/${ws}/blobs/${'f'.repeat(64)}`, alice.token!, 1024 * 1024 + 5, { declare: true, stopAfter: 600 * 1024 });
    expect(cut.status).toBe(-1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const counts = await server.app.db.query<{ blobs: number; chunks: number; uploads: number }>(
      'SELECT (SELECT count(*)::int FROM blobs) AS blobs, (SELECT count(*)::int FROM blob_chunks) AS chunks, (SELECT count(*)::int FROM blob_uploads) AS uploads',
    );
    expect(counts[0]).toEqual({ blobs: 0, chunks: 0, uploads: 0 });
    expect((await alice.request('PUT', `/v1/workspaces/${ws}/blobs/NOT-A-HASH`, 'x', binary)).status).toBe(400);
    expect((await alice.pull(ws)).status).toBe(200);
  });

  it('never serves another team’s blob, whether by guessing its hash or by pushing an event that names it', async () => {
    const { server, alice, ws, device } = await team();
    const secret = Buffer.from('the other team’s contract');
    await share(alice, ws, device, secret);
    const mallory = await new TestClient(server.url).account('mallory');
    const theirs = await mallory.workspace('mallory');
    const path = `/v1/workspaces/${theirs}/blobs/${sha(secret)}`;
    expect((await mallory.request('GET', path)).status).toBe(404);
    expect((await mallory.request('HEAD', path)).status).toBe(404);
    await mallory.push(theirs, [new EventFactory(mallory.deviceId).importDocument('stolen', { sha256: sha(secret), name: 'x', size: secret.length, mimeType: 'text/plain' })]);
    const after = await mallory.request('GET', path);
    expect(after.status).toBe(404);
    expect(after.text).not.toContain('contract');
    expect((await mallory.request('GET', `/v1/workspaces/${ws}/blobs/${sha(secret)}`)).status).toBe(403);
    // Proving possession (uploading the same bytes) lets mallory's workspace read its own copy.
    expect((await mallory.request('PUT', path, secret, binary)).status).toBe(200);
    expect((await mallory.request('GET', path)).text).toBe(secret.toString());
  });

  it('a workspace reads a blob only once its log references it', async () => {
    const { alice, ws } = await team();
    const bytes = Buffer.from('uploaded first, pushed later');
    const path = `/v1/workspaces/${ws}/blobs/${sha(bytes)}`;
    await alice.request('PUT', path, bytes, binary);
    expect((await alice.request('HEAD', path)).headers.get('cairn-blob-referenced')).toBe('false');
    expect((await alice.request('GET', path)).status).toBe(404);
    await alice.push(ws, [new EventFactory(alice.deviceId).importDocument('later', { sha256: sha(bytes), name: 'l.txt', size: bytes.length, mimeType: 'text/plain' })]);
    expect((await alice.request('GET', path)).text).toBe(bytes.toString());
  });
});
