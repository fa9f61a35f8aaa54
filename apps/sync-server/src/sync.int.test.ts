import { randomUUID } from 'node:crypto';
import { canonicalJson } from '@cairn/core/domain';
import { pullResponseSchema, pushResponseSchema } from '@cairn/core/protocol';
import { expect, it } from 'vitest';
import { describeBackends, EventFactory, protocolHeader, startTestServer, TestClient } from './testing/harness.js';

describeBackends('push and pull', (backend) => {
  async function setup(settings: Record<string, string> = {}) {
    const server = await startTestServer(backend(), settings);
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    return { server, alice, ws, device: new EventFactory(alice.deviceId) };
  }

  it('stores a batch, acknowledges each event with its sequence, and serves it back exactly as pushed', async () => {
    const { alice, ws, device } = await setup();
    const a = device.create('First');
    const b = device.update(a.aggregateId, { title: 'First, renamed' });
    const pushed = await alice.push(ws, [a, b]);
    expect(pushed.status).toBe(200);
    const ack = pushResponseSchema.parse(pushed.body);
    expect(ack.acks).toEqual([
      { eventId: a.eventId, seq: 1, duplicate: false },
      { eventId: b.eventId, seq: 2, duplicate: false },
    ]);
    expect(ack.head).toBe(2);
    const pulled = pullResponseSchema.parse((await alice.pull(ws)).body);
    expect(pulled).toMatchObject({ epoch: ack.epoch, head: 2, more: false });
    expect(pulled.events.map((e) => e.event)).toEqual([a, b]);
    expect(pulled.events.map((e) => e.seq)).toEqual([1, 2]);
    // Byte for byte: each event is served as the canonical text it was stored as.
    const text = (await alice.pull(ws)).text;
    for (const event of [a, b]) expect(text).toContain(`"event":${canonicalJson(event)}}`);
  });

  it('records who pushed each event from the token, not what the event claims', async () => {
    const { alice, ws, device } = await setup();
    const forged = device.create('Claims to be Bob');
    forged.metadata.actorId = 'user:bob';
    await alice.push(ws, [forged]);
    const [event] = (await alice.pull(ws)).body.events;
    expect(event.pushedBy).toEqual({ userId: alice.userId, deviceId: alice.deviceId });
    expect(Date.parse(event.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is idempotent by event id: a retry stores nothing and returns the first sequences', async () => {
    const { alice, ws, device } = await setup();
    const events = [device.create('One'), device.create('Two')];
    const first = await alice.push(ws, events);
    const again = await alice.push(ws, events);
    expect(again.status).toBe(200);
    expect(again.body.acks).toEqual(first.body.acks.map((a: { eventId: string; seq: number }) => ({ ...a, duplicate: true })));
    expect(again.body.head).toBe(2);
    // A retry that carries more events: the stored ones keep their sequences, the new one is appended.
    const third = device.create('Three');
    const mixed = await alice.push(ws, [...events, third]);
    expect(mixed.body.acks.map((a: { seq: number }) => a.seq)).toEqual([1, 2, 3]);
    expect((await alice.pull(ws)).body.events).toHaveLength(3);
  });

  it('a retry after a client timeout, when the first attempt did commit, stores nothing twice and returns the same sequences', async () => {
    const { server, alice, ws, device } = await setup();
    const events = [device.create('One'), device.create('Two'), device.create('Three')];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    server.app.eventLog.beforeCommit = () => held;
    const controller = new AbortController();
    const first = fetch(`${alice.url}/v1/workspaces/${ws}/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'test', events }),
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(); // the client gives up waiting...
    await expect(first).rejects.toThrow();
    release(); // ...and the server commits anyway
    server.app.eventLog.beforeCommit = undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const retry = await alice.push(ws, events);
    expect(retry.status).toBe(200);
    expect(retry.body.acks).toEqual(events.map((e, i) => ({ eventId: e.eventId, seq: i + 1, duplicate: true })));
    expect((await alice.pull(ws)).body.head).toBe(3);
  });

  it('refuses an event id already stored with other content, and stores nothing of that batch', async () => {
    const { alice, ws, device } = await setup();
    const original = device.create('Original');
    await alice.push(ws, [original]);
    const impostor = { ...original, data: { ...(original.data as object), title: 'Tampered' } };
    const fresh = device.create('Innocent bystander');
    const refused = await alice.push(ws, [fresh, impostor]);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'conflict', details: { index: 1, eventId: original.eventId } });
    const pulled = (await alice.pull(ws)).body;
    expect(pulled.head).toBe(1);
    expect(pulled.events[0].event.data.title).toBe('Original');
  });

  it('validates every event with the event catalog before storing any, and says which and why', async () => {
    const { alice, ws, device } = await setup();
    const good = device.create('Good');
    const cases: [unknown, RegExp][] = [
      [{ ...device.create('x'), type: 'EntryExploded' }, /unknown type/],
      [{ ...device.create('x'), data: { kind: 'note', title: 5, body: '', tags: [], attributes: {} } }, /title/],
      [{ ...device.create('x'), schemaVersion: 99 }, /newer than this build/],
      [{ ...device.create('x'), aggregateId: 'not-a-uuid' }, /aggregateId/],
      [{ ...device.create('x'), metadata: undefined }, /metadata/],
      [42, /not a valid event/],
    ];
    for (const [bad, reason] of cases) {
      const res = await alice.push(ws, [good, bad]);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.code).toBe('validation');
      expect(res.body.details.index).toBe(1);
      expect(res.body.message).toMatch(reason);
    }
    const twice = await alice.push(ws, [good, good]);
    expect(twice.body).toMatchObject({ code: 'validation', details: { index: 1 } });
    expect((await alice.pull(ws)).body.head).toBe(0);
  });

  it('refuses an event whose clock is far ahead of the server, with its own code', async () => {
    const { alice, ws } = await setup({ 'max-clock-skew-ms': '60000' });
    const future = new EventFactory(alice.deviceId, Date.now() + 365 * 86_400_000);
    const res = await alice.push(ws, [future.create('From next year')]);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'clock_skew', details: { index: 0 } });
    expect(typeof res.body.details.serverTime).toBe('number');
    const slightlyAhead = new EventFactory(alice.deviceId, Date.now() + 30_000);
    expect((await alice.push(ws, [slightlyAhead.create('A bit fast')])).status).toBe(200);
  });

  it('pages a pull by cursor and limit, with the head and whether more remain', async () => {
    const { alice, ws, device } = await setup();
    await alice.push(ws, Array.from({ length: 25 }, (_, i) => device.create(`Note ${i}`)));
    const first = (await alice.pull(ws, 0, 10)).body;
    expect(first.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first).toMatchObject({ head: 25, more: true });
    const last = (await alice.pull(ws, 20, 10)).body;
    expect(last.events.map((e: { seq: number }) => e.seq)).toEqual([21, 22, 23, 24, 25]);
    expect(last.more).toBe(false);
    expect((await alice.pull(ws, 25)).body).toMatchObject({ events: [], more: false, head: 25 });
    expect((await alice.pull(ws, 1000)).body).toMatchObject({ events: [], more: false, head: 25 });
  });

  it('refuses cursors and limits that are negative, huge or not numbers', async () => {
    const { alice, ws } = await setup();
    for (const query of ['after=-1', 'after=abc', 'after=1e5', 'after=99999999999999999999', 'limit=0', 'limit=999999', 'limit=x', 'after=1&after=2', 'other=1']) {
      const res = await alice.request('GET', `/v1/workspaces/${ws}/pull?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('validation');
    }
  });

  it('keeps one epoch per workspace across pushes and pulls', async () => {
    const { alice, ws, device } = await setup();
    const other = await alice.workspace('other');
    const a = (await alice.push(ws, [device.create('a')])).body.epoch;
    const b = (await alice.pull(ws)).body.epoch;
    const c = (await alice.push(other, [device.create('b')])).body.epoch;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('answers who must upgrade when protocol versions differ', async () => {
    const { alice, ws } = await setup();
    const newer = await alice.request('GET', `/v1/workspaces/${ws}/pull`, undefined, protocolHeader('99'));
    expect(newer.status).toBe(501);
    expect(newer.body.code).toBe('server_too_old');
    const older = await alice.request('GET', `/v1/workspaces/${ws}/pull`, undefined, protocolHeader('0'));
    expect(older.status).toBe(426);
    expect(older.body.code).toBe('client_too_old');
  });

  it('refuses malformed JSON, wrong types and oversized bodies, and goes on serving', async () => {
    const { alice, ws, device } = await setup({ 'max-body-bytes': '20000' });
    const malformed = await alice.request('POST', `/v1/workspaces/${ws}/push`, '{"clientId": "x", "events": [', { 'content-type': 'application/json' });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect((await alice.request('POST', `/v1/workspaces/${ws}/push`, { clientId: 7, events: [] })).body.code).toBe('validation');
    expect((await alice.request('POST', `/v1/workspaces/${ws}/push`, { clientId: 'x', events: 'none' })).body.code).toBe('validation');
    expect((await alice.request('POST', `/v1/workspaces/${ws}/push`, { clientId: 'x', events: [] })).body.code).toBe('validation');
    const big = await alice.push(ws, [device.create('big', { body: 'x'.repeat(30_000) })]);
    expect(big).toMatchObject({ status: 413, body: { code: 'too_large' } });
    expect((await alice.request('POST', `/v1/workspaces/${ws}/push`, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await alice.push(ws, [device.create('still fine')])).status).toBe(200);
    expect((await alice.pull(ws)).body.head).toBe(1);
  });

  it('a different workspace never sees another one’s events', async () => {
    const { server, alice, ws, device } = await setup();
    await alice.push(ws, [device.create('secret')]);
    const bob = await new TestClient(server.url).account('bob');
    const bobs = await bob.workspace('bobs');
    expect((await bob.pull(bobs)).body.events).toEqual([]);
    const peek = await bob.pull(ws);
    expect(peek.status).toBe(403);
    expect(peek.text).not.toContain('secret');
    expect(Object.keys(peek.body).sort()).toEqual(['code', 'message']);
    const guess = await bob.pull('no-such-workspace');
    expect(guess.status).toBe(403);
    expect(guess.body.message).toBe(peek.body.message);
    void randomUUID;
  });
});
