// `cairn serve` as a process: it processes what is imported through it, and stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { cliBin, runCli } from '../testing/runCli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cairn-serve-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('cairn serve', () => {
  it('processes an upload in the server (ingestion runs there), then exits 0 on SIGTERM with no job left running', async () => {
    const child = spawn(process.execPath, [cliBin, '--data', dataDir, '--json', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => reject(new Error(`serve exited: ${stderr}`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    const { origin, searchParams } = new URL(url);
    const auth = { Authorization: `Bearer ${searchParams.get('token')}` };
    const rpc = async <T>(method: string, params: unknown) => {
      const response = await fetch(`${origin}/api/rpc`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 1, method, params }) });
      return ((await response.json()) as { result: T }).result;
    };

    const upload = await fetch(`${origin}/api/import?name=notes.md`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: '# Served\n\nprocessed by the server\n' });
    const { result } = (await upload.json()) as { result: { outcome: string; entryId: string } };
    expect(result.outcome).toBe('imported');
    await expect.poll(async () => (await rpc<{ status: string }>('getDocument', { id: result.entryId })).status, { timeout: 15_000 }).toBe('done');
    await expect.poll(async () => (await rpc<{ results: unknown[] }>('search', { query: 'processed' })).results.length).toBe(1);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const jobs = runCli(['--data', dataDir, '--json', 'jobs']).json<{ counts: Record<string, number> }>();
    expect(jobs.counts).toMatchObject({ running: 0, queued: 0, done: 1 });
  });
});
