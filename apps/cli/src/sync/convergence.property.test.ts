import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnError, Engine, importBytes, SyncClient, uuidv7 } from '@cairn/core';
import { PgliteDb } from '@cairn/sync-server';
import { ManualNetwork, type Delivery } from '../testing/manualNetwork.js';
import { SyncWorld } from '../testing/syncWorld.js';

/*
 * Convergence, property-tested: 3–5 devices make random edits, go offline and online, and sync in random orders
 * through a real server (its services on PGlite) over a network this test delivers by hand — requests lost, answers
 * lost after the server committed, devices writing while their pull waits. After everyone syncs at the end, every
 * device must hold the same digest, the server's view must agree, no line anyone inserted may be gone unless an edit
 * made after seeing it removed it, and no merge may have duplicated a line.
 *
 * Replay a failure with the seed (and path) it prints: SYNC_PROPERTY_SEED=… SYNC_PROPERTY_PATH=… npx vitest run <this
 * file>. SYNC_PROPERTY_RUNS sets the number of cases (`npm run soak:sync` runs thousands).
 */

const runs = Number(process.env.SYNC_PROPERTY_RUNS ?? 200);
const seed = Number(process.env.SYNC_PROPERTY_SEED ?? Date.now() % 2_147_483_647);
const path = process.env.SYNC_PROPERTY_PATH;
const DEVICE_SLOTS = 5;

type Op =
  | { readonly k: 'create'; readonly d: number }
  | { readonly k: 'insert' | 'replace' | 'remove'; readonly d: number; readonly e: number; readonly at: number }
  | { readonly k: 'title' | 'delete' | 'restore'; readonly d: number; readonly e: number }
  | { readonly k: 'tag'; readonly d: number; readonly e: number; readonly tag: number; readonly add: boolean }
  | { readonly k: 'revert'; readonly d: number; readonly e: number; readonly back: number }
  | { readonly k: 'import'; readonly d: number }
  | { readonly k: 'offline' | 'online' | 'sync'; readonly d: number }
  | { readonly k: 'deliver'; readonly d: number; readonly how: Delivery };

const device = fc.nat(DEVICE_SLOTS - 1);
const entry = fc.nat(20);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('create' as const), d: device }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constantFrom('insert' as const, 'replace' as const, 'remove' as const), d: device, e: entry, at: fc.nat(10) }), weight: 6 },
  { arbitrary: fc.record({ k: fc.constantFrom('title' as const, 'delete' as const, 'restore' as const), d: device, e: entry }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('tag' as const), d: device, e: entry, tag: fc.nat(3), add: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('revert' as const), d: device, e: entry, back: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('import' as const), d: device }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constantFrom('offline' as const, 'online' as const), d: device }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('sync' as const), d: device }), weight: 6 },
  { arbitrary: fc.record({ k: fc.constant('deliver' as const), d: device, how: fc.constantFrom<Delivery>('ok', 'ok', 'ok', 'lost_request', 'lost_response') }), weight: 10 },
);
const scenario = fc.record({ devices: fc.integer({ min: 3, max: DEVICE_SLOTS }), ops: fc.array(op, { minLength: 20, maxLength: 80 }) });

interface Device {
  readonly name: string;
  readonly engine: Engine;
  readonly client: SyncClient;
  readonly dataDir: string;
  syncing: boolean;
}

const exists = (engine: Engine, id: string) => {
  try {
    engine.getEntry(id);
    return true;
  } catch (error) {
    if (error instanceof CairnError && error.code === 'not_found') return false;
    throw error;
  }
};
const linesOf = (body: string) => (body === '' ? [] : body.split('\n'));
const isInserted = (line: string) => /^u\d+$/.test(line);
/** A word the search tokenizer keeps whole (letters only), unique per number. */
const wordFor = (n: number) => `kiwi${[...n.toString(26)].map((c) => String.fromCharCode(97 + parseInt(c, 26))).join('')}`;

let instance: Awaited<ReturnType<typeof PgliteDb.createInstance>>;
let world: SyncWorld;
const tokens: { token: string; userId: string; deviceId: string }[] = [];

