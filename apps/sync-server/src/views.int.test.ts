import { createHash } from 'node:crypto';
import { activityViewItemSchema, documentViewItemSchema, entryViewItemSchema, memberViewItemSchema, viewPageSchema } from '@cairn/core/protocol';
import { expect, it } from 'vitest';
import { describeBackends, EventFactory, eventually, startPeerServer, startTestServer, TestClient, type TestServer } from './testing/harness.js';

/** The content of every read view, hashed table by table in key order (what a rebuild must reproduce). */
async function viewDigest(server: TestServer): Promise<string> {
  const hash = createHash('sha256');
  for (const projection of server.app.projector.projections) {
    for (const query of projection.digestQueries) {
      const rows = await server.app.db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM (${query}) t`);
      hash.update(`${query}\n${rows.map((r) => r.row).join('\n')}\n`);
    }
  }
  return hash.digest('hex');
}

async function caughtUp(server: TestServer): Promise<void> {
  await server.app.projector.drain();
  await eventually(async () => {
    const lag = await server.app.projector.lag();
    return Object.values(lag).every((n) => n === 0) ? true : undefined;
  });
}

describeBackends('read views', (backend) => {
  async function team() {
    const server = await startTestServer(backend());
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    const bob = await new TestClient(server.url).account('bob', 'correct horse battery', { displayName: 'Bob B.' });
    await bob.join(await alice.invite(ws, 'editor'));
    return { server, alice, bob, ws, a: new EventFactory(alice.deviceId), b: new EventFactory(bob.deviceId) };
  }

  const view = async (client: TestClient, ws: string, name: string, query = '') => {
    const res = await client.request('GET', `/v1/workspaces/${ws}/views/${name}${query ? `?${query}` : ''}`);
    expect(res.status, res.text).toBe(200);
    return viewPageSchema.parse(res.body);
  };

  it('serves entries with titles, tags, kind, deleted and who changed them when, as the server recorded it', async () => {
    const { server, alice, bob, ws, a, b } = await team();
    const plan = a.create('Plan', { tags: ['work'] });
    const groceries = a.create('Groceries', { tags: ['home'] });
    await alice.push(ws, [plan, groceries]);
    await bob.push(ws, [b.update(plan.aggregateId, { title: 'Plan v2', tags: ['urgent', 'work'] }, { baseEventId: plan.eventId, tagChanges: { added: ['urgent'], removed: [] } }), b.delete(groceries.aggregateId, groceries.eventId)]);
    await caughtUp(server);
    const live = await view(alice, ws, 'entries');
    expect(live.checkpoint).toBe(4);
    expect(live.head).toBe(4);
    const items = live.items.map((i) => entryViewItemSchema.parse(i));
    expect(items.map((i) => [i.title, i.tags, i.deleted])).toEqual([['Plan v2', ['urgent', 'work'], false]]);
    expect(items[0]).toMatchObject({ kind: 'note', createdBy: { userId: alice.userId }, updatedBy: { userId: bob.userId, deviceId: bob.deviceId }, version: 2 });
    const deleted = (await view(alice, ws, 'entries', 'deleted=true')).items.map((i) => entryViewItemSchema.parse(i));
    expect(deleted.map((i) => i.title)).toEqual(['Groceries']);
    expect((await view(alice, ws, 'entries', 'tag=urgent')).items).toHaveLength(1);
    expect((await view(alice, ws, 'entries', 'tag=home')).items).toHaveLength(0);
    expect((await view(alice, ws, 'entries', 'kind=document')).items).toHaveLength(0);
    expect((await view(alice, ws, 'entries', `since=${new Date(Date.now() + 60_000).toISOString()}`)).items).toHaveLength(0);
    expect((await view(alice, ws, 'entries', `since=${new Date(Date.now() - 60_000).toISOString()}`)).items).toHaveLength(2);
  });

  it('folds concurrent edits with the same merge rules as the devices: the later clock wins a title, tags merge as sets', async () => {
    const { server, alice, bob, ws, a, b } = await team();
    const note = a.create('Draft', { tags: ['keep', 'old'] });
    await alice.push(ws, [note]);
    // Both edit from the same base; Bob's clock is later, but Alice's edit reaches the server last.
    const byBob = b.update(note.aggregateId, { title: 'Bob’s title', tags: ['keep'] }, { baseEventId: note.eventId, tagChanges: { added: [], removed: ['old'] }, wallMs: Date.now() + 2_000 });
    const byAlice = a.update(note.aggregateId, { title: 'Alice’s title', tags: ['keep', 'new', 'old'] }, { baseEventId: note.eventId, tagChanges: { added: ['new'], removed: [] }, wallMs: Date.now() + 1_000 });
    await bob.push(ws, [byBob]);
    await alice.push(ws, [byAlice]);
    await caughtUp(server);
    const [entry] = (await view(alice, ws, 'entries')).items.map((i) => entryViewItemSchema.parse(i));
    expect(entry).toMatchObject({ title: 'Bob’s title', tags: ['keep', 'new'] });
  });

  it('notifies a clash of concurrent body edits, and not a clean merge', async () => {
    const { server, alice, bob, ws, a, b } = await team();
    const note = a.create('Minutes', { body: 'line one\nline two\nline three' });
    await alice.push(ws, [note]);
    await bob.push(ws, [b.update(note.aggregateId, { body: 'line ONE\nline two\nline three' }, { baseEventId: note.eventId })]);
    await alice.push(ws, [a.update(note.aggregateId, { body: 'line one\nline two\nline three\nline four' }, { baseEventId: note.eventId })]);
    const other = a.create('Plans', { body: 'monday' });
    await alice.push(ws, [other]);
    await bob.push(ws, [b.update(other.aggregateId, { body: 'tuesday' }, { baseEventId: other.eventId })]);
    await alice.push(ws, [a.update(other.aggregateId, { body: 'friday' }, { baseEventId: other.eventId })]);
    await caughtUp(server);
    const kinds = await server.app.db.query<{ kind: string; entry_id: string }>(`SELECT kind, entry_id FROM notifications WHERE kind = 'merge_conflict'`);
    expect(kinds.map((k) => k.entry_id)).toEqual([other.aggregateId]);
  });

  it('serves documents with their processing status, the activity feed and the members', async () => {
    const { server, alice, bob, ws, a, b } = await team();
    const file = { sha256: 'a'.repeat(64), name: 'report.pdf', size: 1234, mimeType: 'application/pdf' };
    const doc = a.importDocument('Report', file);
    const broken = a.importDocument('Broken', { ...file, sha256: 'b'.repeat(64), name: 'broken.pdf' });
    await alice.push(ws, [doc, broken, a.processed(doc.aggregateId, 'c'.repeat(64), 4200), a.failed(broken.aggregateId, 'the PDF is damaged')]);
    await bob.push(ws, [b.create('Bob’s note')]);
    await caughtUp(server);
    const docs = (await view(alice, ws, 'documents')).items.map((i) => documentViewItemSchema.parse(i));
    expect(docs.map((d) => [d.title, d.status, d.textSha256, d.error?.reason ?? null])).toEqual([
      ['Broken', 'failed', null, 'the PDF is damaged'],
      ['Report', 'done', 'c'.repeat(64), null],
    ]);
    const activity = (await view(alice, ws, 'activity')).items.map((i) => activityViewItemSchema.parse(i));
    expect(activity.map((x) => [x.eventType, x.title])).toEqual([
      ['EntryCreated', 'Bob’s note'],
      ['DocumentProcessingFailed', 'Broken'],
      ['DocumentProcessed', 'Report'],
      ['DocumentImported', 'Broken'],
      ['DocumentImported', 'Report'],
    ]);
    expect(activity[0]!.by).toEqual({ userId: bob.userId, deviceId: bob.deviceId });
    const members = (await view(alice, ws, 'members')).items.map((i) => memberViewItemSchema.parse(i));
    expect(members.map((m) => [m.username, m.displayName, m.role, m.events])).toEqual([
      ['alice', 'alice', 'owner', 4],
      ['bob', 'Bob B.', 'editor', 1],
    ]);
    expect(members[1]!.devices).toEqual([{ deviceId: bob.deviceId, name: 'test device' }]);
  });

  it('pages by cursor and answers an unchanged page with 304', async () => {
    const { server, alice, ws, a } = await team();
    await alice.push(ws, Array.from({ length: 7 }, (_, i) => a.create(`Note ${i}`)));
    await caughtUp(server);
    const first = await alice.request('GET', `/v1/workspaces/${ws}/views/entries?limit=3`);
    expect(first.body.items.map((i: { title: string }) => i.title)).toEqual(['Note 6', 'Note 5', 'Note 4']);
    const second = await view(alice, ws, 'entries', `limit=3&cursor=${first.body.next}`);
    expect(second.items.map((i) => (i as { title: string }).title)).toEqual(['Note 3', 'Note 2', 'Note 1']);
    const third = await view(alice, ws, 'entries', `limit=3&cursor=${second.next}`);
    expect(third.items.map((i) => (i as { title: string }).title)).toEqual(['Note 0']);
    expect(third.next).toBeNull();
    const etag = first.headers.get('etag')!;
    const again = await alice.request('GET', `/v1/workspaces/${ws}/views/entries?limit=3`, undefined, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    await alice.push(ws, [a.create('Note 7')]);
    await caughtUp(server);
    const changed = await eventually(async () => {
      const res = await alice.request('GET', `/v1/workspaces/${ws}/views/entries?limit=3`, undefined, { 'if-none-match': etag });
      return res.status === 200 ? res : undefined;
    });
    expect(changed.body.items[0].title).toBe('Note 7');
    for (const bad of ['cursor=nonsense', 'cursor=eyJ2IjoibWVtYmVycyIsImEiOiJ4In0', 'limit=0', 'limit=100000', 'kind=poem', 'since=yesterday', 'color=red']) {
      const res = await alice.request('GET', `/v1/workspaces/${ws}/views/entries?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.code).toBe('validation');
    }
    expect((await alice.request('GET', `/v1/workspaces/${ws}/views/secrets`)).status).toBe(404);
  });

  it('rebuilds views identical to the live ones, without notifying anyone again', async () => {
    const { server, alice, bob, ws, a, b } = await team();
    const events = [];
    for (let i = 0; i < 30; i++) {
      const note = a.create(`Note ${i}`, { tags: [`t${i % 3}`], body: `body ${i}` });
      events.push(note, a.update(note.aggregateId, { title: `Note ${i}!` }));
    }
    await alice.push(ws, events);
    const first = events[0]!;
    await bob.push(ws, [b.update(first.aggregateId, { body: 'BODY 0' }, { baseEventId: first.eventId })]);
    await alice.push(ws, [a.update(first.aggregateId, { body: 'body 0\nmore' }, { baseEventId: first.eventId })]);
    await bob.push(ws, [b.importDocument('Doc', { sha256: 'd'.repeat(64), name: 'd.txt', size: 3, mimeType: 'text/plain' })]);
    await alice.request('PUT', `/v1/workspaces/${ws}/members/${bob.userId}`, { role: 'viewer' });
    await caughtUp(server);
    const live = await viewDigest(server);
    const notifications = (await server.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications'))[0]!.n;
    expect(notifications).toBeGreaterThan(0);
    expect(await server.app.projector.rebuild()).toEqual({ workspaces: 1 });
    expect(await viewDigest(server)).toBe(live);
    expect((await server.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications'))[0]!.n).toBe(notifications);
    const rows = (await server.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM view_entries'))[0]!.n;
    expect(rows).toBe(31);
  });

  it('two instances fold one workspace’s views together, each event exactly once (advisory locks)', async ({ skip }) => {
    if (backend().name !== 'postgres') skip();
    const { server, alice, bob, ws, a, b } = await team();
    const peer = await startPeerServer(backend(), server);
    const bobOnPeer = new TestClient(peer.url);
    bobOnPeer.token = bob.token;
    const pushes = [];
    for (let i = 0; i < 20; i++) {
      pushes.push(alice.push(ws, Array.from({ length: 10 }, (_, k) => a.create(`A ${i}-${k}`))));
      pushes.push(bobOnPeer.push(ws, Array.from({ length: 10 }, (_, k) => b.create(`B ${i}-${k}`))));
    }
    expect((await Promise.all(pushes)).every((r) => r.status === 200)).toBe(true);
    await caughtUp(server);
    await caughtUp(peer);
    const counts = await server.app.db.query<{ activity: number; entries: number }>('SELECT (SELECT count(*)::int FROM view_activity) AS activity, (SELECT count(*)::int FROM view_entries) AS entries');
    expect(counts[0]).toEqual({ activity: 400, entries: 400 });
    expect(`${server.logs.text()}${peer.logs.text()}`).not.toContain('could not fold');
    const live = await viewDigest(server);
    await peer.app.projector.rebuild();
    expect(await viewDigest(server)).toBe(live);
    const notified = await server.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE kind = 'entry_changed'`);
    expect(notified[0]!.n).toBeGreaterThan(0);
  });
});
