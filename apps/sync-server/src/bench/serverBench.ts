import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeHlc } from '@cairn/core/domain';
import autocannon from 'autocannon';
import pg from 'pg';
import { WebSocket } from 'ws';

/**
 * `npm run bench:server`: the sync server under a bounded load generator on loopback, one run, JSON. Every server is
 * a separate process (its RSS is sampled throughout); the load generator is this process. Rates are events (or
 * requests) per second of wall time; the views rate is compared with a bare node:http hello-world measured in the
 * same run by the same generator, since this machine's speed varies from day to day.
 */
export interface ServerBenchOptions {
  readonly databaseUrl: string;
  /** Events pushed (in batches of 100) per back end. */
  readonly events: number;
  readonly workspaces: number;
  /** Concurrent pushers. */
  readonly pushers: number;
  readonly liveClients: number;
  readonly pokes: number;
  /** Seconds each request-rate measurement runs, and how many alternating rounds of them. */
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly pglite: boolean;
  readonly log?: (line: string) => void;
}

// The built server (from dist/bench and, under the tests, from src/bench alike).
const mainJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const helloJs = fileURLToPath(new URL('../../dist/bench/helloServer.js', import.meta.url));
const BATCH = 100;

interface Instance {
  readonly url: string;
  readonly process: ChildProcess;
  readonly rss: () => number;
  stop(): Promise<void>;
}

/** Starts a process that prints `listening on URL` (the server or the hello-world) and samples its RSS. */
async function startProcess(script: string, env: Record<string, string>, args: string[] = []): Promise<Instance> {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${stderr}`)), 120_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
  });
  let peak = 0;
  const sample = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // the process ended
    }
  };
  const sampler = setInterval(sample, 100);
  return {
    url,
    process: child,
    rss: () => {
      sample();
      return peak;
    },
    stop: async () => {
      clearInterval(sampler);
      sample();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      child.kill('SIGKILL');
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(url: string, method: string, path: string, token: string | undefined, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function json<T = Record<string, unknown>>(url: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const res = await call(url, method, path, token, body === undefined ? undefined : JSON.stringify(body));
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return (res.text ? JSON.parse(res.text) : undefined) as T;
}

/** One account per pusher, each a member (editor) of every workspace. */
async function team(url: string, workspaces: number, members: number): Promise<{ tokens: string[]; owner: string; ids: string[] }> {
  const password = 'benchmark password';
  const suffix = randomBytes(3).toString('hex');
  await json(url, 'POST', '/v1/auth/signup', undefined, { username: `owner-${suffix}`, password });
  const owner = (await json<{ token: string }>(url, 'POST', '/v1/auth/signin', undefined, { username: `owner-${suffix}`, password, deviceName: 'bench' })).token;
  const ids: string[] = [];
  for (let w = 0; w < workspaces; w++) {
    const id = `bench-${suffix}-${w}`;
    await json(url, 'POST', '/v1/workspaces', owner, { id, name: id });
    ids.push(id);
  }
  const tokens: string[] = [];
  for (let m = 0; m < members; m++) {
    const username = `member-${suffix}-${m}`;
    await json(url, 'POST', '/v1/auth/signup', undefined, { username, password });
    const token = (await json<{ token: string }>(url, 'POST', '/v1/auth/signin', undefined, { username, password, deviceName: `bench ${m}` })).token;
    for (const ws of ids) {
      const { code } = await json<{ code: string }>(url, 'POST', `/v1/workspaces/${ws}/invitations`, owner, { role: 'editor' });
      await json(url, 'POST', '/v1/invitations/accept', token, { code });
    }
    tokens.push(token);
  }
  return { tokens, owner, ids };
}

/** Push bodies, built before the clock starts: batches of 100 notes (creates and edits) from one device each. */
function pushBodies(count: number, device: string, size = BATCH): string[] {
  const bodies: string[] = [];
  let wall = Date.now() - 60_000;
  for (let b = 0; b < count; b++) {
    const events = [];
    for (let i = 0; i < size; i++) {
      wall += 1;
      const entry = randomUUID();
      events.push({
        eventId: randomUUID(),
        type: 'EntryCreated',
        schemaVersion: 2,
        aggregateId: entry,
        aggregateType: 'entry',
        version: 1,
        data: { kind: 'note', title: `Note ${b}-${i}`, body: `Body of note ${b}-${i}: ${'lorem ipsum dolor sit amet '.repeat(4)}`, tags: [`tag${i % 10}`], attributes: {} },
        metadata: { workspaceId: 'bench', actorId: 'user:bench', deviceId: device, hlc: encodeHlc({ wallMs: wall, counter: 0, node: device }), baseVersion: 0, correlationId: randomUUID(), causationId: null, at: new Date(wall).toISOString(), baseEventId: null },
      });
    }
    bodies.push(JSON.stringify({ clientId: device, events }));
  }
  return bodies;
}

async function pushPhase(url: string, ids: readonly string[], tokens: readonly string[], events: number, pushers: number) {
  const batchesPer = Math.ceil(events / BATCH / pushers);
  const plans = Array.from({ length: pushers }, (_, p) => ({ ws: ids[p % ids.length]!, token: tokens[p % tokens.length]!, bodies: pushBodies(batchesPer, randomUUID()) }));
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    plans.map(async (plan) => {
      for (const body of plan.bodies) {
        const t = performance.now();
        const res = await call(url, 'POST', `/v1/workspaces/${plan.ws}/push`, plan.token, body);
        if (res.status !== 200) throw new Error(`push failed: ${res.status} ${res.text}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stored = batchesPer * pushers * BATCH;
  return { events: stored, batch: BATCH, pushers, seconds: round(seconds), eventsPerSecond: Math.round(stored / seconds), p50Ms: round(percentile(latencies, 0.5)), p95Ms: round(percentile(latencies, 0.95)) };
}