beforeAll(async () => {
  instance = await PgliteDb.createInstance();
  world = await SyncWorld.start(instance);
  for (let i = 0; i < DEVICE_SLOTS; i++) tokens.push(await world.signIn('alice'));
}, 120_000);
afterAll(async () => {
  await world?.close();
  await instance?.close();
});

/** One case: its own workspace and data directories; everything it opened is closed and removed at the end. */
class Simulation {
  readonly devices: Device[] = [];
  readonly entryIds: string[] = [];
  /** Each inserted line and the entry it went into. */
  readonly inserted = new Map<string, string>();
  /** Lines some device removed after seeing them. */
  readonly removed = new Set<string>();
  readonly documents: { entryId: string; word: string; title: string }[] = [];
  readonly unexpected: string[] = [];
  private counter = 0;

  private constructor(
    readonly workspace: string,
    readonly network: ManualNetwork,
  ) {}

  static async start(deviceCount: number): Promise<Simulation> {
    const workspace = `w${uuidv7().replaceAll('-', '').slice(-16)}`;
    await world.call('POST', '/v1/workspaces', tokens[0]!.token, { id: workspace, name: workspace });
    const sim = new Simulation(workspace, new ManualNetwork(world.server.app));
    for (let i = 0; i < deviceCount; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'cairn-prop-'));
      const engine = Engine.open({ dataDir, autoCatchUp: false, backgroundEmbedding: false });
      const slot = tokens[i]!;
      engine.sync.setLink({ server: 'memory:', workspace, userId: slot.userId, serverDeviceId: slot.deviceId });
      const name = `device${i}`;
      const client = new SyncClient({ log: engine.sync, blobs: engine.blobs, transport: sim.network.transport(name, slot.token), deviceId: engine.status().deviceId, pushBatch: 7, pullPage: 5 });
      sim.devices.push({ name, engine, client, dataDir, syncing: false });
    }
    // A few entries every device has from the start, so that edits of the same entry from several devices are common.
    for (let i = 0; i < 3; i++) await sim.apply({ k: 'create', d: 0 });
    sim.network.auto = true;
    for (const d of sim.devices) await d.client.syncNow();
    sim.network.auto = false;
    return sim;
  }

  async close(): Promise<void> {
    for (const d of this.devices) {
      await d.client.stop();
      d.engine.close();
      rmSync(d.dataDir, { recursive: true, force: true });
    }
  }

  private next(): number {
    return this.counter++;
  }

  /** Waits until every device that is syncing is waiting on the network (or has finished). */
  async settle(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (this.devices.some((d) => d.syncing && !this.network.holds(d.name))) {
      if (Date.now() > deadline) throw new Error(`a device neither finished nor sent a request: ${this.devices.filter((d) => d.syncing && !this.network.holds(d.name)).map((d) => d.name).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  startSync(d: Device): void {
    if (d.syncing) return;
    d.syncing = true;
    d.client
      .syncNow()
      .catch((error: unknown) => {
        // Only the network may fail here; anything else is a sync bug (a refusal, a wedge, a misbehaving server).
        if (!(error instanceof CairnError && error.code === 'unavailable')) this.unexpected.push(`${d.name}: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        d.syncing = false;
      });
  }

  /** Runs a body-changing command and records the lines it removed (they were on the device when it did). */
  private editBody(d: Device, id: string, run: () => void): boolean {
    const before = linesOf(d.engine.getEntry(id).body);
    try {
      run();
    } catch (error) {
      if (error instanceof CairnError) return false; // refused here (a deleted entry, a revert to the same text): nothing happened
      throw error;
    }
    const after = new Set(linesOf(d.engine.getEntry(id).body));
    for (const line of before) if (isInserted(line) && !after.has(line)) this.removed.add(line);
    return true;
  }

  async apply(step: Op): Promise<void> {
    const d = this.devices[step.d % this.devices.length]!;
    const target = 'e' in step ? this.entryIds[step.e % Math.max(1, this.entryIds.length)] : undefined;
    const here = target !== undefined && exists(d.engine, target) ? target : undefined;
    const exec = (command: Parameters<Engine['execute']>[0]) => d.engine.execute(command);
    switch (step.k) {
      case 'create': {
        const id = uuidv7();
        const lines = [`u${this.next()}`, `u${this.next()}`, `u${this.next()}`, `u${this.next()}`];
        exec({ type: 'CreateEntry', entryId: id, title: `note ${this.next()}`, body: lines.join('\n'), tags: ['t0'] });
        this.entryIds.push(id);
        for (const line of lines) this.inserted.set(line, id);
        return;
      }
      case 'insert':
      case 'replace':
      case 'remove': {
        if (!here) return;
        const lines = linesOf(d.engine.getEntry(here).body);
        const candidates = lines.flatMap((line, i) => (isInserted(line) ? [i] : []));
        let added: string | undefined;
        if (step.k === 'insert') {
          added = `u${this.next()}`;
          lines.splice(step.at % (lines.length + 1), 0, added);
        } else {
          if (candidates.length === 0) return;
          const i = candidates[step.at % candidates.length]!;
          if (step.k === 'replace') {
            added = `u${this.next()}`;
            lines[i] = added;
          } else lines.splice(i, 1);
        }
        if (this.editBody(d, here, () => exec({ type: 'UpdateEntry', entryId: here, body: lines.join('\n') })) && added) this.inserted.set(added, here);
        return;
      }
      case 'revert': {
        if (!here) return;
        const version = d.engine.getEntry(here).version - step.back;
        if (version < 1) return;
        this.editBody(d, here, () => exec({ type: 'RevertEntry', entryId: here, toVersion: version }));
        return;
      }
      case 'title':
      case 'delete':
      case 'restore':
      case 'tag': {
        if (!here) return;
        const command =
          step.k === 'title'
            ? { type: 'UpdateEntry' as const, entryId: here, title: `title ${this.next()}` }
            : step.k === 'tag'
              ? { type: 'UpdateEntry' as const, entryId: here, ...(step.add ? { addTags: [`t${step.tag}`] } : { removeTags: [`t${step.tag}`] }) }
              : { type: step.k === 'delete' ? ('DeleteEntry' as const) : ('RestoreEntry' as const), entryId: here };
        try {
          exec(command);
        } catch (error) {
          if (!(error instanceof CairnError)) throw error;
        }
        return;
      }
      case 'import': {
        const n = this.next();
        const word = wordFor(n);
        const title = `doc${n}.txt`;
        const outcome = await importBytes(d.engine, title, new TextEncoder().encode(`original ${n}`), { newId: uuidv7 });
        const text = d.engine.blobs.putText(`extracted text with ${word} in it`);
        exec({ type: 'CompleteDocumentProcessing', entryId: outcome.entryId!, result: { textSha256: text.sha256, mimeType: 'text/plain', pageCount: null, ocrUsed: false, language: 'en', chars: 30 } });
        this.documents.push({ entryId: outcome.entryId!, word, title });
        return;
      }
      case 'offline':
      case 'online':
        this.network.setOnline(d.name, step.k === 'online');
        return;
      case 'sync':
        this.startSync(d);
        await this.settle();
        return;
      case 'deliver':
        if (!this.network.holds(d.name)) return;
        totals[step.how]++;
        await this.network.deliver(d.name, step.how);
        await this.settle();
        return;
    }
  }

  /** Everyone online, everything in flight delivered, then rounds until every device has pushed and pulled all. */
  async finish(): Promise<void> {
    for (const d of this.devices) this.network.setOnline(d.name, true);
    for (;;) {
      const waiting = this.devices.find((d) => this.network.holds(d.name));
      if (!waiting) break;
      await this.network.deliver(waiting.name, 'ok');
      await this.settle();
    }
    this.network.auto = true;
    for (let round = 0; round < 2; round++) for (const d of this.devices) await d.client.syncNow();
  }
}

