import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { CairnError } from '../errors/cairnError.js';
import { makeTempDir } from '../testing/tempDir.js';
import { writeTinyModel } from '../testing/tinyModel.js';
import { defaultModelFiles, defaultModelName, downloadModel } from './modelDownload.js';

/**
 * A local HTTP server standing in for the model hub: small files carry their git blob SHA-1 as ETag,
 * the weights answer with a redirect whose `X-Linked-Etag` is their SHA-256 (as the hub does), and
 * ranges are honoured. Faults are switched on per test.
 */
let dir: { path: string; remove: () => void };
let server: Server;
let base: string;
const files = new Map<string, Buffer>();
const requests: { path: string; range: string | undefined }[] = [];
let faults: { cutWeightsAfter?: number; cutTimes?: number; corruptWeights?: boolean } = {};

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

beforeAll(async () => {
  dir = makeTempDir();
  const source = writeTinyModel(join(dir.path, 'source'), { quantized: true });
  for (const file of defaultModelFiles) files.set(file, readFileSync(join(source, file)));
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    requests.push({ path: url.pathname, range: req.headers.range });
    if (url.pathname.startsWith('/hub/')) {
      const file = url.pathname.slice('/hub/'.length);
      const body = files.get(file);
      if (!body) return res.writeHead(404).end();
      if (file.endsWith('.onnx')) {
        return res.writeHead(302, { location: `/cdn/${file}`, 'x-linked-etag': `"${sha256(body)}"`, 'x-linked-size': String(body.length) }).end();
      }
      return res.writeHead(200, { etag: `"${gitSha1(body)}"`, 'content-length': body.length }).end(body);
    }
    if (url.pathname.startsWith('/cdn/')) {
      const original = files.get(url.pathname.slice('/cdn/'.length))!;
      const body = faults.corruptWeights ? Buffer.from(original.map((b, i) => (i === 100 ? b ^ 0xff : b))) : original;
      const etag = `"${sha256(original)}"`;
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range && req.headers['if-range'] === etag ? Number(range[1]) : 0;
      const part = body.subarray(start);
      res.writeHead(start > 0 ? 206 : 200, { etag, 'content-length': part.length, ...(start > 0 && { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` }) });
      if (faults.cutWeightsAfter !== undefined && (faults.cutTimes ?? 0) > 0) {
        faults.cutTimes = (faults.cutTimes ?? 0) - 1;
        // Cut once those bytes have left the process: destroying earlier would drop the ones still queued in Node.
        res.write(part.subarray(0, faults.cutWeightsAfter), () => setTimeout(() => res.destroy(), 20));
        return;
      }
      return res.end(part);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  dir.remove();
});
beforeEach(() => {
  faults = {};
  requests.length = 0;
});

describe('model download', () => {
  it('downloads with progress, verifies checksums, and the engine then uses the model', async () => {
    const engine = Engine.open({ dataDir: join(dir.path, 'data-ok'), autoCatchUp: false, backgroundEmbedding: false });
    const progress: { task: string; done: number; total: number }[] = [];
    const unsubscribe = engine.subscribe((n) => {
      if (n.type === 'progress') progress.push(n);
    });
    try {
      expect(engine.search.modelStatus().state).toBe('missing');
      const status = await engine.search.downloadModel({ url: base });
      expect(status).toMatchObject({ state: 'ready', name: defaultModelName, source: 'downloaded', dims: 16 });
      const weights = progress.filter((p) => p.task === 'model-download' && p.total === files.get('onnx/model_quantized.onnx')!.length);
      expect(weights.length).toBeGreaterThan(0);
      expect(weights.at(-1)!.done).toBe(weights.at(-1)!.total);
      const manifest = JSON.parse(readFileSync(join(dir.path, 'data-ok', 'models', defaultModelName, 'cairn-model.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
      expect(manifest.files.find((f) => f.path === 'onnx/model_quantized.onnx')!.sha256).toBe(sha256(files.get('onnx/model_quantized.onnx')!));
      // A second download finds the model in place.
      requests.length = 0;
      await engine.search.downloadModel({ url: base });
      expect(requests).toEqual([]);
    } finally {
      unsubscribe();
      engine.close();
    }
  });

  it('resumes an interrupted download where it stopped', async () => {
    const modelsDir = join(dir.path, 'data-resume', 'models');
    faults = { cutWeightsAfter: 50_000, cutTimes: 1 };
    let error: unknown;
    try {
      await downloadModel({ modelsDir, url: base, maxAttempts: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CairnError);
    expect((error as Error).message).toContain('run the download again to resume');
    expect(existsSync(join(modelsDir, defaultModelName))).toBe(false);
    requests.length = 0;
    const result = await downloadModel({ modelsDir, url: base });
    expect(result.downloaded).toBe(true);
    expect(requests.find((r) => r.path.startsWith('/cdn/'))!.range).toBe('bytes=50000-');
    const weights = files.get('onnx/model_quantized.onnx')!;
    expect(result.bytes).toBe(weights.length - 50_000);
    expect(sha256(readFileSync(join(modelsDir, defaultModelName, 'onnx', 'model_quantized.onnx')))).toBe(sha256(weights));
  });

  it('retries and resumes within one run when the connection drops', async () => {
    const modelsDir = join(dir.path, 'data-retry', 'models');
    faults = { cutWeightsAfter: 30_000, cutTimes: 2 };
    const result = await downloadModel({ modelsDir, url: base });
    expect(result.downloaded).toBe(true);
    expect(requests.filter((r) => r.path.startsWith('/cdn/')).map((r) => r.range)).toEqual([undefined, 'bytes=30000-', 'bytes=60000-']);
  });

  it('refuses a file that fails its checksum, with a clear error, and keeps nothing of it', async () => {
    const modelsDir = join(dir.path, 'data-corrupt', 'models');
    faults = { corruptWeights: true };
    let error: unknown;
    try {
      await downloadModel({ modelsDir, url: base });
    } catch (e) {
      error = e;
    }
    expect((error as CairnError).code).toBe('validation');
    expect((error as Error).message).toContain('onnx/model_quantized.onnx failed its checksum');
    expect(existsSync(join(modelsDir, defaultModelName))).toBe(false);
    expect(readdirSync(join(modelsDir, '.partial', defaultModelName, 'onnx'))).toEqual([]);
  });
});