async function pullPhase(url: string, ids: readonly string[], token: string) {
  const started = performance.now();
  let events = 0;
  let requests = 0;
  await Promise.all(
    ids.map(async (ws) => {
      let after = 0;
      for (;;) {
        const res = await call(url, 'GET', `/v1/workspaces/${ws}/pull?after=${after}&limit=5000`, token);
        if (res.status !== 200) throw new Error(`pull failed: ${res.status}`);
        requests++;
        const page = JSON.parse(res.text) as { events: { seq: number }[]; more: boolean };
        events += page.events.length;
        if (page.events.length > 0) after = page.events[page.events.length - 1]!.seq;
        if (!page.more) break;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { events, requests, pageSize: 5000, seconds: round(seconds), eventsPerSecond: Math.round(events / seconds) };
}

async function rate(url: string, path: string, headers: Record<string, string>, seconds: number, connections: number): Promise<{ requestsPerSecond: number; p50Ms: number; p97_5Ms: number; bytesPerResponse: number; statuses: Record<string, number> }> {
  const result = await autocannon({ url: `${url}${path}`, headers, connections, duration: seconds, pipelining: 1 });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, (stat as { count: number }).count]));
  return { requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p97_5Ms: result.latency.p97_5, bytesPerResponse: Math.round(result.throughput.total / Math.max(1, result.requests.total)), statuses };
}

function fetchHeaders(url: string, path: string, token: string): Promise<{ etag: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ etag: String(res.headers.etag ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitViews(url: string, ids: readonly string[], token: string): Promise<number> {
  const started = performance.now();
  for (const ws of ids) {
    for (;;) {
      const page = await json<{ checkpoint: number; head: number }>(url, 'GET', `/v1/workspaces/${ws}/views/entries?limit=1`, token);
      if (page.checkpoint >= page.head) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return (performance.now() - started) / 1000;
}

async function livePhase(a: string, b: string, ws: string, token: string, clients: number, pokes: number) {
  const sockets: WebSocket[] = [];
  const arrivals = new Map<number, number[]>();
  let target = 0;
  let sentAt = 0;
  const opened = performance.now();
  for (let i = 0; i < clients; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, clients - i) }, () => {
        const socket = new WebSocket(`${a.replace('http', 'ws')}/v1/live?ws=${ws}`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
        sockets.push(socket);
        return new Promise<void>((resolve, reject) => {
          socket.on('message', (data: Buffer) => {
            const message = JSON.parse(data.toString()) as { type: string; head?: number };
            if (message.type === 'welcome') resolve();
            if (message.type === 'poke' && message.head === target) arrivals.get(target)?.push(performance.now() - sentAt);
          });
          socket.once('error', reject);
        });
      }),
    );
  }
  const connectSeconds = (performance.now() - opened) / 1000;
  const latencies: number[] = [];
  let missed = 0;
  const device = randomUUID();
  for (let p = 0; p < pokes; p++) {
    const body = pushBodies(1, device, 1)[0]!;
    const head = (await json<{ head: number }>(a, 'GET', `/v1/workspaces/${ws}`, token)).head;
    target = head + 1;
    arrivals.set(target, []);
    sentAt = performance.now();
    const res = await call(b, 'POST', `/v1/workspaces/${ws}/push`, token, body);
    if (res.status !== 200) throw new Error(`poke push failed: ${res.status} ${res.text}`);
    const deadline = performance.now() + 10_000;
    while (arrivals.get(target)!.length < clients && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const got = arrivals.get(target)!;
    missed += clients - got.length;
    latencies.push(...got);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  for (const socket of sockets) socket.terminate();
  return { clients, pokes, connectSeconds: round(connectSeconds), missed, p50Ms: round(percentile(latencies, 0.5)), p95Ms: round(percentile(latencies, 0.95)), maxMs: round(Math.max(...latencies)) };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

export async function runServerBench(options: ServerBenchOptions) {
  const log = options.log ?? (() => undefined);
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const env = { DATABASE_URL: options.databaseUrl, CAIRN_DB_SCHEMA: schema, CAIRN_SIGNUP: 'open', CAIRN_RATE_LIMIT: '0', LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1' };
  const instances: Instance[] = [];
  const dirs: string[] = [];
  try {
    const hello = await startProcess(helloJs, {});
    instances.push(hello);
    const a = await startProcess(mainJs, env);
    instances.push(a);
    const b = await startProcess(mainJs, env);
    instances.push(b);
    log(`servers on Postgres: ${a.url} ${b.url}`);
    const { tokens, ids } = await team(a.url, options.workspaces, options.pushers);
    log('pushing');
    const push = await pushPhase(a.url, ids, tokens, options.events, options.pushers);
    log(`push ${push.eventsPerSecond}/s; waiting for the views`);
    // The views fold in the background meanwhile; the pull is measured once they are done (a quiet server).
    const viewsLagSeconds = await waitViews(a.url, ids, tokens[0]!);
    const pull = await pullPhase(a.url, ids, tokens[0]!);
    log(`pull ${pull.eventsPerSecond}/s`);
    const auth = { authorization: `Bearer ${tokens[0]}` };
    log('measuring hello-world and views');
    // This machine's speed swings within seconds: the reference and each views request are measured in alternating
    // short rounds, and each ratio is the median of its rounds' ratios.
    const viewsPath = (limit: number) => `/v1/workspaces/${ids[0]}/views/entries?limit=${limit}`;
    const etag = (await fetchHeaders(a.url, viewsPath(50), tokens[0]!)).etag;
    const variants = {
      page50: { url: a.url, path: viewsPath(50), headers: auth },
      page10: { url: a.url, path: viewsPath(10), headers: auth },
      notModified: { url: a.url, path: viewsPath(50), headers: { ...auth, 'if-none-match': etag } },
    } as const;
    await rate(hello.url, '/', {}, 1, options.connections);
    const rounds: Record<string, { hello: Awaited<ReturnType<typeof rate>>; views: Awaited<ReturnType<typeof rate>> }[]> = { page50: [], page10: [], notModified: [] };
    for (let round = 0; round < options.rounds; round++) {
      for (const [name, variant] of Object.entries(variants)) {
        const reference = await rate(hello.url, '/', {}, options.seconds, options.connections);
        const measured = await rate(variant.url, variant.path, variant.headers, options.seconds, options.connections);
        rounds[name]!.push({ hello: reference, views: measured });
      }
    }
    const summary = (name: string) => {
      const list = rounds[name]!;
      const ratios = list.map((r) => r.views.requestsPerSecond / r.hello.requestsPerSecond);
      return {
        ratio: round(median(ratios)),
        ratios: ratios.map(round),
        requestsPerSecond: list.map((r) => r.views.requestsPerSecond),
        helloRequestsPerSecond: list.map((r) => r.hello.requestsPerSecond),
        p50Ms: list.map((r) => r.views.p50Ms),
        bytesPerResponse: list[0]!.views.bytesPerResponse,
        statuses: list[0]!.views.statuses,
      };
    };
    log('live sockets');
    const live = await livePhase(a.url, b.url, ids[0]!, tokens[0]!, options.liveClients, options.pokes);
    const postgres = {
      push: { ...push, target: 20_000, met: push.eventsPerSecond >= 20_000 },
      pull: { ...pull, target: 100_000, met: pull.eventsPerSecond >= 100_000 },
      views: {
        page50: summary('page50'),
        page10: summary('page10'),
        notModified: summary('notModified'),
        viewsCatchUpSeconds: round(viewsLagSeconds),
        target: 0.5,
        met: { page50: summary('page50').ratio >= 0.5, page10: summary('page10').ratio >= 0.5, notModified: summary('notModified').ratio >= 0.5 },
      },
      live: { ...live, target: 200, met: live.p95Ms <= 200 && live.missed === 0 },
      rssMb: { a: mb(a.rss()), b: mb(b.rss()), target: 512, met: a.rss() <= 512 * 1024 * 1024 && b.rss() <= 512 * 1024 * 1024 },
    };
    for (const instance of instances.splice(0)) await instance.stop();
    let pglite: Record<string, unknown> | undefined;
    if (options.pglite) {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-pglite-'));
      dirs.push(dir);
      const embedded = await startProcess(mainJs, { ...env, DATABASE_URL: '', CAIRN_DB_SCHEMA: '', CAIRN_SYNC_DATA: dir });
      instances.push(embedded);
      log(`server on PGlite: ${embedded.url}`);
      const small = await team(embedded.url, options.workspaces, options.pushers);
      const pushed = await pushPhase(embedded.url, small.ids, small.tokens, options.events, options.pushers);
      log(`PGlite push ${pushed.eventsPerSecond}/s`);
      const pulled = await pullPhase(embedded.url, small.ids, small.tokens[0]!);
      pglite = { push: pushed, pull: pulled, rssMb: mb(embedded.rss()) };
    }
    return {
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
      settings: { events: options.events, workspaces: options.workspaces, pushers: options.pushers, connections: options.connections, seconds: options.seconds, rounds: options.rounds, liveClients: options.liveClients, pokes: options.pokes },
      postgres,
      pglite,
    };
  } finally {
    for (const instance of instances) await instance.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
    agent.destroy();
  }
}
