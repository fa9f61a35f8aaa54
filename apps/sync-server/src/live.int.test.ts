import { liveCloseCodes, serverLiveMessageSchema, type ServerLiveMessage } from '@cairn/core/protocol';
import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { describeBackends, EventFactory, eventually, startPeerServer, startTestServer, TestClient } from './testing/harness.js';

/** A live socket that records what it receives and how it closed. */
class LiveClient {
  readonly messages: ServerLiveMessage[] = [];
  closed: { code: number; reason: string; at: number } | undefined;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.messages.push(serverLiveMessageSchema.parse(JSON.parse(data.toString()))));
    socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString(), at: Date.now() }));
  }

  static async open(url: string, token: string | undefined, query = ''): Promise<LiveClient> {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/live${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const client = new LiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
      socket.once('error', reject);
    });
    await eventually(() => (client.messages.some((m) => m.type === 'welcome') ? true : undefined), 5_000, 'the welcome');
    return client;
  }

  of<T extends ServerLiveMessage['type']>(type: T): Extract<ServerLiveMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerLiveMessage, { type: T }> => m.type === type);
  }

  async waitClosed(timeoutMs = 5_000) {
    return eventually(() => this.closed, timeoutMs, 'the socket to close');
  }

  close() {
    this.socket.terminate();
  }
}

