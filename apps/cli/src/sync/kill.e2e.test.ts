// The client killed with SIGKILL in the middle of a sync, then started again: it resumes where its durable cursors
// say, uploads what it had not yet, and nothing is lost or stored twice — on the pushing and on the pulling side.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Engine, type EngineCommand } from '@cairn/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBin, runCliAsync } from '../testing/runCli.js';
import { syncWorldPerTest } from '../testing/syncWorldPerTest.js';

const password = 'correct horse battery';
const servers = syncWorldPerTest();
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cairn-sync-kill-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A data directory holding `entries` notes (made in batches, as an import of a big vault would). */
function seededDevice(name: string, entries: number): { dir: string; ids: string[] } {
  const dir = join(tmp, name);
  const engine = Engine.open({ dataDir: dir, autoCatchUp: false, backgroundEmbedding: false });
  const ids = Array.from({ length: entries }, () => randomUUID());
  const commands: EngineCommand[] = ids.map((entryId, i) => ({ type: 'CreateEntry', entryId, title: `Note ${i}`, body: `line one of note ${i}\nline two`, tags: [] }));
  for (let i = 0; i < commands.length; i += 1000) engine.executeBatch(commands.slice(i, i + 1000));
  engine.close();
  return { dir, ids };
}

/** Starts `cairn ARGS` and kills it with SIGKILL as soon as `ready()` holds; resolves with what `ready` last saw. */
async function killWhen<T>(args: string[], input: string, probe: () => T | Promise<T>, ready: (seen: T) => boolean): Promise<{ seen: T; exit: string }> {
  const child = spawn(process.execPath, [cliBin, ...args], { env: { ...process.env, NO_COLOR: '1', CAIRN_DATA_DIR: '' }, stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin.end(input);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(signal ?? `exit ${code}: ${stderr}`)));
  let running = true;
  void exited.then(() => (running = false));
  let seen = await probe();
  while (running && !ready(seen)) {
    await new Promise((r) => setTimeout(r, 5));
    seen = await probe();
  }
  child.kill('SIGKILL');
  return { seen, exit: await exited };
}

describe('a client killed with SIGKILL mid-sync', () => {
  it('resumes the push after a restart: the server ends with every event once', async () => {
    const { world } = await servers.team();
    const entries = 3000;
    const laptop = seededDevice('laptop', entries);
    const cli = (args: string[], input?: string) => runCliAsync(['--data', laptop.dir, ...args], input === undefined ? {} : { input });
    expect((await cli(['sync', 'login', world.url, '--user', 'bob', '--signup', '--password-stdin'], password)).code).toBe(0);
    const bob = await world.signIn('bob');
    await world.call('POST', '/v1/workspaces', bob.token, { id: 'big', name: 'Big' });
    const head = async () => ((await world.call('GET', '/v1/workspaces/big/pull?after=0&limit=1', bob.token)) as { head?: number }).head ?? 0;

    // Killed once the server holds some of the events but not all of them.
    const killed = await killWhen(['--data', laptop.dir, 'sync', 'link', '--workspace', 'big'], '', head, (h) => h > 0);
    expect(killed.exit).toBe('SIGKILL');
    expect(killed.seen).toBeGreaterThan(0);
    expect(killed.seen).toBeLessThan(entries);

    const status = (await cli(['sync', 'status', '--json'])).json<{ linked: boolean; pending: number }>();
    expect(status.linked).toBe(true);
    expect(status.pending).toBeGreaterThan(0);
    expect(status.pending).toBeLessThanOrEqual(entries - killed.seen);

    const resumed = await cli(['sync', 'now', '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect((await cli(['sync', 'status', '--json'])).json()).toMatchObject({ pending: 0 });
    expect(await head()).toBe(entries);
    // Each event once: the server's entries view has every note, and the log has no second copy of any.
    const stored: { eventId: string; aggregateId: string }[] = [];
    for (let after = 0, more = true; more; ) {
      const page = (await world.call('GET', `/v1/workspaces/big/pull?after=${after}&limit=1000`, bob.token)) as { more: boolean; events: { seq: number; event: { eventId: string; aggregateId: string } }[] };
      stored.push(...page.events.map((e) => e.event));
      after = page.events.at(-1)?.seq ?? after;
      more = page.more;
    }
    expect(stored).toHaveLength(entries);
    expect(new Set(stored.map((e) => e.eventId)).size).toBe(entries);
    expect(new Set(stored.map((e) => e.aggregateId))).toEqual(new Set(laptop.ids));
  }, 120_000); // a kill, two CLI processes and a server: slow on a loaded machine, bounded by correctness only

  it('resumes a first pull after a restart: the new device ends identical to the one it cloned', async () => {
    const { world } = await servers.team();
    const entries = 12_000; // more than two pull pages (5,000 each), so a kill can land between them
    const laptop = seededDevice('laptop2', entries);
    const laptopCli = (args: string[], input?: string) => runCliAsync(['--data', laptop.dir, ...args], input === undefined ? {} : { input });
    expect((await laptopCli(['sync', 'login', world.url, '--user', 'carol', '--signup', '--password-stdin'], password)).code).toBe(0);
    expect((await laptopCli(['sync', 'link', '--workspace', 'shared', '--create'])).code).toBe(0);

    const desktopDir = join(tmp, 'desktop');
    const desktopCli = (args: string[], input?: string) => runCliAsync(['--data', desktopDir, ...args], input === undefined ? {} : { input });
    // What the new device has stored so far, read beside the running client as any reader of the file could.
    const entriesHere = () => {
      if (!existsSync(join(desktopDir, 'cairn.db'))) return 0;
      const db = new BetterSqlite3(join(desktopDir, 'cairn.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
      } catch {
        return 0;
      } finally {
        db.close();
      }
    };
    const killed = await killWhen(['--data', desktopDir, 'sync', 'clone', world.url, '--workspace', 'shared', '--user', 'carol', '--password-stdin'], password, entriesHere, (n) => n > 0);
    expect(killed.exit).toBe('SIGKILL');
    expect(killed.seen).toBeGreaterThan(0);
    expect(killed.seen).toBeLessThan(entries);

    const resumed = await desktopCli(['sync', 'now', '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const here = (await desktopCli(['status', '--json'])).json<{ events: number; entries: number; digest: string }>();
    const there = (await laptopCli(['status', '--json'])).json<{ events: number; entries: number; digest: string }>();
    expect(here.events).toBe(entries);
    expect(here.entries).toBe(entries);
    expect(here.digest).toBe(there.digest);
  }, 120_000); // 12,000 entries through a kill and two CLI processes: slow on a loaded machine, bounded by correctness only
});
