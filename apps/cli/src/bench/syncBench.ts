import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { SyncTransportError, type Engine, type EngineCommand, type SyncClient, type SyncTransport } from '@cairn/core';
import { PgliteDb } from '@cairn/sync-server';
import { SyncWorld } from '../testing/syncWorld.js';

/** `npm run bench:sync`: first sync, live edit latency and an offline push, through a real server (in this process on PGlite, its own on Postgres), one run, JSON. */
export interface SyncBenchOptions {
  /** Events in the seeded workspace (entries × 5: one create, four edits). */
  readonly events: number;
  readonly liveEdits: number;
  readonly offlineEdits: number;
  /** A Postgres to run the server on (its own process, a fresh schema dropped after); PGlite in this process without. */
  readonly postgres?: string;
  readonly log?: (line: string) => void;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const seconds = (since: number) => (performance.now() - since) / 1000;
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : 0;
};

function seedCommands(events: number): { commands: EngineCommand[]; ids: string[]; lastWord: string } {
  const entries = Math.max(1, Math.floor(events / 5));
  const commands: EngineCommand[] = [];
  const ids = Array.from({ length: entries }, () => randomUUID());
  ids.forEach((id, i) => commands.push({ type: 'CreateEntry', entryId: id, title: `Note ${i}`, body: `Meeting notes ${i}: agreed on the plan, follow up next week.`, tags: [`tag${i % 10}`] }));
  for (let round = 1; round <= 4; round++) ids.forEach((id, i) => commands.push({ type: 'UpdateEntry', entryId: id, body: `Meeting notes ${i}, revision ${round}: agreed on the plan, follow up next week.` }));
  const lastWord = 'zyxwvutsrq';
  commands[commands.length - 1] = { type: 'UpdateEntry', entryId: ids[ids.length - 1]!, body: `Final revision mentions ${lastWord}.` };
  return { commands, ids, lastWord };
}

function applyAll(engine: Engine, commands: readonly EngineCommand[]): void {
  for (let i = 0; i < commands.length; i += 1000) engine.executeBatch(commands.slice(i, i + 1000));
}

interface Clock {
  pullSeconds: number;
  pulls: number;
  lastAckAt: number;
  lastPullStartAt: number;
  lastPullEndAt: number;
  pushed: number;
}
const newClock = (): Clock => ({ pullSeconds: 0, pulls: 0, lastAckAt: 0, lastPullStartAt: 0, lastPullEndAt: 0, pushed: 0 });

/** Times what a transport spends waiting on the server (pull pages, push acknowledgements). */
function timed(transport: SyncTransport, clock: Clock): SyncTransport {
  return {
    push: async (workspace, request) => {
      const answer = await transport.push(workspace, request);
      clock.lastAckAt = performance.now();
      clock.pushed += request.events.length;
      return answer;
    },
    pull: async (workspace, after, limit) => {
      const start = performance.now();
      clock.lastPullStartAt = start;
      try {
        return await transport.pull(workspace, after, limit);
      } finally {
        clock.lastPullEndAt = performance.now();
        clock.pullSeconds += seconds(start);
        clock.pulls++;
      }
    },
    hasBlob: (workspace, sha256) => transport.hasBlob(workspace, sha256),
    putBlob: (workspace, sha256, size, body) => transport.putBlob(workspace, sha256, size, body),
    getBlob: (workspace, sha256, offset) => transport.getBlob(workspace, sha256, offset),
    ...(transport.live && { live: transport.live.bind(transport) }),
  };
}

/** Resolves once `engine` shows `body` for the entry (told by its commits, not by polling), or fails after 10 s. */
function seen(engine: Engine, entryId: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (engine.getEntry(entryId).body !== body) return;
      clearTimeout(timeout);
      unsubscribe();
      resolve();
    };
    const timeout = setTimeout(() => {
      unsubscribe();
      reject(new Error('an edit was not seen on the other device within 10 s'));
    }, 10_000);
    const unsubscribe = engine.subscribe(check);
    check();
  });
}

/** Seeding only (not timed as a target): a push the server could not take (a dropped connection) is sent again; pushes are idempotent. */
async function syncSeed(client: SyncClient, log: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.syncNow();
      return;
    } catch (error) {
      if (!(error instanceof SyncTransportError && error.code === 'unavailable') || attempt === 3) throw error;
      log(`seeding: ${error.message}; again`);
    }
  }
}

