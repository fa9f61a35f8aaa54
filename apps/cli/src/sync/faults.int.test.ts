// The sync client against the failures its users meet: a server that is down or drops the answer after committing,
// devices reconnecting together, writes during a pull, a revoked sign-in, a restored server database, a clock a year
// ahead, and a server that sends what it must not. Each ends with nothing lost and nothing stuck.
import type { App } from '@cairn/sync-server';
import { describe, expect, it } from 'vitest';
import { type CairnError, HttpTransport, SyncClient, SyncTransportError, uuidv7, type Engine, type SyncTransport } from '@cairn/core';
import type { PullResponse } from '@cairn/core/protocol';
import { syncWorldPerTest } from '../testing/syncWorldPerTest.js';

/** A transport like `http` with some methods replaced. */
const wrap = (http: SyncTransport, overrides: Partial<SyncTransport>): SyncTransport => Object.assign(Object.create(http) as SyncTransport, overrides);

const create = (engine: Engine, title: string, body = '') => engine.execute({ type: 'CreateEntry', entryId: uuidv7(), title, body }).entryId;
const titles = (engine: Engine) =>
  engine
    .listEntries({ sort: 'title', limit: 1000 })
    .entries.map((e) => e.title)
    .sort();
const serverHead = async (app: App, ws = 'team') => Number((await app.db.query<{ head: number }>('SELECT head FROM workspace_heads WHERE workspace_id = $1', [ws]))[0]!.head);
const serverEventIds = async (app: App, ws = 'team') => (await app.db.query<{ event_id: string }>('SELECT event_id FROM events WHERE workspace_id = $1', [ws])).map((r) => r.event_id);
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as CairnError;
  }
  throw new Error('expected the sync to fail');
};

