import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeBackends, EventFactory, startTestServer, TestClient, type TestServer, type WireBody } from './testing/harness.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every route that needs a token, with the least role it needs in the workspace (none: any signed-in account). */
function routes(ws: string, ids: { user: string; invitation: string; webhook: string; delivery: string; blob: string }, device: EventFactory) {
  return [
    { method: 'GET', path: `/v1/workspaces/${ws}`, role: 'viewer' },
    { method: 'GET', path: `/v1/workspaces/${ws}/pull`, role: 'viewer' },
    { method: 'POST', path: `/v1/workspaces/${ws}/push`, role: 'editor', body: () => ({ clientId: 'x', events: [device.create('sneaky')] }) },
    { method: 'HEAD', path: `/v1/workspaces/${ws}/blobs/${ids.blob}`, role: 'viewer' },
    { method: 'GET', path: `/v1/workspaces/${ws}/blobs/${ids.blob}`, role: 'viewer' },
    { method: 'PUT', path: `/v1/workspaces/${ws}/blobs/${sha('other bytes')}`, role: 'editor', body: () => 'other bytes' },
    { method: 'GET', path: `/v1/workspaces/${ws}/views/entries`, role: 'viewer' },
    { method: 'GET', path: `/v1/workspaces/${ws}/views/documents`, role: 'viewer' },
    { method: 'GET', path: `/v1/workspaces/${ws}/views/activity`, role: 'viewer' },
    { method: 'GET', path: `/v1/workspaces/${ws}/views/members`, role: 'viewer' },
    { method: 'GET', path: `/v1/workspaces/${ws}/members`, role: 'viewer' },
    { method: 'PUT', path: `/v1/workspaces/${ws}/members/${ids.user}`, role: 'admin', body: () => ({ role: 'admin' }) },
    { method: 'DELETE', path: `/v1/workspaces/${ws}/members/${ids.user}`, role: 'admin' },
    { method: 'POST', path: `/v1/workspaces/${ws}/invitations`, role: 'admin', body: () => ({ role: 'editor' }) },
    { method: 'GET', path: `/v1/workspaces/${ws}/invitations`, role: 'admin' },
    { method: 'DELETE', path: `/v1/workspaces/${ws}/invitations/${ids.invitation}`, role: 'admin' },
    { method: 'POST', path: `/v1/workspaces/${ws}/webhooks`, role: 'admin', body: () => ({ url: 'https://example.com/hook', events: ['entry_changed'] }) },
    { method: 'GET', path: `/v1/workspaces/${ws}/webhooks`, role: 'admin' },
    { method: 'DELETE', path: `/v1/workspaces/${ws}/webhooks/${ids.webhook}`, role: 'admin' },
    { method: 'GET', path: `/v1/workspaces/${ws}/webhooks/${ids.webhook}/deliveries`, role: 'admin' },
    { method: 'POST', path: `/v1/workspaces/${ws}/webhooks/${ids.webhook}/deliveries/${ids.delivery}/redeliver`, role: 'admin' },
  ] as const;
}

const accountRoutes = [
  { method: 'GET', path: '/v1/me' },
  { method: 'PATCH', path: '/v1/me', body: () => ({ digest: false }) },
  { method: 'GET', path: '/v1/me/tokens' },
  { method: 'DELETE', path: '/v1/me/tokens/00000000-0000-4000-8000-000000000000' },
  { method: 'POST', path: '/v1/workspaces', body: () => ({ id: 'intruder', name: 'x' }) },
  { method: 'GET', path: '/v1/workspaces' },
  { method: 'POST', path: '/v1/invitations/accept', body: () => ({ code: 'invite_x' }) },
  { method: 'POST', path: '/v1/auth/signout' },
] as const;

