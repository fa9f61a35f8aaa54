// The database failing under a running server process: stopped while clients push, and restored from an older
// dump. These run against a Postgres cluster this file starts itself (initdb / pg_ctl from the machine's
// PostgreSQL, on a free port), so it can be stopped and restored without touching the shared one.
import type { WireEvent } from '@cairn/core/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { EventFactory, eventually, readWholeLog, TestClient, via } from './testing/harness.js';
import { killServerProcesses, startServerProcess, type ServerProcess } from './testing/serverProcess.js';
import { startThrowawayCluster, type ThrowawayCluster } from './testing/throwawayCluster.js';

interface Ack {
  readonly eventId: string;
  readonly seq: number;
  readonly duplicate: boolean;
}


let cluster: ThrowawayCluster | undefined;
let databases = 0;

beforeAll(async () => {
  cluster = await startThrowawayCluster();
});

afterEach(async () => {
  await killServerProcesses();
  // A test that failed with the database stopped leaves it stopped: the next one gets it back.
  if (cluster && !cluster.running()) await cluster.start();
});

afterAll(async () => {
  await killServerProcesses();
  await cluster?.cleanup();
});

function theCluster(): ThrowawayCluster {
  if (!cluster) throw new Error('the throwaway cluster did not start');
  return cluster;
}

/** A fresh database on the throwaway cluster, and the environment of a server process on it. */
async function freshDatabase(): Promise<{ name: string; env: Record<string, string> }> {
  const name = `t${++databases}`;
  await theCluster().createDatabase(name);
  return { name, env: { DATABASE_URL: theCluster().url(name), CAIRN_SIGNUP: 'open', CAIRN_RATE_LIMIT: '0', CAIRN_DB_POOL: '4' } };
}

/** A server process on `env`; what it wrote is printed if the test fails. */
async function serverProcess(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  onTestFailed(() => console.error(`server ${server.url} (pid ${server.pid}):\n${server.output()}`));
  return server;
}


function batch(device: EventFactory, size: number, label: string): WireEvent[] {
  return Array.from({ length: size }, (_, i) => device.create(`${label} ${i}`));
}

/** Awaits a request to `server`; when it cannot connect, says whether the process died (the failure to look at). */
async function answer<T>(server: ServerProcess, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    const exit = await Promise.race([server.exited, sleep(500).then(() => undefined)]);
    if (exit) throw new Error(`the server process died (exit code ${exit.code}, signal ${exit.signal}); its output is printed above`, { cause: error });
    throw error;
  }
}

