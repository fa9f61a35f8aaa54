// What a person sees of their teammates through sync: who made each change (account and device, by name, as the
// server recorded it), news of teammates' edits, conflicts and documents processed elsewhere, and a first sync's progress.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, importBytes, IngestRuntime, SyncService, type EngineNotice, type EngineTeamNotice, type SecretStore } from '@cairn/core';
import { afterEach, describe, expect, it } from 'vitest';
import { syncWorldPerTest } from '../testing/syncWorldPerTest.js';
import type { SyncWorld } from '../testing/syncWorld.js';

const password = 'correct horse battery';
const { team } = syncWorldPerTest();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

class MemorySecrets implements SecretStore {
  private secret: string | undefined;
  read = () => this.secret;
  write = (secret: string) => void (this.secret = secret);
  remove = () => void (this.secret = undefined);
}

/** A data directory with its SyncService signed in as `username` (signing up with `invitation` when given). */
async function device(world: SyncWorld, username: string, invitation?: string, pullPage?: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-team-'));
  const engine = Engine.open({ dataDir, backgroundEmbedding: false });
  const notices: EngineNotice[] = [];
  engine.subscribe((notice) => notices.push(notice));
  const service = new SyncService(engine, { secrets: new MemorySecrets(), ...(pullPage !== undefined && { pullPage }) });
  cleanups.push(async () => {
    await service.stop();
    engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await service.login({ server: world.url, username, password, ...(invitation !== undefined && { invitation }) });
  const team = () => notices.filter((n): n is EngineTeamNotice => n.type === 'team');
  return { engine, service, notices, team };
}

async function aliceAndBob() {
  const { world, alice } = await team();
  const { code } = (await world.call('POST', '/v1/workspaces/team/invitations', alice.token, { role: 'editor' })) as { code: string };
  const laptop = await device(world, 'alice');
  await laptop.service.link({ workspace: 'team' });
  const desk = await device(world, 'bob', code);
  await desk.service.link({ workspace: 'team' });
  return { world, laptop, desk };
}

describe('teammates through sync', () => {
  it('names who made each change by account and device, in history and activity, as the server recorded it', async () => {
    const { laptop, desk } = await aliceAndBob();
    const { entryId } = laptop.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title: 'Plan', body: 'one', tags: [] });
    await laptop.service.syncNow();
    await desk.service.syncNow();
    desk.engine.execute({ type: 'UpdateEntry', entryId, body: 'one\ntwo' });
    await desk.service.syncNow();
    await laptop.service.syncNow();
    await desk.service.syncNow();

    const deviceName = expect.stringMatching(/^Cairn on /);
    for (const engine of [laptop.engine, desk.engine]) {
      // The server's members view may list a new device a moment after its first push.
      await expect.poll(() => engine.history(entryId).map(({ version, actorName, deviceName: d }) => ({ version, actorName, deviceName: d }))).toEqual([
        { version: 1, actorName: 'alice', deviceName },
        { version: 2, actorName: 'bob', deviceName },
      ]);
      expect(engine.activity().filter((a) => a.entryId === entryId).map((a) => a.actorName)).toEqual(['bob', 'alice']);
    }
  });

  it('tells a device what teammates changed, and that a conflict kept both sides — on both devices', async () => {
    const { laptop, desk } = await aliceAndBob();
    const { entryId } = laptop.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title: 'Minutes', body: 'agenda', tags: [] });
    await laptop.service.syncNow();
    await desk.service.syncNow();
    await expect.poll(() => desk.team().at(-1)).toMatchObject({ initial: false, entries: 1, changes: [{ entryId, title: 'Minutes', kind: 'created', by: { username: 'alice', deviceName: expect.stringMatching(/^Cairn on /) } }] });

    // Both edit the same line offline: each device's next pull brings the other side, and a conflict.
    laptop.engine.execute({ type: 'UpdateEntry', entryId, body: 'agenda: budget' });
    desk.engine.execute({ type: 'UpdateEntry', entryId, body: 'agenda: hiring' });
    await laptop.service.syncNow();
    await desk.service.syncNow();
    await laptop.service.syncNow();
    await expect.poll(() => desk.team().at(-1)?.changes).toEqual([expect.objectContaining({ entryId, kind: 'conflict', by: expect.objectContaining({ username: 'alice' }) })]);
    await expect.poll(() => laptop.team().at(-1)?.changes).toEqual([expect.objectContaining({ entryId, kind: 'conflict', by: expect.objectContaining({ username: 'bob' }) })]);
    // Nothing of a device's own pushes is news to it.
    expect(laptop.team().flatMap((n) => n.changes).every((c) => c.by.username !== 'alice')).toBe(true);
  });

  it('says a document was processed on another device, and a first sync reports its progress and only a count', async () => {
    const { world, laptop, desk } = await aliceAndBob();
    const ingestion = IngestRuntime.start(laptop.engine, { extractionThreads: 1, ocrWorkers: 1, pollIntervalMs: 50 });
    cleanups.push(() => ingestion.stop());
    const imported = await importBytes(laptop.engine, 'memo.md', new TextEncoder().encode('# Memo\n\nThe quarterly zanzibar figures.\n'));
    await ingestion.waitFor([imported.entryId!]);
    await laptop.service.syncNow();
    await desk.service.syncNow();
    await expect.poll(() => desk.team().at(-1)?.changes).toEqual([expect.objectContaining({ entryId: imported.entryId, kind: 'processed' })]);

    for (let i = 0; i < 30; i++) laptop.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title: `Note ${i}`, body: 'x', tags: [] });
    await laptop.service.syncNow();
    // A new device whose first sync takes several pages: progress page by page up to the head, then one count.
    const phone = await device(world, 'alice', undefined, 10);
    await phone.service.link({ workspace: 'team' });
    const head = phone.engine.sync.link()!.cursor;
    const progress = phone.notices.flatMap((n) => (n.type === 'progress' && n.task === 'sync' ? [{ done: n.done, total: n.total }] : []));
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.every((p, i) => p.total === head && (i === 0 || p.done > progress[i - 1]!.done))).toBe(true);
    expect(progress.at(-1)).toEqual({ done: head, total: head });
    await expect.poll(() => phone.team()).toEqual([expect.objectContaining({ initial: true, entries: 31, changes: [] })]);
  });

  it('a saved search alerts when a teammate’s matching entry arrives by sync, once', async () => {
    const { laptop, desk } = await aliceAndBob();
    const saved = desk.engine.saveSearch(crypto.randomUUID(), { name: 'Budget', query: 'budget', mode: null, tag: null, kind: null, type: null, alerts: true });
    const { entryId } = laptop.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title: 'Q3 budget', body: 'the budget for the quarter', tags: [] });
    laptop.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title: 'Picnic', body: 'sandwiches', tags: [] });
    await laptop.service.syncNow();
    await desk.service.syncNow();
    const alerts = () => desk.notices.flatMap((n) => (n.type === 'alert' ? n.alerts : []));
    await expect.poll(alerts).toEqual([{ searchId: saved.id, name: 'Budget', entryId, title: 'Q3 budget' }]);
    laptop.engine.execute({ type: 'UpdateEntry', entryId, body: 'the budget for the quarter, revised' });
    await laptop.service.syncNow();
    await desk.service.syncNow();
    await new Promise((resolve) => setTimeout(resolve, 600)); // a poll or two
    expect(alerts()).toHaveLength(1);
    expect(laptop.notices.some((n) => n.type === 'alert')).toBe(false); // no saved search there
  });
});