describeBackends('access', (backend) => {
  interface World {
    server: TestServer;
    owner: TestClient;
    ws: string;
    ids: { user: string; invitation: string; webhook: string; delivery: string; blob: string };
    device: EventFactory;
    clock: { now: number };
  }

  /** A workspace with an owner, an editor, a viewer and an outsider (member of another workspace only). */
  async function world(): Promise<World & { editor: TestClient; viewer: TestClient; outsider: TestClient }> {
    const clock = { now: Date.now() };
    const server = await startTestServer(backend(), {}, { now: () => clock.now });
    const owner = await new TestClient(server.url).account('owner');
    const ws = await owner.workspace('team');
    const editor = await new TestClient(server.url).account('editor');
    await editor.join(await owner.invite(ws, 'editor'));
    const viewer = await new TestClient(server.url).account('viewer');
    await viewer.join(await owner.invite(ws, 'viewer'));
    const target = await new TestClient(server.url).account('target');
    await target.join(await owner.invite(ws, 'viewer'));
    const outsider = await new TestClient(server.url).account('outsider');
    await outsider.workspace('elsewhere');
    const device = new EventFactory(owner.deviceId);
    const bytes = 'the blob';
    await owner.request('PUT', `/v1/workspaces/${ws}/blobs/${sha(bytes)}`, bytes, { 'content-type': 'application/octet-stream' });
    await owner.push(ws, [device.create('Secret plans', { body: 'the plan' }), device.importDocument('doc', { sha256: sha(bytes), name: 'doc.txt', size: bytes.length, mimeType: 'text/plain' })]);
    const invitation = (await owner.request('POST', `/v1/workspaces/${ws}/invitations`, { role: 'viewer' })).body.id;
    const webhook = (await owner.request('POST', `/v1/workspaces/${ws}/webhooks`, { url: 'https://example.com/hook', events: ['entry_changed'] })).body.id;
    return { server, owner, editor, viewer, outsider, ws, device, clock, ids: { user: target.userId!, invitation, webhook, delivery: '00000000-0000-4000-8000-000000000001', blob: sha(bytes) } };
  }

  /** What a refused request may say: a code and a message, nothing of the workspace. */
  function expectNothingLeaked(res: { status: number; body: WireBody; text: string }, what: string) {
    if (res.text === '') return; // HEAD
    expect(Object.keys(res.body).sort(), what).toEqual(['code', 'message']);
    for (const secret of ['Secret plans', 'the plan', 'Workspace team', 'owner', 'doc.txt']) expect(res.text, what).not.toContain(secret);
  }

  async function snapshot(w: World) {
    return { head: (await w.owner.pull(w.ws)).body.head, members: (await w.owner.request('GET', `/v1/workspaces/${w.ws}/members`)).body, hooks: (await w.owner.request('GET', `/v1/workspaces/${w.ws}/webhooks`)).body };
  }

  it('refuses every route without a token, with a malformed one, an expired one and a revoked one (401), changing nothing', async () => {
    const w = await world();
    const before = await snapshot(w);
    const revoked = new TestClient(w.server.url);
    await revoked.signIn('editor', 'correct horse battery');
    const revokedToken = revoked.token!;
    expect((await revoked.request('POST', '/v1/auth/signout')).status).toBe(204);
    const cases: [string, Record<string, string>][] = [
      ['no token', {}],
      ['malformed', { authorization: 'Bearer not-a-token' }],
      ['not bearer', { authorization: `Basic ${Buffer.from('owner:correct horse battery').toString('base64')}` }],
      ['unknown', { authorization: `Bearer cairn_${'A'.repeat(43)}` }],
      ['revoked', { authorization: `Bearer ${revokedToken}` }],
    ];
    const anonymous = new TestClient(w.server.url);
    for (const [label, headers] of cases) {
      for (const route of [...routes(w.ws, w.ids, w.device), ...accountRoutes]) {
        const body = 'body' in route ? route.body() : undefined;
        const res = await anonymous.request(route.method, route.path, body, headers);
        expect(res.status, `${label}: ${route.method} ${route.path}`).toBe(401);
        expectNothingLeaked(res, `${label}: ${route.method} ${route.path}`);
        if (route.method !== 'HEAD') expect(res.body.code).toBe('unauthorized');
      }
    }
    // Expired: the server's clock moves past the token's lifetime (90 days by default).
    w.clock.now += 91 * 86_400_000;
    const expired = await w.owner.request('GET', `/v1/workspaces/${w.ws}/pull`);
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired/);
    w.clock.now -= 91 * 86_400_000;
    expect(await snapshot(w)).toEqual(before);
  });

  it('gives a member of another workspace 403 on every route of this one, the same answer as for a workspace that does not exist', async () => {
    const w = await world();
    const before = await snapshot(w);
    for (const route of routes(w.ws, w.ids, w.device)) {
      const body = 'body' in route ? route.body() : undefined;
      const res = await w.outsider.request(route.method, route.path, body);
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expectNothingLeaked(res, `${route.method} ${route.path}`);
      const missing = await w.outsider.request(route.method, route.path.replace(`/workspaces/${w.ws}`, '/workspaces/no-such-place'), body);
      expect(missing.status, `missing: ${route.method} ${route.path}`).toBe(403);
      if (route.method !== 'HEAD') expect(missing.body).toEqual(res.body);
    }
    expect(await snapshot(w)).toEqual(before);
  });

  it('lets a viewer read but never write, and an editor write but never administer', async () => {
    const w = await world();
    const before = await snapshot(w);
    const rank = { viewer: 1, editor: 2, admin: 3 } as const;
    for (const [client, role] of [
      [w.viewer, 'viewer'],
      [w.editor, 'editor'],
    ] as const) {
      for (const route of routes(w.ws, w.ids, w.device)) {
        if (rank[route.role] <= rank[role]) continue;
        const body = 'body' in route ? route.body() : undefined;
        const res = await client.request(route.method, route.path, body);
        expect(res.status, `${role}: ${route.method} ${route.path}`).toBe(403);
        expectNothingLeaked(res, `${role}: ${route.method} ${route.path}`);
      }
    }
    expect(await snapshot(w)).toEqual(before);
    expect((await w.viewer.pull(w.ws)).status).toBe(200);
    expect((await w.viewer.request('GET', `/v1/workspaces/${w.ws}/blobs/${w.ids.blob}`)).text).toBe('the blob');
    expect((await w.editor.push(w.ws, [new EventFactory(w.editor.deviceId).create('by the editor')])).status).toBe(200);
  });

  it('a removed member loses access at once', async () => {
    const w = await world();
    expect((await w.editor.pull(w.ws)).status).toBe(200);
    expect((await w.owner.request('DELETE', `/v1/workspaces/${w.ws}/members/${w.editor.userId}`)).status).toBe(204);
    expect((await w.editor.pull(w.ws)).status).toBe(403);
    expect((await w.editor.push(w.ws, [new EventFactory(w.editor.deviceId).create('too late')])).status).toBe(403);
    expect((await w.owner.pull(w.ws)).body.head).toBe(2);
  });

  it('roles: the last owner cannot leave, an admin cannot touch an owner, a member can leave', async () => {
    const w = await world();
    const admin = await new TestClient(w.server.url).account('admin');
    await admin.join(await w.owner.invite(w.ws, 'admin'));
    expect((await w.owner.request('DELETE', `/v1/workspaces/${w.ws}/members/${w.owner.userId}`)).body.code).toBe('conflict');
    expect((await w.owner.request('PUT', `/v1/workspaces/${w.ws}/members/${w.owner.userId}`, { role: 'editor' })).body.code).toBe('conflict');
    expect((await admin.request('PUT', `/v1/workspaces/${w.ws}/members/${w.owner.userId}`, { role: 'viewer' })).status).toBe(403);
    expect((await admin.request('PUT', `/v1/workspaces/${w.ws}/members/${w.viewer.userId}`, { role: 'owner' })).status).toBe(403);
    expect((await admin.request('PUT', `/v1/workspaces/${w.ws}/members/${w.viewer.userId}`, { role: 'editor' })).status).toBe(200);
    expect((await w.viewer.push(w.ws, [new EventFactory(w.viewer.deviceId).create('promoted')])).status).toBe(200);
    expect((await w.viewer.request('DELETE', `/v1/workspaces/${w.ws}/members/${w.viewer.userId}`)).status).toBe(204);
    expect((await w.viewer.pull(w.ws)).status).toBe(403);
    const members = (await w.owner.request('GET', `/v1/workspaces/${w.ws}/members`)).body.members.map((m: { username: string; role: string }) => `${m.username}:${m.role}`);
    expect(members).toEqual(['admin:admin', 'editor:editor', 'owner:owner', 'target:viewer']);
  });

  it('invitations are single-use and expire', async () => {
    const w = await world();
    const code = await w.owner.invite(w.ws, 'editor');
    const first = await new TestClient(w.server.url).account('first');
    await first.join(code);
    const second = await new TestClient(w.server.url).account('second');
    const reused = await second.request('POST', '/v1/invitations/accept', { code });
    expect(reused).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const late = await w.owner.request('POST', `/v1/workspaces/${w.ws}/invitations`, { role: 'viewer', expiresInHours: 1 });
    w.clock.now += 2 * 3_600_000;
    expect((await second.request('POST', '/v1/invitations/accept', { code: late.body.code })).status).toBe(403);
    w.clock.now -= 2 * 3_600_000;
    expect((await second.pull(w.ws)).status).toBe(403);
  });

  it('throttles sign-in per account with 429 and Retry-After, and a right password after the block works', async () => {
    const w = await world();
    const client = new TestClient(w.server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await client.request('POST', '/v1/auth/signin', { username: 'viewer', password: `wrong ${i}`, deviceName: 'x' })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const blocked = await client.request('POST', '/v1/auth/signin', { username: 'viewer', password: 'correct horse battery', deviceName: 'x' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from the same address is not blocked by this one's failures.
    expect((await client.request('POST', '/v1/auth/signin', { username: 'editor', password: 'correct horse battery', deviceName: 'x' })).status).toBe(200);
    w.clock.now += 16 * 60_000;
    expect((await client.request('POST', '/v1/auth/signin', { username: 'viewer', password: 'correct horse battery', deviceName: 'x' })).status).toBe(200);
  });

  it('a wrong password and an unknown account get the same answer', async () => {
    const w = await world();
    const client = new TestClient(w.server.url);
    const wrong = await client.request('POST', '/v1/auth/signin', { username: 'owner', password: 'nope nope nope', deviceName: 'x' });
    const unknown = await client.request('POST', '/v1/auth/signin', { username: 'nobody-here', password: 'nope nope nope', deviceName: 'x' });
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('rate-limits each token, with 429 and Retry-After', async () => {
    const server = await startTestServer(backend(), { 'rate-limit': '5' });
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await alice.pull(ws)).status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(8);
    expect(statuses.at(-1)).toBe(429);
    const limited = await alice.pull(ws);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('keeps no password, token or invitation code in clear in the database or the logs', async () => {
    const w = await world();
    const password = 'correct horse battery';
    const code = await w.owner.invite(w.ws, 'viewer');
    const tokens = [w.owner.token!, w.editor.token!, w.viewer.token!, w.outsider.token!];
    const db = w.server.app.db;
    const tables = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`);
    expect(tables.length).toBeGreaterThan(10);
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await db.query<{ row: unknown }>(`SELECT row_to_json(t)::text AS row FROM ${table_name} t`);
      dump += rows.map((r) => String(r.row)).join('\n');
    }
    expect(dump).toContain('Secret plans');
    for (const secret of [password, code, ...tokens]) {
      expect(dump).not.toContain(secret);
      expect(w.server.logs.text()).not.toContain(secret);
    }
    expect(w.server.logs.lines.length).toBeGreaterThan(10);
    expect(w.server.logs.text()).not.toMatch(/authorization/i);
  });
});
