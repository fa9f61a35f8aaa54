import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { CairnError } from '../errors/cairnError.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { makeTempDir } from '../testing/tempDir.js';
import { createLocalEngineApi } from './localEngineApi.js';
import { createRpcClient, handleRpc, type RpcRequest } from './rpc.js';

const tmp = makeTempDir('cairn-rpc-');
const engine = Engine.open({ dataDir: join(tmp.path, 'data'), autoCatchUp: false });
const api = createLocalEngineApi(engine, uuidv7);
afterAll(() => {
  engine.close();
  tmp.remove();
});

describe('engine API over RPC', () => {
  // A transport that serializes both ways, as IPC and WebSocket do.
  const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const client = createRpcClient(async (request: RpcRequest) => roundTrip(await handleRpc(api, roundTrip(request))), () => () => undefined);

  it('round-trips commands and queries', async () => {
    const { entryId } = await client.createEntry({ title: 'Over the wire', tags: ['rpc'] });
    await client.updateEntry({ id: entryId, body: 'hello' });
    expect(await client.getEntry({ id: entryId })).toMatchObject({ title: 'Over the wire', body: 'hello', version: 2 });
    expect((await client.history({ id: entryId })).map((h) => h.eventType)).toEqual(['EntryCreated', 'EntryUpdated']);
  });

  it('turns errors into data and back into errors with the same code', async () => {
    const error = (await client.getEntry({ id: uuidv7() }).catch((e: unknown) => e)) as CairnError;
    expect(error).toBeInstanceOf(CairnError);
    expect(error.code).toBe('not_found');
  });

  it('rejects unknown methods and malformed params as validation errors, never crashing', async () => {
    expect(await handleRpc(api, { id: 1, method: 'dropDatabase', params: {} })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await handleRpc(api, { id: 2, method: 'createEntry', params: { title: 42 } })).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('title') } });
    expect(await handleRpc(api, { id: 3, method: 'listEntries', params: { limit: 1e9 } })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await handleRpc(api, { id: 3, method: 'listEntries', params: { status: 'finished' } })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await handleRpc(api, { id: 3, method: 'listEntries', params: { status: 'failed' } })).toMatchObject({ ok: true, result: { entries: [], total: 0 } });
    expect(await handleRpc(api, { id: 4, method: 'createEntry', params: { title: 'x', sneaky: true } })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await handleRpc(api, 'not even an object')).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await handleRpc(api, null)).toMatchObject({ ok: false });
  });

  it('reports a concurrency conflict when an edit was made from a stale version', async () => {
    const { entryId } = await client.createEntry({ title: 'Shared' });
    await client.updateEntry({ id: entryId, body: 'first', expectedVersion: 1 });
    const error = (await client.updateEntry({ id: entryId, body: 'second', expectedVersion: 1 }).catch((e: unknown) => e)) as CairnError;
    expect(error.code).toBe('concurrency');
    expect((await client.getEntry({ id: entryId })).body).toBe('first');
  });
});
