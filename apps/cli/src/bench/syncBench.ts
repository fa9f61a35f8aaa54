import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { HttpTransport, SyncClient, type EngineCommand } from '@cairn/core';
import { PgliteDb } from '@cairn/sync-server';
import type { Engine } from '@cairn/core';
import { SyncWorld } from '../testing/syncWorld.js';

/** `npm run bench:sync`: first sync, live edit latency and an offline push, through a real server in this process, one run, JSON. */
export interface SyncBenchOptions {
  /** Events in the seeded workspace (entries × 5: one create, four edits). */
  readonly events: number;
  readonly liveEdits: number;
  readonly offlineEdits: number;
  readonly log?: (line: string) => void;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : 0;
};

function seedCommands(events: number): { commands: EngineCommand[]; lastWord: string } {
  const entries = Math.max(1, Math.floor(events / 5));
  const commands: EngineCommand[] = [];
  const ids = Array.from({ length: entries }, () => randomUUID());
  ids.forEach((id, i) => commands.push({ type: 'CreateEntry', entryId: id, title: `Note ${i}`, body: `Meeting notes ${i}: agreed on the plan, follow up next week.`, tags: [`tag${i % 10}`] }));
  for (let round = 1; round <= 4; round++) ids.forEach((id, i) => commands.push({ type: 'UpdateEntry', entryId: id, body: `Meeting notes ${i}, revision ${round}: agreed on the plan, follow up next week.` }));
  const lastWord = 'zyxwvutsrq';
  commands[commands.length - 1] = { type: 'UpdateEntry', entryId: ids[ids.length - 1]!, body: `Final revision mentions ${lastWord}.` };
  return { commands, lastWord };
}

function applyAll(engine: Engine, commands: readonly EngineCommand[]): void {
  for (let i = 0; i < commands.length; i += 1000) engine.executeBatch(commands.slice(i, i + 1000));
}

export async function runSyncBench(options: SyncBenchOptions) {
  const log = options.log ?? (() => undefined);
  const instance = await PgliteDb.createInstance();
  const world = await SyncWorld.start(instance);
  try {
    const alice = await world.signIn('alice');
    await world.call('POST', '/v1/workspaces', alice.token, { id: 'team', name: 'Team' });
    const { commands, lastWord } = seedCommands(options.events);
    const a = await world.device(alice, 'team');
    log('seeding');
    const localStart = performance.now();
    applyAll(a.engine, commands);
    const localSeconds = (performance.now() - localStart) / 1000;
    const seedClient = new SyncClient({ log: a.engine.sync, blobs: a.engine.blobs, transport: new HttpTransport({ server: world.url, token: a.token }), deviceId: a.engine.status().deviceId, pushBatch: 1000, pullPage: 5000 });
    await seedClient.syncNow();

    log('first sync');
    const b = await world.device(alice, 'team');
    const bClient = new SyncClient({ log: b.engine.sync, blobs: b.engine.blobs, transport: new HttpTransport({ server: world.url, token: b.token }), deviceId: b.engine.status().deviceId, pushBatch: 1000, pullPage: 5000 });
    const firstStart = performance.now();
    await bClient.syncNow();
    b.engine.catchUp();
    const found = (await b.engine.search.search({ query: lastWord, mode: 'lexical' })).results.length > 0;
    const firstSeconds = (performance.now() - firstStart) / 1000;

    log('live edits');
    a.client.start();
    b.client.start();
    await new Promise((r) => setTimeout(r, 300));
    const target = commands[0]!.entryId;
    const latencies: number[] = [];
    for (let i = 0; i < options.liveEdits; i++) {
      const body = `live edit ${i}`;
      const t = performance.now();
      a.engine.execute({ type: 'UpdateEntry', entryId: target, body });
      a.client.request(0);
      for (;;) {
        b.engine.catchUp();
        if (b.engine.getEntry(target).body === body) break;
        if (performance.now() - t > 10_000) throw new Error(`edit ${i} not seen on the other device`);
        await new Promise((r) => setTimeout(r, 1));
      }
      latencies.push(performance.now() - t);
    }
    await a.client.stop();
    await b.client.stop();

    log('offline edits');
    const offline: EngineCommand[] = [];
    for (let i = 0; i < options.offlineEdits; i++) offline.push({ type: 'UpdateEntry', entryId: (commands[i % Math.max(1, Math.floor(options.events / 5))] as { entryId: string }).entryId, body: `offline edit ${i}` });
    applyAll(a.engine, offline);
    const pushStart = performance.now();
    await seedClient.syncNow();
    const pushSeconds = (performance.now() - pushStart) / 1000;
    await bClient.syncNow();
    const converged = b.engine.status().events === a.engine.status().events;
    const p95 = percentile(latencies, 0.95);
    return {
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, server: 'pglite' },
      firstSync: { events: commands.length, seconds: round(firstSeconds), searchable: found, targetSeconds: 15, met: found && firstSeconds <= 15, localApplySeconds: round(localSeconds), ratioToLocalApply: round(firstSeconds / localSeconds) },
      liveEdit: { edits: latencies.length, p50Ms: round(percentile(latencies, 0.5)), p95Ms: round(p95), targetP95Ms: 200, met: p95 <= 200 },
      offlinePush: { edits: offline.length, seconds: round(pushSeconds), targetSeconds: 5, met: pushSeconds <= 5 },
      converged,
    };
  } finally {
    await world.close();
  }
}
