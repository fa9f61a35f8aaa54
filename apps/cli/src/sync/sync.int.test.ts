import { describe, expect, it } from 'vitest';
import { createReadStream, readFileSync } from 'node:fs';
import { HttpTransport, importBytes, IngestRuntime, SyncClient, uuidv7, type Engine, type SyncTransport } from '@cairn/core';
import { syncWorldPerTest } from '../testing/syncWorldPerTest.js';

/** An entry's history without where each event sits in this device's log (which differs between devices). */
const history = (engine: Engine, id: string) => engine.history(id).map(({ position: _, ...item }) => item);

const { team } = syncWorldPerTest();

describe('sync between devices', () => {
  it('an entry written on one device appears on the other, with the same history and digest', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const created = a.engine.execute({ type: 'CreateEntry', entryId: crypto.randomUUID(), title: 'Plan', body: 'one\ntwo', tags: ['work'] });
    a.engine.execute({ type: 'UpdateEntry', entryId: created.entryId, title: 'Plan v2' });
    expect(await a.client.syncNow()).toMatchObject({ pushed: 2 });
    expect(await b.client.syncNow()).toMatchObject({ pulled: 2 });
    expect(b.engine.getEntry(created.entryId)).toMatchObject({ title: 'Plan v2', body: 'one\ntwo', tags: ['work'] });
    await a.client.syncNow();
    expect(history(b.engine, created.entryId)).toEqual(history(a.engine, created.entryId));
    expect(b.engine.digest()).toBe(a.engine.digest());
    expect(a.client.status()).toMatchObject({ pending: 0, state: 'idle' });
  });

  it('a first pull in small pages, whose entries go on from page to page, leaves every read model as a rebuild makes it', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const ids = Array.from({ length: 4 }, () => crypto.randomUUID());
    for (const [i, id] of ids.entries()) a.engine.execute({ type: 'CreateEntry', entryId: id, title: `Note ${i}`, body: `draft ${i}`, tags: ['plan'] });
    for (const [i, id] of ids.entries()) a.engine.execute({ type: 'UpdateEntry', entryId: id, body: `second draft ${i}`, addTags: [`t${i % 2}`] });
    a.engine.execute({ type: 'DeleteEntry', entryId: ids[1]! });
    a.engine.execute({ type: 'UpdateEntry', entryId: ids[0]!, title: 'Renamed', removeTags: ['plan'] });
    a.engine.execute({ type: 'RestoreEntry', entryId: ids[1]! });
    a.engine.execute({ type: 'UpdateEntry', entryId: ids[3]!, body: 'final words about a wombat' });
    await a.client.syncNow();
    // Pages of 3 events: most pages add events to streams an earlier page began.
    const client = new SyncClient({ log: b.engine.sync, transport: new HttpTransport({ server: world.url, token: b.token }), deviceId: b.engine.status().deviceId, pullPage: 3 });
    expect(await client.syncNow()).toMatchObject({ pulled: 12 });

    expect(b.engine.getEntry(ids[0]!)).toMatchObject({ title: 'Renamed', tags: ['t0'], version: 3 });
    expect(b.engine.getEntry(ids[1]!)).toMatchObject({ deleted: false, version: 4 });
    expect(history(b.engine, ids[3]!)).toEqual(history(a.engine, ids[3]!));
    expect(Object.fromEntries(b.engine.tags().map((t) => [t.tag, t.count]))).toEqual({ plan: 3, t0: 2, t1: 2 });
    expect((await b.engine.search.search({ query: 'wombat', mode: 'lexical' })).results.map((hit) => hit.entryId)).toEqual([ids[3]]);
    const live = b.engine.digest();
    expect(live).toBe(a.engine.digest());
    expect(b.engine.rebuild().digest).toBe(live);
  });

  it('concurrent offline edits of one entry converge on both devices, keeping both sides’ changes', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const id = crypto.randomUUID();
    a.engine.execute({ type: 'CreateEntry', entryId: id, title: 'Minutes', body: 'line one\nline two\nline three', tags: ['keep', 'old'] });
    await a.client.syncNow();
    await b.client.syncNow();
    // Both offline: A edits the first line and adds a tag; B adds a line and removes a tag.
    a.engine.execute({ type: 'UpdateEntry', entryId: id, body: 'LINE ONE\nline two\nline three', addTags: ['new'] });
    b.engine.execute({ type: 'UpdateEntry', entryId: id, body: 'line one\nline two\nline three\nline four', removeTags: ['old'] });
    await a.client.syncNow();
    await b.client.syncNow();
    await a.client.syncNow();
    for (const device of [a, b]) {
      expect(device.engine.getEntry(id)).toMatchObject({ body: 'LINE ONE\nline two\nline three\nline four', tags: ['keep', 'new'] });
    }
    expect(history(b.engine, id)).toEqual(history(a.engine, id));
    expect(b.engine.digest()).toBe(a.engine.digest());
  });
});

