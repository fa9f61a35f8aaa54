import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { eventCatalog } from '../domain/catalog.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { makeTempDir } from '../testing/tempDir.js';
import { Engine } from './engine.js';

// The child runs the built engine (`npm test` builds first), exactly as the CLI would.
const writer = fileURLToPath(new URL('../../dist/testing/writerProcess.js', import.meta.url));
const tmp = makeTempDir('cairn-crash-');
afterAll(() => tmp.remove());

interface Ack {
  ready?: boolean;
  id?: string;
  version?: number;
  batch?: [string, number][];
  done?: boolean;
  retries?: number;
}

function runWriter(dataDir: string, args: string[], killAfterMs?: number): Promise<{ acks: Ack[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const ack = JSON.parse(line) as Ack;
        acks.push(ack);
        if (ack.ready && killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    // A partial last line was never acknowledged as a whole: ignore it.
    child.on('close', (code, signal) => resolve({ acks, signal, code, stderr }));
  });
}

/** The invariants that must hold however a writer died. */
function checkStore(dataDir: string, acknowledged: Map<string, number>): void {
  const raw = new BetterSqlite3(join(dataDir, 'cairn.db'), { readonly: true });
  expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
  const { count, maxPosition } = raw.prepare('SELECT count(*) AS count, max(position) AS maxPosition FROM events').get() as { count: number; maxPosition: number };
  expect(maxPosition).toBe(count); // positions have no gaps
  const gaps = raw.prepare('SELECT aggregate_id FROM events GROUP BY aggregate_id HAVING count(*) != max(version) OR min(version) != 1').all();
  expect(gaps).toEqual([]); // versions per aggregate have no gaps
  const versions = new Map((raw.prepare('SELECT aggregate_id AS id, max(version) AS v FROM events GROUP BY aggregate_id').all() as { id: string; v: number }[]).map((r) => [r.id, r.v]));
  raw.close();
  for (const [id, version] of acknowledged) expect(versions.get(id) ?? 0, `acknowledged ${id}@${version} must survive`).toBeGreaterThanOrEqual(version);

  const engine = Engine.open({ dataDir, autoCatchUp: false });
  try {
    for (const event of engine.log({ limit: 1_000_000 })) eventCatalog.validate(event.type, event.schemaVersion, event.data); // none torn
    const live = engine.digest();
    expect(engine.rebuild().digest).toBe(live); // read models equal a rebuild
  } finally {
    engine.close();
  }
}

describe('crash safety', () => {
  it('survives SIGKILL at random moments, many times, without losing or tearing a committed command', async () => {
    const dataDir = join(tmp.path, 'crash');
    const acknowledged = new Map<string, number>();
    let seed = 7;
    const rounds = 12;
    let kills = 0;
    for (let round = 0; round < rounds; round++) {
      seed = (seed * 48_271) % 2_147_483_647;
      const { acks, signal, stderr } = await runWriter(dataDir, ['crash', String(seed)], 150 + (seed % 500));
      expect(stderr).toBe('');
      if (signal === 'SIGKILL') kills++;
      for (const ack of acks) {
        if (ack.id && ack.version) acknowledged.set(ack.id, Math.max(acknowledged.get(ack.id) ?? 0, ack.version));
        for (const [id, version] of ack.batch ?? []) acknowledged.set(id, Math.max(acknowledged.get(id) ?? 0, version));
      }
      checkStore(dataDir, acknowledged);
    }
    expect(kills).toBe(rounds);
    expect(acknowledged.size).toBeGreaterThan(100);
  }, 240_000);
});

describe('two processes writing to one data directory', () => {
  it('lose no acknowledged command and corrupt nothing; conflicts are retried', async () => {
    const dataDir = join(tmp.path, 'shared', 'data');
    const setup = Engine.open({ dataDir });
    const shared = Array.from({ length: 3 }, (_, i) => setup.execute({ type: 'CreateEntry', entryId: uuidv7(), title: `shared ${i}` }).entryId);
    setup.close();
    writeFileSync(join(tmp.path, 'shared', 'shared.json'), JSON.stringify(shared));

    const perWriter = 400;
    // Both writers open the data directory, then start together (a file barrier), so their edits really overlap.
    const [a, b] = await Promise.all([runWriter(dataDir, ['shared', '11', String(perWriter), '2']), runWriter(dataDir, ['shared', '23', String(perWriter), '2'])]);
    for (const run of [a, b]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.acks.at(-1)?.done).toBe(true);
    }
    // They did overlap: some optimistic edits met a newer version and were retried.
    expect((a.acks.at(-1)?.retries ?? 0) + (b.acks.at(-1)?.retries ?? 0)).toBeGreaterThan(0);
    const edits = [...a.acks, ...b.acks].filter((x) => x.id);
    expect(edits).toHaveLength(2 * perWriter);
    // Every acknowledged edit produced its own version: no two edits claimed the same one.
    const claimed = new Set(edits.map((e) => `${e.id}@${e.version}`));
    expect(claimed.size).toBe(edits.length);
    const engine = Engine.open({ dataDir, autoCatchUp: false });
    const finalVersions = shared.map((id) => engine.getEntry(id).version);
    engine.close();
    expect(finalVersions.reduce((sum, v) => sum + v - 1, 0)).toBe(2 * perWriter);
    checkStore(dataDir, new Map(edits.map((e) => [e.id!, e.version!])));
  }, 120_000);
});