async function probe(server: ServerProcess, path: '/healthz' | '/readyz'): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> }> {
  const res = await answer(server, fetch(`${server.url}${path}`));
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Processes and a cluster on a busy machine: more room than the default 30 s, though each takes a few seconds.
describe('a server process whose database fails [throwaway Postgres cluster]', { timeout: 90_000 }, () => {
  it('the database stopped while clients push: /readyz says not ready, pushes fail with 503 and Retry-After, then succeed on retry after the restart, nothing lost or duplicated', async () => {
    // The race: four devices push continuously; the database is stopped under them (`pg_ctl stop -m fast` ends
    // every session, also those inside a push transaction, maybe between COMMIT and its answer), then started
    // again. Each device retries a failed batch, as a client does, until it is acknowledged. The pool must
    // recover by itself; a retry of a batch that was committed after all must find it, not store it again.
    const { env } = await freshDatabase();
    const server = await serverProcess(env);
    const owner = await new TestClient(server.url).account('owner');
    const ws = await owner.workspace('team');
    const clients = await Promise.all(['ann', 'ben', 'cas', 'dee'].map((name) => new TestClient(server.url).account(name)));
    for (const client of clients) await client.join(await owner.invite(ws, 'editor'));

    const acked = new Map<string, number>();
    const failures: { status: number; code: unknown; retryAfter: string | null }[] = [];
    const perClient = clients.map(() => ({ acked: 0, failed: 0, ackedAfterRestart: 0 }));
    let restarted = false;
    let enough = false;
    let aborted = false;
    const push = async (index: number) => {
      const client = clients[index]!;
      const device = new EventFactory(client.deviceId);
      for (let n = 0; !enough; n++) {
        const events = batch(device, 5, `${index}:${n}`);
        while (!aborted) {
          const res = await answer(server, client.push(ws, events, `client${index}`));
          if (res.status === 200) {
            const acks = res.body.acks as Ack[];
            expect(acks.map((a) => a.eventId)).toEqual(events.map((e) => e.eventId));
            for (const ack of acks) {
              expect(acked.has(ack.eventId), `${ack.eventId} acknowledged twice`).toBe(false);
              acked.set(ack.eventId, ack.seq);
            }
            perClient[index]!.acked++;
            if (restarted) perClient[index]!.ackedAfterRestart++;
            break;
          }
          failures.push({ status: res.status, code: (res.body as { code?: unknown } | undefined)?.code, retryAfter: res.headers.get('retry-after') });
          perClient[index]!.failed++;
          // A client waits Retry-After (2 s); the test retries sooner so it stays short.
          await sleep(50);
        }
        await sleep(10);
      }
    };
    // A failed assertion inside a pusher stops them all and fails the waits below at once.
    let failure: Error | undefined;
    const pushers = Promise.all(clients.map((_, i) => push(i))).catch((error: unknown) => {
      failure = error instanceof Error ? error : new Error(`a pusher failed: ${JSON.stringify(error)}`);
      enough = true;
    });
    const until = (condition: () => boolean) => () => {
      if (failure) throw failure;
      return condition() ? true : undefined;
    };

    try {
      await eventually(until(() => perClient.every((c) => c.acked >= 3)), 20_000, 'every client to push while the database is up');
      expect(failures).toEqual([]);
      expect((await probe(server, '/readyz')).status).toBe(200);

      await theCluster().stop('fast');
      const notReady = await eventually(async () => {
        const readyz = await probe(server, '/readyz');
        return readyz.status === 503 ? readyz : undefined;
      }, 20_000, '/readyz to say not ready');
      expect(notReady.retryAfter).toMatch(/^[1-9]\d*$/);
      expect(notReady.body).toMatchObject({ ready: false, database: false });
      await eventually(until(() => perClient.every((c) => c.failed >= 1)), 20_000, 'every client to be refused while the database is down');
      const pull = await answer(server, owner.pull(ws));
      expect(pull.status).toBe(503);
      expect(pull.body.code).toBe('unavailable');
      expect(pull.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      const ackedWhileDown = acked.size;

      await theCluster().start();
      restarted = true;
      await eventually(async () => ((await probe(server, '/readyz')).status === 200 ? true : undefined), 20_000, '/readyz to be ready again');
      await eventually(until(() => perClient.every((c) => c.ackedAfterRestart >= 3)), 30_000, 'every client to push again after the restart');
      enough = true;
      await pushers;
      expect(acked.size).toBeGreaterThan(ackedWhileDown);
    } finally {
      // On success the pushers are done already; on a failure above they must not retry forever.
      enough = true;
      aborted = true;
      await pushers;
    }
    if (failure) throw failure;

    // Every refusal was "unavailable, retry after" — none an internal error, none a silent success.
    expect(failures.length).toBeGreaterThanOrEqual(clients.length);
    expect(failures.filter((f) => f.status !== 503 || f.code !== 'unavailable' || !/^[1-9]\d*$/.test(f.retryAfter ?? ''))).toEqual([]);
    // Nothing lost, nothing twice: the log is exactly the acknowledged events, each at its acknowledged sequence.
    const log = await readWholeLog(owner, ws);
    expect(log.head).toBe(acked.size);
    expect(log.seqOf.size).toBe(acked.size);
    expect([...acked].filter(([eventId, seq]) => log.seqOf.get(eventId) !== seq)).toEqual([]);
  });

  it('/healthz stays 200 while the database is down (the process is alive) while /readyz is 503', async () => {
    const { env } = await freshDatabase();
    const server = await serverProcess(env);
    expect(await probe(server, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await probe(server, '/readyz')).toMatchObject({ status: 200, body: { ready: true, database: true, migrated: true } });

    await theCluster().stop('immediate');
    // Watched for a while, not once: the background work (view folding every second, the listener reconnecting
    // every second) meets the missing database too, and must not take the process down.
    const downSince = Date.now();
    let probes = 0;
    while (Date.now() - downSince < 2_500) {
      expect(await probe(server, '/readyz')).toMatchObject({ status: 503, retryAfter: '2', body: { ready: false, database: false } });
      expect(await probe(server, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      probes++;
      await sleep(100);
    }
    expect(probes).toBeGreaterThan(3);

    await theCluster().start();
    await eventually(async () => ((await probe(server, '/readyz')).status === 200 ? true : undefined), 20_000, '/readyz to be ready again');
    expect(await probe(server, '/healthz')).toMatchObject({ status: 200 });
  });

  it('the database restored from an older dump: the workspace gets a new epoch, and the head goes back to what the dump had', async () => {
    // What a client relies on: a server that lost events (the restore dropped 4–5) must say so with a new epoch;
    // the same epoch and a lower head would make clients that hold 4–5 think the server has them.
    const { name, env } = await freshDatabase();
    let server: ServerProcess = await serverProcess(env);
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    const device = new EventFactory(alice.deviceId);
    const kept = batch(device, 3, 'kept');
    const first = await alice.push(ws, kept);
    expect(first.body).toMatchObject({ head: 3 });
    const epoch = first.body.epoch as string;
    const dump = await theCluster().dump(name);
    const lost = batch(device, 2, 'lost');
    expect((await alice.push(ws, lost)).body).toMatchObject({ head: 5, epoch });

    // A restart alone keeps the epoch (the database is the same one).
    expect(await server.stop()).toBe(0);
    server = await serverProcess(env);
    expect((await via(alice, server.url).pull(ws)).body).toMatchObject({ head: 5, epoch });
    expect(await server.stop()).toBe(0);

    await theCluster().restore(name, dump);
    server = await serverProcess(env);
    const client = via(alice, server.url);
    const restored = await readWholeLog(client, ws);
    expect(restored.epoch).not.toBe(epoch);
    expect(restored.head).toBe(3);
    expect([...restored.seqOf]).toEqual(kept.map((e, i) => [e.eventId, i + 1]));
    // The client sees the new epoch and re-pushes what the server lost: stored again, after the head of the dump.
    const again = await client.push(ws, lost);
    expect(again.status).toBe(200);
    expect(again.body.epoch).toBe(restored.epoch);
    expect(again.body.acks).toEqual(lost.map((e, i) => ({ eventId: e.eventId, seq: 4 + i, duplicate: false })));
    expect(server.output()).toContain('this database was restored or copied');
  });

  it('a dump restored while the server runs: within seconds the workspace has a new epoch', async () => {
    const { name, env } = await freshDatabase();
    const server = await serverProcess(env);
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    const device = new EventFactory(alice.deviceId);
    const epoch = (await alice.push(ws, batch(device, 2, 'kept'))).body.epoch as string;
    const dump = await theCluster().dump(name);
    expect((await alice.push(ws, batch(device, 2, 'lost'))).body).toMatchObject({ head: 4, epoch });
    await theCluster().restore(name, dump);
    const deadline = Date.now() + 20_000;
    let page: { epoch: string; head: number } | undefined;
    while (Date.now() < deadline) {
      const res = await answer(server, alice.pull(ws));
      if (res.status === 200 && res.body.epoch !== epoch) {
        page = res.body;
        break;
      }
      await sleep(200);
    }
    expect(page, 'the epoch changed while the server ran').toBeDefined();
    expect(page!.head).toBe(2);
    expect(server.output()).toContain('restored while the server ran');
    expect(await server.stop()).toBe(0);
  });
});