describe('documents across devices', () => {
  const names = (engine: Engine, query: string) => engine.search.search({ query, mode: 'lexical', limit: 10 }).then((r) => r.results.map((hit) => hit.title));

  async function importOn(engine: Engine, name: string, content: string) {
    const runtime = IngestRuntime.start(engine, { extractionThreads: 1, ocrWorkers: 1, pollIntervalMs: 50 });
    try {
      const outcome = await importBytes(engine, name, new TextEncoder().encode(content), { newId: uuidv7 });
      await runtime.waitFor([outcome.entryId!]);
      return engine.documents.get(outcome.entryId!);
    } finally {
      await runtime.stop();
    }
  }

  it('a document processed on one device is searchable on the other without processing, and its original comes down when opened', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    const content = `<html><body>${'<p>The quarterly harvest of saffron exceeded every forecast.</p>'.repeat(20)}</body></html>`;
    const document = await importOn(a.engine, 'harvest.html', content);
    expect(document.status).toBe('done');
    await a.client.syncNow();
    await b.client.syncNow();

    expect(await names(b.engine, 'saffron')).toEqual(['harvest.html']);
    expect(b.engine.documents.get(document.id)).toMatchObject({ status: 'done', textSha256: document.textSha256, originalHere: false });
    expect(b.engine.jobs.counts('document.process')).toEqual({ queued: 0, running: 0, done: 0, dead: 0 });
    // The original was uploaded after the round; B downloads it on demand, verified.
    const progress: number[] = [];
    await b.client.fetchOriginal(document.file.sha256, document.file.size, (p) => progress.push(p.done));
    expect(readFileSync(b.engine.blobs.pathOf(document.file.sha256), 'utf8')).toBe(content);
    expect(progress.at(-1)).toBe(document.file.size);
    expect(b.engine.documents.get(document.id).originalHere).toBe(true);
    expect(b.engine.digest()).toBe(a.engine.digest());
  });

  it('a text the server did not have yet is fetched on a later round and the document becomes searchable', async () => {
    const { world, alice } = await team();
    let holdTexts = true;
    const held: string[] = [];
    const a = await world.device(alice, 'team', {
      transport: (http) =>
        Object.assign(Object.create(http) as SyncTransport, {
          // The uploader's texts do not reach the server at first (a peer that crashed before uploading them).
          putBlob: (ws: string, sha: string, size: number, open: () => AsyncIterable<Uint8Array>) => (holdTexts && size < 5_000 ? (held.push(sha), Promise.resolve()) : http.putBlob(ws, sha, size, open)),
          hasBlob: (ws: string, sha: string) => http.hasBlob(ws, sha),
        }),
    });
    const b = await world.device(alice, 'team');
    const document = await importOn(a.engine, 'notes.txt', 'Meeting about the lighthouse restoration budget.');
    await a.client.syncNow();
    await b.client.syncNow();
    expect(held).toContain(document.textSha256);
    expect(b.engine.documents.get(document.id)).toMatchObject({ status: 'done' });
    expect(await names(b.engine, 'lighthouse')).toEqual([]);

    holdTexts = false;
    await new HttpTransport({ server: world.url, token: (await world.signIn('alice')).token }).putBlob('team', document.textSha256!, a.engine.blobs.size(document.textSha256!), () => createReadStream(a.engine.blobs.pathOf(document.textSha256!)));
    await b.client.syncNow();
    expect(await names(b.engine, 'lighthouse')).toEqual(['notes.txt']);
    expect(b.engine.digest()).toBe(a.engine.digest());
  });
});

describe('the live socket', () => {
  it('a client stopped while its live socket waits to reconnect tries nothing more once its data directory is closed', async () => {
    const { world, alice } = await team();
    let opened = 0;
    let dropped: (() => void) | undefined;
    // A live socket the server drops at once (a restart, a load balancer): the client plans to reconnect later.
    const device = await world.device(alice, 'team', {
      transport: (http) => ({ ...wrap(http), live: (_ws, handlers) => ((opened++, (dropped = () => handlers.onClose(1006, 'dropped'))), { close: () => undefined }) }),
    });
    const failures: unknown[] = [];
    const onError = (error: unknown) => failures.push(error);
    process.on('uncaughtException', onError);
    try {
      device.client.start();
      dropped!();
      await device.client.stop();
      device.engine.close();
      // The first reconnect comes after 0.5–1 s.
      await new Promise((r) => setTimeout(r, 1_200));
      expect(opened).toBe(1);
      expect(failures).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});

/** The transport's methods, bound, so a test can replace one. */
function wrap(transport: SyncTransport): SyncTransport {
  return {
    push: (ws, request) => transport.push(ws, request),
    pull: (ws, after, limit) => transport.pull(ws, after, limit),
    hasBlob: (ws, sha) => transport.hasBlob(ws, sha),
    putBlob: (ws, sha, size, body) => transport.putBlob(ws, sha, size, body),
    getBlob: (ws, sha, offset) => transport.getBlob(ws, sha, offset),
  };
}