/** The HTTP status an upgrade was refused with. */
async function refusedUpgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/live`, { headers });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => undefined);
  });
}

describeBackends('live socket', (backend) => {
  async function team() {
    const server = await startTestServer(backend(), { 'ws-frames-per-second': '5' }, { socketSweepMs: 60_000 });
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    const bob = await new TestClient(server.url).account('bob');
    await bob.join(await alice.invite(ws, 'editor'));
    const outsider = await new TestClient(server.url).account('outsider');
    await outsider.workspace('elsewhere');
    return { server, alice, bob, outsider, ws };
  }

  it('welcomes a member with the heads of its workspaces only', async () => {
    const { server, alice, ws } = await team();
    await alice.push(ws, [new EventFactory(alice.deviceId).create('one')]);
    await alice.workspace('second');
    const socket = await LiveClient.open(server.url, alice.token);
    const [welcome] = socket.of('welcome');
    expect(welcome!.userId).toBe(alice.userId);
    expect(welcome!.workspaces.map((w) => [w.ws, w.head, w.role])).toEqual([
      ['second', 0, 'owner'],
      ['team', 1, 'owner'],
    ]);
    const only = await LiveClient.open(server.url, alice.token, '?ws=team');
    expect(only.of('welcome')[0]!.workspaces.map((w) => w.ws)).toEqual(['team']);
    socket.close();
    only.close();
  });

  it('pokes members (never outsiders) with the new head and no event data, and tells the others who changed what', async () => {
    const { server, alice, bob, outsider, ws } = await team();
    const aliceSocket = await LiveClient.open(server.url, alice.token);
    const bobSocket = await LiveClient.open(server.url, bob.token);
    const outsiderSocket = await LiveClient.open(server.url, outsider.token);
    const device = new EventFactory(bob.deviceId);
    const entry = device.create('Meeting notes');
    await bob.push(ws, [entry, device.update(entry.aggregateId, { title: 'Meeting notes, Tuesday' })]);
    const poke = await eventually(() => aliceSocket.of('poke').find((p) => p.head === 2));
    expect(poke).toEqual({ type: 'poke', ws, head: 2, epoch: expect.any(String) });
    const note = await eventually(() => aliceSocket.of('notification').find((n) => n.kind === 'entry_changed'));
    expect(note).toMatchObject({ ws, entryId: entry.aggregateId, title: 'Meeting notes, Tuesday', by: { userId: bob.userId, deviceId: bob.deviceId } });
    await eventually(() => bobSocket.of('poke').find((p) => p.head === 2));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bobSocket.of('notification').filter((n) => n.kind === 'entry_changed')).toEqual([]);
    expect(outsiderSocket.of('poke')).toEqual([]);
    // The outsider hears of its own workspace (its owner joined it), never of this one.
    expect(outsiderSocket.of('notification').filter((n) => n.ws === ws)).toEqual([]);
    expect(JSON.stringify(aliceSocket.of('poke'))).not.toContain('Meeting');
    for (const s of [aliceSocket, bobSocket, outsiderSocket]) s.close();
  });

  it('closes the socket of a revoked token within a second', async () => {
    const { server, alice } = await team();
    const socket = await LiveClient.open(server.url, alice.token);
    const tokenId = (await alice.request('GET', '/v1/me')).body.token.id;
    const other = new TestClient(server.url);
    await other.signIn('alice', 'correct horse battery');
    const started = Date.now();
    expect((await other.request('DELETE', `/v1/me/tokens/${tokenId}`)).status).toBe(204);
    const closed = await socket.waitClosed(2_000);
    expect(closed.code).toBe(liveCloseCodes.unauthorized);
    expect(closed.at - started).toBeLessThan(1_000);
  });

  it('closes the socket of a removed member within a second, and a disabled account’s', async () => {
    const { server, alice, bob, ws } = await team();
    const socket = await LiveClient.open(server.url, bob.token);
    const started = Date.now();
    expect((await alice.request('DELETE', `/v1/workspaces/${ws}/members/${bob.userId}`)).status).toBe(204);
    const closed = await socket.waitClosed(2_000);
    expect(closed.code).toBe(liveCloseCodes.policyViolation);
    expect(closed.at - started).toBeLessThan(1_000);
    // A new socket no longer hears of the workspace.
    const again = await LiveClient.open(server.url, bob.token);
    expect(again.of('welcome')[0]!.workspaces).toEqual([]);
    await server.app.accounts.disable('bob');
    expect((await again.waitClosed(2_000)).code).toBe(liveCloseCodes.unauthorized);
  });

  it('refuses an upgrade without a valid token, as plain HTTP', async () => {
    const { server, alice } = await team();
    expect(await refusedUpgrade(server.url, {})).toBe(401);
    expect(await refusedUpgrade(server.url, { authorization: 'Bearer nonsense' })).toBe(401);
    expect(await refusedUpgrade(server.url, { authorization: `Bearer ${alice.token}`, 'cairn-protocol': '99' })).toBe(501);
    await alice.request('POST', '/v1/auth/signout');
    expect(await refusedUpgrade(server.url, { authorization: `Bearer ${alice.token}` })).toBe(401);
  });

  it('answers pings, and closes sockets that flood, send oversized frames or garbage — the server goes on', async () => {
    const { server, alice, bob, ws } = await team();
    const pinger = await LiveClient.open(server.url, alice.token);
    pinger.socket.send(JSON.stringify({ type: 'ping', id: 'p1' }));
    expect(await eventually(() => pinger.of('pong')[0])).toEqual({ type: 'pong', id: 'p1' });

    const flood = await LiveClient.open(server.url, alice.token);
    for (let i = 0; i < 50; i++) flood.socket.send(JSON.stringify({ type: 'ping' }));
    expect((await flood.waitClosed()).code).toBe(liveCloseCodes.rateLimited);

    const big = await LiveClient.open(server.url, alice.token);
    big.socket.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(10_000) }));
    expect((await big.waitClosed()).code).toBe(liveCloseCodes.tooLarge);

    for (const garbage of ['not json', JSON.stringify({ type: 'subscribe', ws: 'x' }), JSON.stringify([1, 2])]) {
      const client = await LiveClient.open(server.url, alice.token);
      client.socket.send(garbage);
      expect((await client.waitClosed()).code, garbage).toBe(liveCloseCodes.protocolError);
    }
    const binary = await LiveClient.open(server.url, alice.token);
    binary.socket.send(Buffer.from([1, 2, 3]));
    expect((await binary.waitClosed()).code).toBe(liveCloseCodes.protocolError);

    await bob.push(ws, [new EventFactory(bob.deviceId).create('still served')]);
    expect(await eventually(() => pinger.of('poke').find((p) => p.head === 1))).toBeTruthy();
    expect((await alice.pull(ws)).body.head).toBe(1);
    pinger.close();
  });

  it('closes sockets with a reconnect hint when the server shuts down', async () => {
    const { server, alice } = await team();
    const socket = await LiveClient.open(server.url, alice.token);
    await server.close();
    expect((await socket.waitClosed()).code).toBe(liveCloseCodes.goingAway);
  });

  it('fans pokes out across instances: a push through one reaches sockets on the other', async ({ skip }) => {
    if (backend().name !== 'postgres') skip();
    const { server, alice, bob, ws } = await team();
    const peer = await startPeerServer(backend(), server);
    const socket = await LiveClient.open(peer.url, alice.token);
    const started = Date.now();
    await bob.push(ws, [new EventFactory(bob.deviceId).create('through the first instance')]);
    await eventually(() => socket.of('poke').find((p) => p.head === 1), 3_000, 'the poke on the other instance');
    expect(Date.now() - started).toBeLessThan(1_000);
    await eventually(() => socket.of('notification').find((n) => n.kind === 'entry_changed'), 5_000, 'the notification on the other instance');
    // A revocation made through the first instance closes the socket on the other at once.
    const tokenId = (await alice.request('GET', '/v1/me')).body.token.id;
    await alice.request('DELETE', `/v1/me/tokens/${tokenId}`);
    expect((await socket.waitClosed(2_000)).code).toBe(liveCloseCodes.unauthorized);
  });
});
