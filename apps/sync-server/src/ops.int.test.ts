import { expect, it } from 'vitest';
import { migrationChecksum, migrate, schemaVersion } from './db/migrate.js';
import { migrations } from './db/migrations/index.js';
import { describeBackends, EventFactory, startTestServer, TestClient } from './testing/harness.js';

describeBackends('operations', (backend) => {
  it('answers /healthz, /readyz and /metrics with the figures an operator graphs', async () => {
    const server = await startTestServer(backend());
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    await alice.push(ws, [new EventFactory(alice.deviceId).create('a'), new EventFactory(alice.deviceId).create('b')]);
    await alice.pull(ws);
    expect((await alice.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await alice.request('GET', '/readyz')).body).toMatchObject({ ready: true, database: true, migrated: true, draining: false });
    const metrics = (await alice.request('GET', '/metrics')).text;
    for (const name of [
      'cairn_http_requests_total{route="/v1/workspaces/:ws/push",method="POST",status="200"} 1',
      'cairn_http_request_duration_seconds_bucket{le="0.001",route="/v1/workspaces/:ws/pull",method="GET"}',
      'cairn_sync_pushes_total 1',
      'cairn_sync_pulls_total 1',
      'cairn_sync_events_stored_total 2',
      'cairn_live_connections 0',
      'cairn_projection_lag_events{projection="entries"}',
      'cairn_db_pool_connections{state="total"}',
      'cairn_webhook_deliveries_total',
      'cairn_webhook_failures_total',
      'cairn_process_resident_memory_bytes',
    ]) {
      expect(metrics, name).toContain(name);
    }
  });

  it('logs every request as JSON with its request id, and returns the id', async () => {
    const server = await startTestServer(backend());
    const client = new TestClient(server.url);
    const res = await client.request('GET', '/v1/me', undefined, { 'x-request-id': 'req-1234567890' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('req-1234567890');
    const line = server.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'req-1234567890' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', route: '/v1/me', status: 401, level: 30 });
    expect((await client.request('GET', '/nowhere')).body).toMatchObject({ code: 'not_found' });
  });

  it('shuts down gracefully: says it is not ready, finishes what is in flight, then stops', async () => {
    const server = await startTestServer(backend(), { 'shutdown-timeout-ms': '5000' });
    const alice = await new TestClient(server.url).account('alice');
    const ws = await alice.workspace('team');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    server.app.eventLog.beforeCommit = () => gate;
    const inFlight = alice.push(ws, [new EventFactory(alice.deviceId).create('in flight')]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = server.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await server.app.readiness()).toMatchObject({ ready: false, draining: true });
    release();
    expect((await inFlight).status).toBe(200);
    await closing;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('migrates under an advisory lock: servers starting together on one database never race', async () => {
    const fresh = await backend().fresh();
    const results = await Promise.all([migrate(fresh.db, { lockKey: fresh.schema }), migrate(fresh.db, { lockKey: fresh.schema }), migrate(fresh.db, { lockKey: fresh.schema })]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, migrations.length]);
    expect(await schemaVersion(fresh.db)).toBe(migrations.length);
  });

  it('refuses, changing nothing, a database migrated by a newer server or by another build', async () => {
    const fresh = await backend().fresh();
    await migrate(fresh.db, { lockKey: fresh.schema });
    const newer = [...migrations, { version: migrations.length + 1, name: 'from the future', sql: 'CREATE TABLE future_things (id int)' }];
    await migrate(fresh.db, { lockKey: fresh.schema, known: newer });
    await expect(migrate(fresh.db, { lockKey: fresh.schema })).rejects.toMatchObject({ code: 'storage', message: expect.stringMatching(/newer Cairn sync server/) });
    const fresh2 = await backend().fresh();
    await migrate(fresh2.db, { lockKey: fresh2.schema });
    await fresh2.db.query(`UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`);
    await expect(migrate(fresh2.db, { lockKey: fresh2.schema })).rejects.toMatchObject({ code: 'storage', message: expect.stringMatching(/differs from this build/) });
  });
});

it('pins every shipped migration: editing one fails this test (add a new migration instead)', () => {
  const pinned: Record<number, string> = {
    1: 'dc223680a0957e15fb410e2b6010d35f8248ee10e9b00455c60c5af116ab2979',
    2: '7881ffdcf2c37d073a71e29669f2de58f396680b262e1e72e4dee62d55eab10b',
  };
  expect(Object.fromEntries(migrations.map((m) => [m.version, migrationChecksum(m)]))).toEqual(pinned);
  expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
});