async function until(condition: () => boolean, what: string, withinMs = 10_000): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${withinMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function runSyncBench(options: SyncBenchOptions) {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  // On Postgres the server runs as a team runs it, in its own process; PGlite is one connection in this process.
  const world = options.postgres ? await SyncWorld.startPostgresProcess(options.postgres) : await SyncWorld.start(await PgliteDb.createInstance());
  // In this process client and server share the event loop: a long local write would outlast the server's 5 s
  // keep-alive, and a request sent on the socket it is closing fails (a race of the bench's own making).
  if ('http' in world.server) world.server.http.server.keepAliveTimeout = 120_000;
  const viewsLag = async (): Promise<number> => {
    if ('app' in world.server) return Object.values(await world.server.app.projector.lag()).reduce((sum, n) => sum + n, 0);
    const metrics = await (await fetch(`${world.url}/metrics`)).text();
    return [...metrics.matchAll(/^cairn_projection_lag_events\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  };
  try {
    const alice = await world.signIn('alice');
    await world.call('POST', '/v1/workspaces', alice.token, { id: 'team', name: 'Team' });
    const { commands, ids, lastWord } = seedCommands(options.events);

    // Seeding (not timed as a target): device A writes the workspace and pushes it (1,000 events a request, the server's cap).
    log('seeding');
    const aClock = newClock();
    const a = await world.device(alice, 'team', { transport: (http) => timed(http, aClock) });
    const localStart = performance.now();
    applyAll(a.engine, commands);
    const localSeconds = seconds(localStart);
    const seedStart = performance.now();
    await syncSeed(a.client, log);
    const seedSeconds = seconds(seedStart);
    // The server folds pushed events into its read views in the background; on PGlite (one connection) that work
    // would queue ahead of the new device's pulls. Seeding ends when the views have caught up.
    const viewsStart = performance.now();
    for (const deadline = performance.now() + 900_000; ; ) {
      const lag = await viewsLag();
      if (lag === 0) break;
      if (performance.now() > deadline) throw new Error(`the server's views are still ${lag} events behind`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const viewsSeconds = seconds(viewsStart);

    // First sync: a new device B pulls everything (the client's own page size) and indexes it for lexical search.
    log('first sync');
    const bClock = newClock();
    const b = await world.device(alice, 'team', { transport: (http) => timed(http, bClock) });
    const firstStart = performance.now();
    const pulled = (await b.client.syncNow()).pulled;
    const pulledAt = performance.now();
    const firstPull = { ...bClock };
    b.engine.catchUp();
    const indexedAt = performance.now();
    const found = (await b.engine.search.search({ query: lastWord, mode: 'lexical' })).results.length > 0;
    const firstSeconds = seconds(firstStart);

    // Live edits: both devices online on their live sockets; B learns of each edit by the server's poke only (its
    // client polls only while the socket is down), and the edit counts as seen when B's engine commits it.
    log('live edits');
    a.client.start();
    b.client.start();
    await until(() => a.client.status().live && b.client.status().live, 'both live sockets opening');
    await until(() => a.client.status().state === 'idle' && b.client.status().state === 'idle', 'the first rounds');
    const target = ids[0]!;
    const latencies: number[] = [];
    // Where each edit's time went: until A's push was acknowledged, until B asked for it (the poke), until B had it.
    const steps = { acknowledged: [] as number[], pokedPull: [] as number[], pulled: [] as number[] };
    for (let i = 0; i < options.liveEdits; i++) {
      const body = `live edit ${i}`;
      const visible = seen(b.engine, target, body);
      const t = performance.now();
      a.engine.execute({ type: 'UpdateEntry', entryId: target, body });
      a.client.request(0); // what a host does after a local commit
      await visible;
      latencies.push(performance.now() - t);
      steps.acknowledged.push(aClock.lastAckAt - t);
      steps.pokedPull.push(bClock.lastPullStartAt - t);
      steps.pulled.push(bClock.lastPullEndAt - t);
    }
    const liveThroughout = a.client.status().live && b.client.status().live;
    await a.client.stop();
    await b.client.stop();

    // Offline edits: A makes them with its client stopped, then goes online; timed until the server has acknowledged
    // the last of them (and, apart, the whole round, which also pulls them back).
    log('offline edits');
    const offline: EngineCommand[] = [];
    for (let i = 0; i < options.offlineEdits; i++) offline.push({ type: 'UpdateEntry', entryId: ids[i % ids.length]!, body: `offline edit ${i}` });
    applyAll(a.engine, offline);
    const pendingBefore = a.client.status().pending;
    const pushedBefore = aClock.pushed;
    // Going online is starting the client, as a host does: it pushes, retrying after a failure as it always does.
    const pushStart = performance.now();
    a.client.start();
    await until(() => a.client.status().pending === 0 && a.client.status().state === 'idle', 'the offline edits reaching the server', 120_000);
    const roundSeconds = seconds(pushStart);
    const pushSeconds = (aClock.lastAckAt - pushStart) / 1000;
    await a.client.stop();
    const pushed = aClock.pushed - pushedBefore;
    const serverHead = a.engine.sync.link()!.cursor;
    await b.client.syncNow();
    const converged = b.engine.status().events === a.engine.status().events && a.client.status().pending === 0 && b.engine.sync.link()!.cursor === serverHead;
    const p95 = percentile(latencies, 0.95);
    return {
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, server: options.postgres ? 'postgres, its own process' : 'pglite, this process', loadAverageAtEnd: round(loadavg()[0]!) },
      seed: { events: commands.length, localApplySeconds: round(localSeconds), pushAndPullBackSeconds: round(seedSeconds), serverViewsCatchUpSeconds: round(viewsSeconds) },
      firstSync: {
        events: pulled,
        seconds: round(firstSeconds),
        searchable: found,
        targetSeconds: 15,
        met: found && pulled === commands.length && firstSeconds <= 15,
        pullSeconds: round((pulledAt - firstStart) / 1000),
        waitingOnServerSeconds: round(firstPull.pullSeconds),
        pages: firstPull.pulls,
        indexSeconds: round((indexedAt - pulledAt) / 1000),
        ratioToLocalApply: round(firstSeconds / localSeconds),
      },
      liveEdit: { edits: latencies.length, viaLiveSocket: liveThroughout, p50Ms: round(percentile(latencies, 0.5)), p95Ms: round(p95), maxMs: round(Math.max(...latencies)),
        p50StepsMs: { pushAcknowledged: round(percentile(steps.acknowledged, 0.5)), pullAsked: round(percentile(steps.pokedPull, 0.5)), pullAnswered: round(percentile(steps.pulled, 0.5)) },
        targetP95Ms: 200, met: liveThroughout && latencies.length >= 100 && p95 <= 200 },
      offlinePush: { edits: offline.length, pending: pendingBefore, pushed, seconds: round(pushSeconds), roundSeconds: round(roundSeconds), targetSeconds: 5, met: pushed >= pendingBefore && pushSeconds <= 5 },
      converged,
      totalSeconds: round(seconds(started)),
    };
  } finally {
    await world.close();
  }
}