// On both databases a team may run the server on: the embedded one and Postgres.
describe.each(['pglite', 'postgres'] as const)('sync faults (%s)', (backend) => {
  const { team } = syncWorldPerTest(backend);

  it('the server down during a push: the edits wait, and go up once when it is back', async () => {
    const { world, alice } = await team();
    let down = true;
    const a = await world.device(alice, 'team', { transport: (http) => wrap(http, { push: (ws, request) => (down ? Promise.reject(new SyncTransportError('unavailable', 'connection refused')) : http.push(ws, request)) }) });
    create(a.engine, 'Offline note');
    expect(await failure(a.client.syncNow())).toMatchObject({ code: 'unavailable' });
    // Said as what it is: offline, not a failure to report.
    expect(a.client.status()).toMatchObject({ pending: 1, state: 'offline', lastError: { code: 'unavailable' } });
    down = false;
    expect(await a.client.syncNow()).toMatchObject({ pushed: 1 });
    expect(a.client.status()).toMatchObject({ pending: 0, state: 'idle', lastError: null });
    expect(await serverHead(world.server.app)).toBe(1);
  });

  it('the connection cut after the server committed a push: the retry stores nothing twice and the client goes on', async () => {
    const { world, alice } = await team();
    let cut = true;
    const a = await world.device(alice, 'team', {
      transport: (http) =>
        wrap(http, {
          push: async (ws, request) => {
            const answer = await http.push(ws, request);
            if (cut) throw new SyncTransportError('unavailable', 'the connection was reset');
            return answer;
          },
        }),
    });
    const b = await world.device(alice, 'team');
    for (let i = 0; i < 3; i++) create(a.engine, `note ${i}`);
    expect(await failure(a.client.syncNow())).toMatchObject({ code: 'unavailable' });
    expect(await serverHead(world.server.app)).toBe(3); // committed, though A never heard
    cut = false;
    create(a.engine, 'note 3');
    expect(await a.client.syncNow()).toMatchObject({ pushed: 4 });
    expect(await serverHead(world.server.app)).toBe(4);
    expect(new Set(await serverEventIds(world.server.app)).size).toBe(4);
    await b.client.syncNow();
    expect(titles(b.engine)).toEqual(['note 0', 'note 1', 'note 2', 'note 3']);
    expect(b.engine.digest()).toBe(a.engine.digest());
  });

  it('two devices reconnecting at once after offline writes both catch up', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    for (let i = 0; i < 40; i++) create(a.engine, `a${String(i).padStart(2, '0')}`);
    for (let i = 0; i < 40; i++) create(b.engine, `b${String(i).padStart(2, '0')}`);
    await Promise.all([a.client.syncNow(), b.client.syncNow()]);
    // Whoever pushed second had pulled the other's; one more round each settles the first.
    await Promise.all([a.client.syncNow(), b.client.syncNow()]);
    expect(titles(a.engine)).toHaveLength(80);
    expect(titles(b.engine)).toEqual(titles(a.engine));
    expect(b.engine.digest()).toBe(a.engine.digest());
    for (const d of [a, b]) expect(d.client.status()).toMatchObject({ pending: 0, cursor: 80 });
  });

  it('a local write made while a pulled page is being applied is kept and pushed', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    let writeDuringPull: (() => void) | undefined;
    const b = await world.device(alice, 'team', {
      transport: (http) =>
        wrap(http, {
          pull: async (ws, after, limit) => {
            const page = await http.pull(ws, after, limit);
            writeDuringPull?.();
            writeDuringPull = undefined;
            return page;
          },
        }),
    });
    const shared = create(a.engine, 'Shared', 'from a');
    await a.client.syncNow();
    writeDuringPull = () => {
      create(b.engine, 'Written during the pull');
    };
    await b.client.syncNow();
    expect(titles(b.engine)).toEqual(['Shared', 'Written during the pull']);
    await b.client.syncNow();
    expect(b.client.status()).toMatchObject({ pending: 0 });
    await a.client.syncNow();
    expect(titles(a.engine)).toEqual(['Shared', 'Written during the pull']);
    expect(a.engine.getEntry(shared).body).toBe('from a');
    expect(b.engine.digest()).toBe(a.engine.digest());
  });

  it('a revoked sign-in stops sync with a clear error, keeps the edits, and a new sign-in resumes', async () => {
    const { world, alice } = await team();
    const a = await world.device(alice, 'team');
    create(a.engine, 'Before');
    await a.client.syncNow();
    await world.call('DELETE', `/v1/me/tokens/${a.tokenId}`, a.token);
    create(a.engine, 'After the revocation');
    const error = await failure(a.client.syncNow());
    expect(error).toMatchObject({ code: 'unauthorized' });
    expect(a.client.status()).toMatchObject({ state: 'error', pending: 1, lastError: { code: 'unauthorized', action: expect.stringMatching(/sign in/i) as string } });
    expect(titles(a.engine)).toEqual(['After the revocation', 'Before']);
    // Signed in again: a new token for the same data directory, and what waited goes up.
    const again = (await world.call('POST', '/v1/auth/signin', undefined, { username: 'alice', password: 'correct horse battery', deviceName: 'device', deviceId: a.engine.status().deviceId })) as { token: string };
    const client = new SyncClient({ log: a.engine.sync, blobs: a.engine.blobs, transport: new HttpTransport({ server: world.url, token: again.token }), deviceId: a.engine.status().deviceId });
    try {
      expect(await client.syncNow()).toMatchObject({ pushed: 1 });
      expect(await serverHead(world.server.app)).toBe(2);
    } finally {
      await client.stop();
    }
  });

  it('the server database restored from an older backup: both devices re-push what it lost and nothing is lost anywhere', async () => {
    const { world, alice } = await team();
    const app = world.server.app;
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team');
    for (let i = 0; i < 3; i++) create(a.engine, `kept ${i}`);
    await a.client.syncNow();
    for (let i = 0; i < 2; i++) create(b.engine, `lost ${i}`);
    await b.client.syncNow();
    await a.client.syncNow();
    expect(await serverHead(app)).toBe(5);
    // The restore: the log as it was at sequence 3, under a new epoch (what the server does when it sees a restore).
    await app.db.query('DELETE FROM events WHERE workspace_id = $1 AND seq > 3', ['team']);
    await app.db.query('UPDATE workspace_heads SET head = 3 WHERE workspace_id = $1', ['team']);
    await app.db.query('UPDATE workspaces SET epoch = gen_random_uuid() WHERE id = $1', ['team']);
    app.views.forgetAll();
    create(a.engine, 'written after the restore');

    const report = await a.client.syncNow();
    expect(report).toMatchObject({ epochChanged: true });
    // B's two events, which A holds, went up again with A's new one.
    expect(await serverHead(app)).toBe(6);
    expect(await b.client.syncNow()).toMatchObject({ epochChanged: true });
    await a.client.syncNow();
    const expected = ['kept 0', 'kept 1', 'kept 2', 'lost 0', 'lost 1', 'written after the restore'];
    expect(titles(a.engine)).toEqual(expected);
    expect(titles(b.engine)).toEqual(expected);
    expect(await serverHead(app)).toBe(6);
    expect(new Set(await serverEventIds(app)).size).toBe(6);
    expect(b.engine.digest()).toBe(a.engine.digest());
  });

  it('a device whose clock is a year ahead does not win every later conflict, and nobody’s sync stalls', async () => {
    const { world, alice } = await team();
    const yearAhead = 365 * 24 * 3_600_000;
    const a = await world.device(alice, 'team', { now: () => Date.now() + yearAhead });
    const b = await world.device(alice, 'team');
    const id = create(b.engine, 'Original');
    await b.client.syncNow();
    await a.client.syncNow();
    // A's edit is refused for its clock, restamped with the server's time, and then accepted.
    a.engine.execute({ type: 'UpdateEntry', entryId: id, title: 'From the fast clock' });
    expect(await a.client.syncNow()).toMatchObject({ pushed: 1 });
    await b.client.syncNow();
    expect(b.engine.getEntry(id).title).toBe('From the fast clock');
    // A later edit on B wins, as it should: A's clock did not carry its edits a year into the future.
    await new Promise((resolve) => setTimeout(resolve, 5));
    b.engine.execute({ type: 'UpdateEntry', entryId: id, title: 'Later, from the right clock' });
    expect(await b.client.syncNow()).toMatchObject({ pushed: 1 });
    expect(await a.client.syncNow()).toMatchObject({ pulled: 1 });
    for (const d of [a, b]) expect(d.engine.getEntry(id).title).toBe('Later, from the right clock');
    // A's next edits are stamped in the server's time and keep flowing.
    a.engine.execute({ type: 'UpdateEntry', entryId: id, body: 'a body from A' });
    expect(await a.client.syncNow()).toMatchObject({ pushed: 1 });
    expect(await b.client.syncNow()).toMatchObject({ pulled: 1 });
    expect(b.engine.getEntry(id)).toMatchObject({ title: 'Later, from the right clock', body: 'a body from A' });
    expect(b.engine.digest()).toBe(a.engine.digest());
  });

  it('a server that sends an invalid event or reuses an event id with other content is refused and reported; local data stays as it was', async () => {
    const { world, alice } = await team();
    let tamper: ((page: PullResponse) => PullResponse) | undefined;
    const a = await world.device(alice, 'team');
    const b = await world.device(alice, 'team', {
      transport: (http) =>
        wrap(http, {
          pull: async (ws, after, limit) => {
            const page = await http.pull(ws, after, limit);
            return tamper ? tamper(page) : page;
          },
        }),
    });
    const id = create(a.engine, 'Genuine', 'genuine body');
    await a.client.syncNow();
    await b.client.syncNow();
    a.engine.execute({ type: 'UpdateEntry', entryId: id, title: 'Second' });
    await a.client.syncNow();
    const before = { digest: b.engine.digest(), cursor: b.client.status().cursor };

    const withEvent = (page: PullResponse, change: (event: Record<string, unknown>) => Record<string, unknown>): PullResponse => ({
      ...page,
      events: page.events.map((pulled) => ({ ...pulled, event: change(pulled.event as unknown as Record<string, unknown>) as unknown as typeof pulled.event })),
    });
    // An event that fails validation.
    tamper = (page) => withEvent(page, (event) => ({ ...event, data: { ...(event.data as object), title: 42 } }));
    const invalid = await failure(b.client.syncNow());
    expect(invalid.message).toMatch(/the sync server sent an event that fails validation/);
    expect(b.client.status()).toMatchObject({ state: 'error', cursor: before.cursor, lastError: { code: 'conflict' } });
    expect(b.engine.digest()).toBe(before.digest);

    // An event id B already holds (the creation), with other content.
    const created = b.engine.history(id)[0]!;
    tamper = (page) => withEvent(page, (event) => ({ ...event, eventId: created.eventId }));
    const reused = await failure(b.client.syncNow());
    expect(reused.message).toMatch(/with other content than this device holds/);
    expect(b.engine.digest()).toBe(before.digest);
    expect(b.engine.getEntry(id).title).toBe('Genuine');

    // The server behaves again: sync resumes.
    tamper = undefined;
    expect(await b.client.syncNow()).toMatchObject({ pulled: 1 });
    expect(b.engine.getEntry(id).title).toBe('Second');
  });
});
