import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { webhookDeliverySchema, webhookSchema } from '@cairn/core/protocol';
import { expect, it } from 'vitest';
import type { AppOptions } from './app.js';
import { describeBackends, EventFactory, eventually, startTestServer, TestClient, type Backend, type TestServer } from './testing/harness.js';

/** One POST a receiver got, as it arrived. */
interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** performance.now() when the request arrived. */
  readonly at: number;
}

/**
 * A webhook target on 127.0.0.1: records every POST and answers what `answer` says for the n-th (0-based) one, a
 * status or `'hold'` to keep the request open until `release`.
 */
async function startReceiver(backend: Backend, answer: (n: number) => number | 'hold' = () => 200) {
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const outcome = answer(received.length);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at });
      if (outcome === 'hold') held.push(res);
      else res.writeHead(outcome).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  backend.defer(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks/cairn`,
    received,
    /** Answers the held requests with `status`. */
    release(status: number) {
      for (const res of held.splice(0)) res.writeHead(status).end();
    },
  };
}

/** What the test itself computes from the secret (not the server's signing function): `v1=` HMAC-SHA256 over `<timestamp>.<body>`. */
function expectedSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function header(request: Received, name: string): string {
  const value = request.headers[name];
  expect(typeof value, `the ${name} header`).toBe('string');
  return value as string;
}

const quick: AppOptions['webhooks'] = { retryBaseMs: 20, retryMaxMs: 200, maxAttempts: 3, pollMs: 20 };

describeBackends('webhooks', (backend) => {
  /** A workspace with its owner (an admin) and an editor who pushes; private targets allowed unless `settings` say otherwise. */
  async function setup(settings: Record<string, string | boolean> = { 'allow-private-webhooks': true }, options: Omit<AppOptions, 'db' | 'log'> = {}) {
    const server = await startTestServer(backend(), settings, options);
    const admin = await new TestClient(server.url).account('admin');
    const ws = await admin.workspace('team');
    const editor = await new TestClient(server.url).account('editor');
    await editor.join(await admin.invite(ws, 'editor'));
    return { server, admin, ws, editor, device: new EventFactory(editor.deviceId) };
  }

  async function createHook(admin: TestClient, ws: string, url: string, events: string[] = ['entry_changed']) {
    const res = await admin.request('POST', `/v1/workspaces/${ws}/webhooks`, { url, events });
    expect(res.status, res.text).toBe(201);
    const hook = webhookSchema.parse(res.body);
    expect(typeof hook.secret).toBe('string');
    return { ...hook, secret: hook.secret! };
  }

  async function hookIds(admin: TestClient, ws: string): Promise<string[]> {
    const res = await admin.request('GET', `/v1/workspaces/${ws}/webhooks`);
    expect(res.status, res.text).toBe(200);
    return (res.body.webhooks as unknown[]).map((w) => webhookSchema.parse(w).id);
  }

  async function deliveries(admin: TestClient, ws: string, hookId: string, status?: string) {
    const res = await admin.request('GET', `/v1/workspaces/${ws}/webhooks/${hookId}/deliveries${status ? `?status=${status}` : ''}`);
    expect(res.status, res.text).toBe(200);
    return (res.body.deliveries as unknown[]).map((d) => webhookDeliverySchema.parse(d));
  }

  it('signs each delivery with the secret given at creation, and the body names the workspace, kind, entry and who pushed it', async () => {
    const { server, admin, ws, editor, device } = await setup();
    const receiver = await startReceiver(backend());
    const hook = await createHook(admin, ws, receiver.url, ['entry_changed', 'document_processed']);
    expect(hook.secret.length).toBeGreaterThanOrEqual(32);
    expect((await admin.request('GET', `/v1/workspaces/${ws}/webhooks`)).text).not.toContain(hook.secret);
    // A member joining is a notification too, of a kind this webhook did not ask for.
    const viewer = await new TestClient(server.url).account('viewer');
    await viewer.join(await admin.invite(ws, 'viewer'));

    const note = device.create('Quarterly plan');
    note.metadata.actorId = 'user:somebody-else';
    expect((await editor.push(ws, [note])).status).toBe(200);
    await eventually(() => (receiver.received.length >= 1 ? true : undefined), 10_000, 'the entry_changed delivery');
    const doc = device.importDocument('Contract', { sha256: 'a'.repeat(64), name: 'contract.txt', size: 12, mimeType: 'text/plain' });
    expect((await editor.push(ws, [doc, device.processed(doc.aggregateId, 'b'.repeat(64), 12)])).status).toBe(200);
    const processed = await eventually(() => receiver.received.find((r) => r.headers['cairn-event'] === 'document_processed'), 10_000, 'the document_processed delivery');

    const first = receiver.received[0]!;
    for (const request of [first, processed]) {
      expect(request.headers['content-type']).toBe('application/json');
      const timestamp = header(request, 'cairn-timestamp');
      expect(header(request, 'cairn-signature')).toBe(expectedSignature(hook.secret, timestamp, request.body));
      // The check can fail: another secret, or a body changed by one character, does not verify.
      expect(header(request, 'cairn-signature')).not.toBe(expectedSignature(`${hook.secret}x`, timestamp, request.body));
      expect(header(request, 'cairn-signature')).not.toBe(expectedSignature(hook.secret, timestamp, request.body.replace('"ws"', '"wS"')));
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(120);
      const body = JSON.parse(request.body);
      expect(body.id).toBe(header(request, 'cairn-delivery'));
      expect(body.webhookId).toBe(hook.id);
      expect(body.notification).toMatchObject({ ws, kind: header(request, 'cairn-event'), by: { userId: editor.userId, deviceId: editor.deviceId } });
    }
    expect(JSON.parse(first.body).notification).toMatchObject({ kind: 'entry_changed', entryId: note.aggregateId, title: 'Quarterly plan' });
    expect(JSON.parse(processed.body).notification).toMatchObject({ kind: 'document_processed', entryId: doc.aggregateId, title: 'Contract' });

    // Only the kinds asked for were queued (the viewer's joining was not), each delivered once, under the id it arrived with.
    await server.app.projector.drain();
    const listed = await deliveries(admin, ws, hook.id);
    expect(new Set(listed.map((d) => d.kind))).toEqual(new Set(['entry_changed', 'document_processed']));
    await eventually(async () => ((await deliveries(admin, ws, hook.id)).every((d) => d.status === 'delivered') ? true : undefined), 10_000, 'every delivery to be delivered');
    const ids = receiver.received.map((r) => header(r, 'cairn-delivery'));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(listed.map((d) => d.id))).toEqual(new Set(ids));
    expect(receiver.received.every((r) => ['entry_changed', 'document_processed'].includes(header(r, 'cairn-event')))).toBe(true);
  });

  it('delivers as soon as a change is folded, without waiting for the next poll', async () => {
    const { admin, ws, editor, device } = await setup({ 'allow-private-webhooks': true }, { webhooks: { pollMs: 600_000 } });
    const receiver = await startReceiver(backend());
    await createHook(admin, ws, receiver.url);
    for (const title of ['One', 'Two', 'Three', 'Four', 'Five']) {
      await editor.push(ws, [device.create(title)]);
      await eventually(() => (receiver.received.some((r) => JSON.parse(r.body).notification.title === title) ? true : undefined), 10_000, `the delivery of ${title}`);
    }
  });

  it('retries a failed delivery with the same delivery id and body until the target takes it', async () => {
    const { admin, ws, editor, device } = await setup({ 'allow-private-webhooks': true }, { webhooks: quick });
    const receiver = await startReceiver(backend(), (n) => (n < 2 ? 500 : 200));
    const hook = await createHook(admin, ws, receiver.url);
    await editor.push(ws, [device.create('Flaky target')]);
    await eventually(() => (receiver.received.length >= 3 ? true : undefined), 10_000, 'three attempts');
    const [a, b, c] = receiver.received;
    expect(header(b!, 'cairn-delivery')).toBe(header(a!, 'cairn-delivery'));
    expect(header(c!, 'cairn-delivery')).toBe(header(a!, 'cairn-delivery'));
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    for (const r of receiver.received) expect(header(r, 'cairn-signature')).toBe(expectedSignature(hook.secret, header(r, 'cairn-timestamp'), r.body));
    const [delivery] = await eventually(async () => {
      const listed = await deliveries(admin, ws, hook.id);
      return listed[0]?.status === 'delivered' ? listed : undefined;
    }, 10_000, 'the delivery to be marked delivered');
    expect(delivery).toMatchObject({ id: header(a!, 'cairn-delivery'), attempts: 3, status: 'delivered', lastError: null, nextAttemptAt: null });
    expect(receiver.received).toHaveLength(3);
  });

  it('keeps a delivery that failed every attempt in the dead-letter list, with the last error, and redelivers it on request', async () => {
    const { admin, ws, editor, device } = await setup({ 'allow-private-webhooks': true }, { webhooks: quick });
    let healthy = false;
    const receiver = await startReceiver(backend(), () => (healthy ? 200 : 500));
    const hook = await createHook(admin, ws, receiver.url);
    await editor.push(ws, [device.create('Nobody home')]);
    const [dead] = await eventually(async () => {
      const listed = await deliveries(admin, ws, hook.id, 'dead');
      return listed.length > 0 ? listed : undefined;
    }, 10_000, 'a dead letter');
    expect(dead).toMatchObject({ kind: 'entry_changed', status: 'dead', attempts: 3, nextAttemptAt: null, deliveredAt: null });
    expect(dead!.lastError).toMatch(/500/);
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => header(r, 'cairn-delivery')))).toEqual(new Set([dead!.id]));
    expect(await deliveries(admin, ws, hook.id, 'pending')).toEqual([]);

    healthy = true;
    const redeliver = await admin.request('POST', `/v1/workspaces/${ws}/webhooks/${hook.id}/deliveries/${dead!.id}/redeliver`);
    expect(redeliver.status).toBe(202);
    await eventually(() => (receiver.received.length >= 4 ? true : undefined), 10_000, 'the redelivery');
    expect(header(receiver.received[3]!, 'cairn-delivery')).toBe(dead!.id);
    expect(receiver.received[3]!.body).toBe(receiver.received[0]!.body);
    const [after] = await eventually(async () => {
      const listed = await deliveries(admin, ws, hook.id);
      return listed[0]?.status === 'delivered' ? listed : undefined;
    }, 10_000, 'the redelivery to be marked delivered');
    expect(after).toMatchObject({ id: dead!.id, status: 'delivered', lastError: null });
    expect(await deliveries(admin, ws, hook.id, 'dead')).toEqual([]);
    // Only a dead letter can be redelivered: a delivered one, or an id that is none, is not found.
    expect((await admin.request('POST', `/v1/workspaces/${ws}/webhooks/${hook.id}/deliveries/${dead!.id}/redeliver`)).body.code).toBe('not_found');
    expect((await admin.request('POST', `/v1/workspaces/${ws}/webhooks/${hook.id}/deliveries/${randomUUID()}/redeliver`)).status).toBe(404);
  });

  it('backs off exponentially between attempts, each wait between half and the whole of its delay', async () => {
    const base = 200;
    const { admin, ws, editor, device } = await setup({ 'allow-private-webhooks': true }, { webhooks: { retryBaseMs: base, retryMaxMs: 60_000, maxAttempts: 4, pollMs: 10 } });
    const receiver = await startReceiver(backend(), () => 503);
    await createHook(admin, ws, receiver.url);
    await editor.push(ws, [device.create('Down for maintenance')]);
    await eventually(() => (receiver.received.length >= 4 ? true : undefined), 15_000, 'four attempts');
    const at = receiver.received.map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // Attempt n waits base·2^(n-1), drawn between half and all of it: never sooner than half (the receiver is
    // not hammered). How much later depends on how busy the machine is (a loaded CI machine added 800 ms), so
    // only the lower bound is asserted, and it alone shows the waits growing.
    gaps.forEach((gap, i) => {
      const delay = base * 2 ** i;
      expect(gap, `gap ${i + 1} of ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThanOrEqual(delay / 2 - 2);
    });
  });

  it('refuses to create a webhook to a private or loopback address unless the config allows it', async () => {
    const { admin, ws } = await setup({});
    const receiver = await startReceiver(backend());
    const refused = [
      receiver.url,
      'http://localhost/',
      'http://LOCALHOST:8080/hook',
      'http://localhost./',
      'http://hooks.localhost/',
      'http://hooks.localhost./',
      'http://10.0.0.1/',
      'http://192.168.1.20/',
      'http://172.16.0.1/',
      'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://0.0.0.0/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
    ];
    for (const url of refused) {
      const res = await admin.request('POST', `/v1/workspaces/${ws}/webhooks`, { url, events: ['entry_changed'] });
      expect(res.status, url).toBe(400);
      expect(res.body.code, url).toBe('validation');
    }
    for (const url of ['ftp://hooks.example.com/', 'https://user:pass@hooks.example.com/']) {
      expect((await admin.request('POST', `/v1/workspaces/${ws}/webhooks`, { url, events: ['entry_changed'] })).body.code, url).toBe('validation');
    }
    expect(await hookIds(admin, ws)).toEqual([]);
    // A public name is accepted (its address is checked again whenever it is dialled).
    await createHook(admin, ws, 'https://hooks.example.com/cairn');
    // With the config allowing them, the loopback receiver is accepted.
    const allowed = await setup({ 'allow-private-webhooks': true });
    await createHook(allowed.admin, allowed.ws, receiver.url);
  });

  it('refuses at delivery a target that resolves to a loopback address, and dead-letters it with the reason', async () => {
    // An operator allowed private targets, an admin pointed a webhook at `localhost`, then the operator turned the
    // allowance off: the stored name now resolves to a refused address at delivery time.
    const shared = await backend().fresh();
    const sameDatabase: Backend = { name: backend().name, defer: (cleanup) => backend().defer(cleanup), fresh: () => Promise.resolve(shared) };
    const receiver = await startReceiver(backend());
    const before = await startTestServer(sameDatabase, { 'allow-private-webhooks': true }, { webhooks: quick });
    const admin = await new TestClient(before.url).account('admin');
    const ws = await admin.workspace('team');
    const hook = await createHook(admin, ws, `http://localhost:${receiver.port}/hooks/cairn`);
    await before.close();

    const after = await startTestServer(sameDatabase, {}, { webhooks: quick });
    const again = reconnect(admin, after);
    await again.push(ws, [new EventFactory(again.deviceId).create('Sent to a refused address')]);
    const [dead] = await eventually(async () => {
      const listed = await deliveries(again, ws, hook.id, 'dead');
      return listed.length > 0 ? listed : undefined;
    }, 10_000, 'the refused delivery to be dead-lettered');
    expect(dead!.lastError).toMatch(/private address/);
    expect(dead!.attempts).toBe(1); // refused for good, not retried
    expect(receiver.received).toEqual([]);
  });

  it('answers 403 to editors and viewers on every webhook route, without a hint of what is there', async () => {
    const { server, admin, ws, editor, device } = await setup({ 'allow-private-webhooks': true }, { webhooks: quick });
    const receiver = await startReceiver(backend(), () => 500);
    const hook = await createHook(admin, ws, receiver.url);
    await editor.push(ws, [device.create('Fails to deliver')]);
    const [dead] = await eventually(async () => {
      const listed = await deliveries(admin, ws, hook.id, 'dead');
      return listed.length > 0 ? listed : undefined;
    }, 10_000, 'a dead letter');
    const viewer = await new TestClient(server.url).account('viewer');
    await viewer.join(await admin.invite(ws, 'viewer'));
    const routes: [string, string, unknown?][] = [
      ['POST', `/v1/workspaces/${ws}/webhooks`, { url: receiver.url, events: ['entry_changed'] }],
      ['GET', `/v1/workspaces/${ws}/webhooks`],
      ['DELETE', `/v1/workspaces/${ws}/webhooks/${hook.id}`],
      ['GET', `/v1/workspaces/${ws}/webhooks/${hook.id}/deliveries`],
      ['GET', `/v1/workspaces/${ws}/webhooks/${hook.id}/deliveries?status=dead`],
      ['POST', `/v1/workspaces/${ws}/webhooks/${hook.id}/deliveries/${dead!.id}/redeliver`],
    ];
    for (const who of [editor, viewer]) {
      for (const [method, path, body] of routes) {
        const res = await who.request(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.code).toBe('forbidden');
        expect(res.text).not.toContain(receiver.url);
        expect(res.text).not.toContain(hook.secret);
      }
    }
    // Nothing changed: the webhook is there, its dead letter still dead, no second webhook.
    expect(await hookIds(admin, ws)).toEqual([hook.id]);
    expect((await deliveries(admin, ws, hook.id, 'dead')).map((d) => d.id)).toEqual([dead!.id]);
  });

  it('keeps a webhook of one workspace out of another workspace’s admin’s reach', async () => {
    const { server, admin, ws, editor, device } = await setup({ 'allow-private-webhooks': true }, { webhooks: quick });
    const receiver = await startReceiver(backend(), () => 500);
    const hook = await createHook(admin, ws, receiver.url);
    await editor.push(ws, [device.create('Theirs')]);
    const [dead] = await eventually(async () => {
      const listed = await deliveries(admin, ws, hook.id, 'dead');
      return listed.length > 0 ? listed : undefined;
    }, 10_000, 'a dead letter');
    const other = await new TestClient(server.url).account('other-admin');
    const mine = await other.workspace('mine');
    expect(await hookIds(other, mine)).toEqual([]);
    const probes: [string, string, number][] = [
      ['GET', `/v1/workspaces/${ws}/webhooks`, 403],
      ['GET', `/v1/workspaces/${ws}/webhooks/${hook.id}/deliveries`, 403],
      ['DELETE', `/v1/workspaces/${ws}/webhooks/${hook.id}`, 403],
      ['GET', `/v1/workspaces/${mine}/webhooks/${hook.id}/deliveries`, 404],
      ['GET', `/v1/workspaces/${mine}/webhooks/${hook.id}/deliveries?status=dead`, 404],
      ['DELETE', `/v1/workspaces/${mine}/webhooks/${hook.id}`, 404],
      ['POST', `/v1/workspaces/${mine}/webhooks/${hook.id}/deliveries/${dead!.id}/redeliver`, 404],
    ];
    for (const [method, path, status] of probes) {
      const res = await other.request(method, path);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.text).not.toContain(receiver.url);
      expect(res.text).not.toContain(hook.secret);
      expect(res.text).not.toContain(dead!.id);
    }
    // An id that names nothing answers the same as another workspace's.
    const unknown = await other.request('GET', `/v1/workspaces/${mine}/webhooks/${randomUUID()}/deliveries`);
    expect(unknown.status).toBe(404);
    expect(await hookIds(admin, ws)).toEqual([hook.id]);
    expect((await deliveries(admin, ws, hook.id, 'dead')).map((d) => d.id)).toEqual([dead!.id]);
  });

  it('stops delivering to a webhook once it is deleted', async () => {
    const { admin, ws, editor, device } = await setup();
    const removed = await startReceiver(backend());
    const kept = await startReceiver(backend());
    const doomed = await createHook(admin, ws, removed.url);
    await createHook(admin, ws, kept.url);
    await editor.push(ws, [device.create('Before')]);
    await eventually(() => (removed.received.length === 1 && kept.received.length === 1 ? true : undefined), 10_000, 'both webhooks to get the first change');

    expect((await admin.request('DELETE', `/v1/workspaces/${ws}/webhooks/${doomed.id}`)).status).toBe(204);
    expect(await hookIds(admin, ws)).not.toContain(doomed.id);
    expect((await admin.request('DELETE', `/v1/workspaces/${ws}/webhooks/${doomed.id}`)).status).toBe(404);
    const after = device.create('After');
    await editor.push(ws, [after]);
    // The webhook still there gets the second change; by then the deleted one would have too.
    await eventually(() => (kept.received.length === 2 ? true : undefined), 10_000, 'the kept webhook to get the second change');
    expect(JSON.parse(kept.received[1]!.body).notification.entryId).toBe(after.aggregateId);
    expect(removed.received).toHaveLength(1);
    expect(await deliveries(admin, ws, doomed.id)).toHaveLength(1);
  });

  it('does not retry a delivery whose webhook was deleted while the attempt was under way', async () => {
    const { server, admin, ws, editor, device } = await setup({ 'allow-private-webhooks': true }, { webhooks: quick });
    const receiver = await startReceiver(backend(), (n) => (n === 0 ? 'hold' : 200));
    const hook = await createHook(admin, ws, receiver.url);
    await editor.push(ws, [device.create('In flight')]);
    await eventually(() => (receiver.received.length === 1 ? true : undefined), 10_000, 'the first attempt to arrive');
    expect((await admin.request('DELETE', `/v1/workspaces/${ws}/webhooks/${hook.id}`)).status).toBe(204);
    receiver.release(500);
    // The attempt's outcome is written before the server logs it.
    await eventually(() => (server.logs.text().includes('a webhook delivery failed') ? true : undefined), 10_000, 'the failed attempt to be recorded');
    const [delivery] = await deliveries(admin, ws, hook.id);
    expect(delivery).toMatchObject({ status: 'dead', nextAttemptAt: null, lastError: 'the webhook was removed' });
    await server.app.webhooks.deliverDue();
    expect(receiver.received).toHaveLength(1);
  });
});

/** The same account, talking to another instance over the same database. */
function reconnect(client: TestClient, server: TestServer): TestClient {
  const again = new TestClient(server.url);
  again.token = client.token;
  again.userId = client.userId;
  again.deviceId = client.deviceId;
  return again;
}