/** What the cases exercised, summed (printed at the end, so a run that tests little shows it). */
const totals = { cases: 0, events: 0, entries: 0, documents: 0, conflicts: 0, ok: 0, lost_request: 0, lost_response: 0 };

async function check(sim: Simulation): Promise<void> {
  const [first, ...others] = sim.devices;
  const app = world.server.app;
  const [{ head }] = (await app.db.query<{ head: number }>('SELECT head FROM workspace_heads WHERE workspace_id = $1', [sim.workspace])) as [{ head: number }];
  for (const d of sim.devices) expect(d.client.status(), d.name).toMatchObject({ pending: 0, cursor: Number(head), state: 'idle' });
  totals.cases++;
  totals.events += Number(head);
  totals.entries += sim.entryIds.length;
  totals.documents += sim.documents.length;
  const ids = [...sim.entryIds, ...sim.documents.map((doc) => doc.entryId)];
  const viewOf = (d: Device) => ids.map((id) => d.engine.getEntry(id)).map(({ id, kind, title, body, tags, deleted, version }) => ({ id, kind, title, body, tags, deleted, version }));
  const expected = viewOf(first!);
  for (const d of others) expect(viewOf(d), d.name).toEqual(expected);
  for (const d of others) expect(d.engine.digest(), d.name).toBe(first!.engine.digest());

  // The server's entries view folds the same log by the same rules.
  await app.projector.drain();
  const rows = await app.db.query<{ entry_id: string; kind: string; title: string; tags: string[]; deleted: boolean }>('SELECT entry_id, kind, title, tags, deleted FROM view_entries WHERE workspace_id = $1 ORDER BY entry_id', [sim.workspace]);
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
  expect(rows.map((r) => ({ id: r.entry_id, kind: r.kind, title: r.title, tags: [...r.tags].sort(), deleted: r.deleted })).sort(byId)).toEqual(
    expected.map(({ id, kind, title, tags, deleted }) => ({ id, kind, title, tags: [...tags].sort(), deleted })).sort(byId),
  );

  // No inserted line lost unless someone removed it after seeing it; no line duplicated by a merge.
  const bodies = new Map(expected.map((e) => [e.id, linesOf(e.body)]));
  for (const [line, id] of sim.inserted) if (!sim.removed.has(line)) expect(bodies.get(id), `line ${line} of ${id}`).toContain(line);
  for (const [id, lines] of bodies) {
    const conflicts = lines.filter((line) => line.startsWith('<<<<<<<')).length;
    totals.conflicts += conflicts;
    const counts = new Map<string, number>();
    for (const line of lines) if (isInserted(line)) counts.set(line, (counts.get(line) ?? 0) + 1);
    for (const [line, count] of counts) expect(count, `${line} in ${id} (${conflicts} conflicts)`).toBeLessThanOrEqual(1 + conflicts);
  }

  // A document processed on one device is searchable on every device by its extracted text.
  for (const d of sim.devices)
    for (const doc of sim.documents) {
      const response = await d.engine.search.search({ query: doc.word, mode: 'lexical', limit: 5 });
      expect(
        response.results.map((r) => r.entryId),
        `${doc.word} on ${d.name}`,
      ).toContain(doc.entryId);
    }
  expect(sim.unexpected).toEqual([]);
}

describe('sync convergence (property)', () => {
  it(`${runs} random histories of 3–5 devices converge, losing and duplicating nothing`, async () => {
    console.log(`sync convergence: seed ${seed}${path ? `, path ${path}` : ''}, ${runs} runs (replay with SYNC_PROPERTY_SEED=${seed})`);
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(scenario, async ({ devices, ops }) => {
        const sim = await Simulation.start(devices);
        try {
          for (const step of ops) await sim.apply(step);
          await sim.finish();
          await check(sim);
        } finally {
          await sim.close();
        }
      }),
      { numRuns: runs, seed, ...(path ? { path } : {}) },
    );
    console.log(`sync convergence: ${runs} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`, JSON.stringify(totals));
  }, 3_600_000);
});
