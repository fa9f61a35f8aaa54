// The order of the log under concurrency: many clients pushing through two server processes on one Postgres, a
// push held open before its commit while others commit, and an instance killed in the middle of pushes. What a
// client must be able to rely on: a puller that follows `after=cursor` sees every acknowledged event exactly once,
// at the sequence it was acknowledged with, in strictly increasing, gap-free order.
import { randomBytes } from 'node:crypto';
import type { WireEvent } from '@cairn/core/protocol';
import pg from 'pg';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { describeBackends, EventFactory, eventually, postgresUrl, startTestServer, TestClient, readWholeLog, via, type PulledPage } from './testing/harness.js';
import { killServerProcesses, startServerProcess, type ServerProcess } from './testing/serverProcess.js';

interface Ack {
  readonly eventId: string;
  readonly seq: number;
  readonly duplicate: boolean;
}


const password = 'correct horse battery';

/** Schemas made on the machine's Postgres by this file's tests; dropped after each. */
const schemas: string[] = [];

async function onPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function freshSchema(): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await onPostgres((client) => client.query(`CREATE SCHEMA ${schema}`));
  schemas.push(schema);
  return schema;
}

afterEach(async () => {
  await killServerProcesses();
  for (const schema of schemas.splice(0)) await onPostgres((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
});

/** Two server processes on one schema of the machine's Postgres, open sign-up, no request rate limit. */
async function twoInstances(): Promise<[ServerProcess, ServerProcess]> {
  const schema = await freshSchema();
  // Behind a (pretend) proxy every client has its own address: sign-ups are limited to 20 a minute per address.
  const env = { DATABASE_URL: postgresUrl, CAIRN_DB_SCHEMA: schema, CAIRN_NAMESPACE: schema, CAIRN_SIGNUP: 'open', CAIRN_RATE_LIMIT: '0', CAIRN_TRUST_PROXY: 'true' };
  // Started together: the second waits on the migration lock, then finds nothing to do.
  const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  onTestFailed(() => console.error(`instance A (${a.url}):\n${a.output()}\n\ninstance B (${b.url}):\n${b.output()}`));
  return [a, b];
}

/** A new account signed in on `url`, as a client from `address`. */
async function account(url: string, username: string, address: string): Promise<TestClient> {
  const client = new TestClient(url);
  const headers = { 'x-forwarded-for': address };
  const up = await client.request('POST', '/v1/auth/signup', { username, password }, headers);
  if (up.status !== 201) throw new Error(`sign-up of ${username} failed: ${up.status} ${up.text}`);
  const signedIn = await client.request('POST', '/v1/auth/signin', { username, password, deviceName: `${username}'s device` }, headers);
  if (signedIn.status !== 200) throw new Error(`sign-in of ${username} failed: ${signedIn.status} ${signedIn.text}`);
  client.token = signedIn.body.token;
  client.userId = signedIn.body.user.id;
  client.deviceId = signedIn.body.deviceId;
  return client;
}


/** A batch a device would push: new entries and edits of them. */
function batch(device: EventFactory, size: number, label: string): WireEvent[] {
  const events: WireEvent[] = [];
  while (events.length < size) {
    const created = device.create(`${label} ${events.length}`);
    events.push(created);
    if (events.length < size) events.push(device.update(created.aggregateId, { title: `${label} ${events.length}, edited` }));
  }
  return events;
}

/** Checks a fresh push's answer: one ack per event, in order, none a duplicate, on consecutive sequences. */
function expectStored(events: readonly WireEvent[], acks: readonly Ack[]): void {
  expect(acks.map((a) => a.eventId)).toEqual(events.map((e) => e.eventId));
  expect(acks.filter((a) => a.duplicate)).toEqual([]);
  expect(acks.map((a) => a.seq)).toEqual(acks.map((_, i) => acks[0]!.seq + i));
}

/**
 * Follows one workspace's log with `after=cursor` (alternating between `urls`) until `done()` and the cursor reached
 * `finalHead()` (or `aborted()`: another task failed): every event must be the cursor + 1 and never an id seen
 * before. Returns event id → sequence.
 */
async function follow(
  reader: TestClient,
  urls: readonly string[],
  ws: string,
  until: { done: () => boolean; finalHead: number; aborted: () => boolean },
): Promise<{ seen: Map<string, number>; polls: number; epochs: Set<string> }> {
  const seen = new Map<string, number>();
  const epochs = new Set<string>();
  let cursor = 0;
  let polls = 0;
  while (!until.aborted()) {
    const finished = until.done();
    const res = await via(reader, urls[polls % urls.length]!).pull(ws, cursor, 250);
    polls++;
    expect(res.status, res.text).toBe(200);
    const page = res.body as PulledPage;
    epochs.add(page.epoch);
    for (const { seq, event } of page.events) {
      if (seq !== cursor + 1) throw new Error(`${ws}: after ${cursor} the pull gave ${seq} (poll ${polls})`);
      if (seen.has(event.eventId)) throw new Error(`${ws}: event ${event.eventId} came twice (at ${seen.get(event.eventId)} and ${seq})`);
      seen.set(event.eventId, seq);
      cursor = seq;
    }
    expect(page.head).toBeGreaterThanOrEqual(cursor);
    if (finished && cursor >= until.finalHead && !page.more) break;
    if (page.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { seen, polls, epochs };
}

/** Awaits every task; if one failed, the others are told to stop first, then the first failure is thrown. */
async function all<T>(tasks: readonly Promise<T>[], stop: () => void): Promise<T[]> {
  const results = await Promise.allSettled(
    tasks.map(async (task) => {
      try {
        return await task;
      } catch (error) {
        stop();
        throw error;
      }
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

// Two processes and hundreds of pushes on a busy machine: more room than the default 30 s.
describe('the log under concurrent pushes through two server processes [postgres]', { timeout: 90_000 }, () => {
  it('20 concurrent clients pushing through 2 instances while a puller polls: it sees every acknowledged event exactly once, in strictly increasing, gap-free sequence', async () => {
    // The race: 20 devices push small batches at once into two workspaces, each through its own instance, and
    // retry batches already acknowledged through the other one; each push numbers its events under the head row's
    // lock. A puller follows both logs throughout, through both instances. If a sequence could become visible
    // before a lower one committed, or a retry were stored again, the puller would see a gap or an id twice.
    const clientCount = 20;
    const batches = 12;
    const batchSize = 10;
    const [a, b] = await twoInstances();
    const urls = [a.url, b.url];
    const owner = await account(a.url, 'owner', '10.0.0.1');
    const workspaces = [await owner.workspace('alpha'), await owner.workspace('beta')];
    const clients = await Promise.all(Array.from({ length: clientCount }, (_, i) => account(urls[i % 2]!, `client${i}`, `10.0.1.${i + 1}`)));
    const puller = await account(a.url, 'puller', '10.0.0.2');
    await Promise.all([...clients, puller].map(async (client) => {
      for (const ws of workspaces) await client.join(await owner.invite(ws, client === puller ? 'viewer' : 'editor'));
    }));

    // Every acknowledged event, by workspace: event id → the sequence of its ack.
    const acked = new Map(workspaces.map((ws) => [ws, new Map<string, number>()]));
    const epochs = new Map(workspaces.map((ws) => [ws, new Set<string>()]));
    let stopped = false;
    let retries = 0;
    let pushing = clientCount;
    const push = async (index: number) => {
      const client = clients[index]!;
      const elsewhere = via(client, urls[(index + 1) % 2]!);
      const device = new EventFactory(client.deviceId);
      const sent: { ws: string; events: WireEvent[]; acks: Ack[] }[] = [];
      for (let n = 0; n < batches && !stopped; n++) {
        const ws = workspaces[(index + n) % 2]!;
        const events = batch(device, batchSize, `c${index} b${n}`);
        const res = await client.push(ws, events, `client${index}`);
        expect(res.status, res.text).toBe(200);
        const acks = res.body.acks as Ack[];
        expectStored(events, acks);
        expect(res.body.head).toBeGreaterThanOrEqual(acks[acks.length - 1]!.seq);
        epochs.get(ws)!.add(res.body.epoch as string);
        for (const ack of acks) acked.get(ws)!.set(ack.eventId, ack.seq);
        sent.push({ ws, events, acks });
        // Every third batch, an earlier batch again through the other instance (a retry after a lost answer):
        // nothing is stored, each event keeps the sequence of its first ack.
        if (n % 3 === 2) {
          const earlier = sent[n - 2]!;
          const again = await elsewhere.push(earlier.ws, earlier.events, `client${index}`);
          expect(again.status, again.text).toBe(200);
          expect(again.body.acks).toEqual(earlier.acks.map((ack) => ({ ...ack, duplicate: true })));
          retries++;
        }
      }
      pushing--;
    };
    // Every client pushes half its batches to each workspace.
    const expectedHead = (clientCount * batches * batchSize) / workspaces.length;
    const followers = workspaces.map((ws) => follow(puller, urls, ws, { done: () => pushing === 0, finalHead: expectedHead, aborted: () => stopped }));
    const [followed] = await Promise.all([all(followers, () => (stopped = true)), all(clients.map((_, i) => push(i)), () => (stopped = true))]);

    expect(retries).toBe(clientCount * Math.floor(batches / 3));
    for (const [i, ws] of workspaces.entries()) {
      const { seen, polls, epochs: pulledEpochs } = followed[i]!;
      const expected = acked.get(ws)!;
      expect(expected.size).toBe(expectedHead);
      expect(seen.size).toBe(expected.size);
      const wrong = [...expected].filter(([eventId, seq]) => seen.get(eventId) !== seq);
      expect(wrong, `${ws}: acknowledged events the puller saw elsewhere or never`).toEqual([]);
      expect([...seen.values()].sort((x, y) => x - y)).toEqual(Array.from({ length: expected.size }, (_, k) => k + 1));
      // The puller polled throughout, not once at the end.
      expect(polls).toBeGreaterThan(10);
      // One epoch per workspace, whichever instance answered.
      expect(pulledEpochs.size).toBe(1);
      expect([...epochs.get(ws)!]).toEqual([...pulledEpochs]);
    }
  });

  it('an instance killed with SIGKILL in the middle of pushes loses no acknowledged event', async () => {
    // The race: six devices push continuously through instance A; A is killed (no shutdown at all) while pushes
    // are in flight — some not yet begun, some mid-transaction, some committed but not yet answered. A device that
    // gets a network error pushes the same batch again through B. Whatever A acknowledged must be in the log at its
    // acknowledged sequence; what A committed without answering must be found by the retry, not stored again.
    const clientCount = 6;
    const batchSize = 5;
    const afterSwitch = 3;
    const [a, b] = await twoInstances();
    const owner = await account(b.url, 'owner', '10.0.0.1');
    const workspaces = [await owner.workspace('alpha'), await owner.workspace('beta')];
    const clients = await Promise.all(Array.from({ length: clientCount }, (_, i) => account(a.url, `client${i}`, `10.0.1.${i + 1}`)));
    await Promise.all(clients.map(async (client) => {
      for (const ws of workspaces) await client.join(await owner.invite(ws, 'editor'));
    }));

    const acked = new Map(workspaces.map((ws) => [ws, new Map<string, number>()]));
    let ackedByA = 0;
    let stopped = false;
    const outcomes = { networkErrors: 0, retriedFound: 0, retriedStored: 0 };
    const push = async (index: number) => {
      let client = clients[index]!;
      const device = new EventFactory(client.deviceId);
      let left = Number.POSITIVE_INFINITY;
      for (let n = 0; left > 0 && !stopped; n++) {
        const ws = workspaces[(index + n) % 2]!;
        const events = batch(device, batchSize, `c${index} b${n}`);
        let res: Awaited<ReturnType<TestClient['push']>>;
        try {
          res = await client.push(ws, events, `client${index}`);
          if (client.url === a.url && res.status === 200) ackedByA++;
        } catch (error) {
          // A is gone (the connection reset, or refused): the same batch again, through B.
          expect(client.url, `a network error from B: ${String(error)}`).toBe(a.url);
          outcomes.networkErrors++;
          client = via(client, b.url);
          left = afterSwitch;
          res = await client.push(ws, events, `client${index}`);
          expect(res.status, res.text).toBe(200);
          const acks = res.body.acks as Ack[];
          // All or nothing: A either committed the whole batch before it died, or none of it.
          expect(new Set(acks.map((ack) => ack.duplicate)).size).toBe(1);
          if (acks[0]!.duplicate) outcomes.retriedFound++;
          else outcomes.retriedStored++;
        }
        expect(res.status, res.text).toBe(200);
        const acks = res.body.acks as Ack[];
        expect(acks.map((ack) => ack.eventId)).toEqual(events.map((e) => e.eventId));
        for (const ack of acks) {
          const before = acked.get(ws)!.get(ack.eventId);
          if (before !== undefined) expect(ack.seq).toBe(before);
          acked.get(ws)!.set(ack.eventId, ack.seq);
        }
        if (client.url === b.url) left--;
      }
    };
    const pushers = all(
      clients.map((_, i) => push(i)),
      () => (stopped = true),
    );
    await eventually(() => (ackedByA >= 40 || stopped ? true : undefined), 30_000, '40 pushes acknowledged by A');
    await a.kill();
    expect((await a.exited).signal).toBe('SIGKILL');
    await pushers;

    // Every device lost A in the middle of its loop and went on through B.
    expect(outcomes.networkErrors).toBe(clientCount);
    expect(outcomes.retriedFound + outcomes.retriedStored).toBe(clientCount);
    const reader = via(owner, b.url);
    for (const ws of workspaces) {
      const expected = acked.get(ws)!;
      const pulled = (await readWholeLog(reader, ws, 1000)).seqOf;
      // Every batch was acknowledged in the end (by A, or by B after the retry), and nothing else is in the log.
      expect(pulled.size).toBe(expected.size);
      const wrong = [...expected].filter(([eventId, seq]) => pulled.get(eventId) !== seq);
      expect(wrong, `${ws}: acknowledged events missing or elsewhere`).toEqual([]);
    }
  });
});

describeBackends('a push held open before its commit', (backend) => {
  it('no reader sees a later sequence of that workspace before the held one, and both pushes to it get consecutive sequences', async () => {
    // The race, made deterministic with the `beforeCommit` hook: alice's push to W has numbered its events 3–5 and
    // waits before COMMIT. Bob then pushes to W (it must wait for the head row: on Postgres it blocks on the row
    // lock, on PGlite — one connection — on the transaction itself) and alice pushes to V. A reader of W must never
    // see 6–7 while 3–5 are not committed: a pull that returned 6 before 3 would make a client skip 3–5 forever.
    // Tokens stay cached for the whole test, so a request held up by PGlite's single connection is held in the
    // event log, not in authentication.
    const server = await startTestServer(backend(), { 'auth-cache-ms': '600000' });
    const postgres = backend().name === 'postgres';
    const alice = await new TestClient(server.url).account('alice');
    const bob = await new TestClient(server.url).account('bob');
    const carol = await new TestClient(server.url).account('carol');
    const W = await alice.workspace('held');
    const V = await alice.workspace('other');
    await bob.join(await alice.invite(W, 'editor'));
    await carol.join(await alice.invite(W, 'viewer'));
    const aliceDevice = new EventFactory(alice.deviceId);
    const bobDevice = new EventFactory(bob.deviceId);
    const before = batch(aliceDevice, 2, 'before');
    expect((await alice.push(W, before)).body.head).toBe(2);
    expect((await alice.push(V, batch(aliceDevice, 1, 'v before'))).body.head).toBe(1);
    expect((await bob.pull(W)).body.head).toBe(2);
    expect((await carol.pull(W)).body.head).toBe(2);

    // Which pushes reached the event log (and so asked the database for their transaction).
    const entered: string[] = [];
    const eventLog = server.app.eventLog;
    const push = eventLog.push.bind(eventLog);
    eventLog.push = (principal, ws, raw) => {
      entered.push(`${principal.username}:${ws}`);
      return push(principal, ws, raw);
    };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: (seqs: readonly number[]) => void;
    const held = new Promise<readonly number[]>((resolve) => (reached = resolve));
    let holds = 1;
    eventLog.beforeCommit = async (ws, seqs) => {
      if (ws !== W || holds === 0) return;
      holds--;
      reached(seqs);
      await gate;
    };

    // A reader polling W all along: every page continues the previous one, and while the gate is shut no answer
    // goes past 2.
    let released = false;
    let stopReading = false;
    const seenWhileHeld: number[] = [];
    const readerPages: number[][] = [];
    const reader = (async () => {
      let cursor = 0;
      while (cursor < 7 && !stopReading) {
        const res = await carol.pull(W, cursor);
        expect(res.status, res.text).toBe(200);
        const seqs = (res.body as PulledPage).events.map((e) => e.seq);
        if (!released) seenWhileHeld.push(res.body.head as number, ...seqs);
        expect(seqs).toEqual(seqs.map((_, i) => cursor + 1 + i));
        if (seqs.length > 0) readerPages.push(seqs);
        cursor = seqs[seqs.length - 1] ?? cursor;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // Awaited below; a failure before that must not surface as an unhandled rejection.
    void reader.catch(() => undefined);

    const settled = new Set<string>();
    const track = <T>(name: string, promise: Promise<T>) => promise.finally(() => settled.add(name));
    const first = batch(aliceDevice, 3, 'held');
    const second = batch(bobDevice, 2, 'waits');
    const elsewhere = batch(aliceDevice, 1, 'elsewhere');
    try {
      const heldPush = track('held', alice.push(W, first));
      expect(await held).toEqual([3, 4, 5]);
      const waitingPush = track('waiting', bob.push(W, second));
      await eventually(() => (entered.includes(`bob:${W}`) ? true : undefined), 10_000, "bob's push to reach the event log");
      if (postgres) {
        // Bob's push is at the head row's lock: a waiter holds a tuple lock on the row it waits for.
        const waiting = async () => (await server.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'tuple' AND relation = to_regclass('workspace_heads')`))[0]!.n;
        await eventually(async () => ((await waiting()) === 1 ? true : undefined), 10_000, "bob's push to wait on W's head row");
      }
      const otherPush = track('other', alice.push(V, elsewhere));
      if (postgres) {
        // Another workspace does not wait for W.
        const other = await otherPush;
        expect(other.status).toBe(200);
        expect((other.body.acks as Ack[]).map((a) => a.seq)).toEqual([2]);
        const pulled = await carol.pull(W, 2);
        expect(pulled.body).toMatchObject({ head: 2, events: [], more: false });
        expect(((await alice.pull(W)).body as PulledPage).events.map((e) => e.event.eventId)).toEqual(before.map((e) => e.eventId));
        await eventually(() => (seenWhileHeld.length > 2 ? true : undefined), 10_000, 'the reader to poll while the push is held');
      } else {
        // PGlite runs one transaction at a time: the other workspace's push, and every read, wait for the held one.
        await eventually(() => (entered.includes(`alice:${V}`) ? true : undefined), 10_000, "alice's push to V to reach the event log");
      }
      expect([...settled]).toEqual(postgres ? ['other'] : []);
      expect(seenWhileHeld.every((seq) => seq <= 2)).toBe(true);

      released = true;
      release();
      const [h, w, o] = await Promise.all([heldPush, waitingPush, otherPush]);
      expect([h.status, w.status, o.status]).toEqual([200, 200, 200]);
      expect((h.body.acks as Ack[]).map((a) => a.seq)).toEqual([3, 4, 5]);
      expect((w.body.acks as Ack[]).map((a) => a.seq)).toEqual([6, 7]);
      expect((o.body.acks as Ack[]).map((a) => a.seq)).toEqual([2]);
      await reader;
    } finally {
      released = true;
      stopReading = true;
      release();
    }
    const log = (await carol.pull(W)).body as PulledPage;
    expect(log.events.map((e) => [e.seq, e.event.eventId])).toEqual([...before, ...first, ...second].map((e, i) => [i + 1, e.eventId]));
    expect(readerPages.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
