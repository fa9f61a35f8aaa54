import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeChatServer, type FakeChatServer } from '@cairn/core/testing/chat';

const bin = fileURLToPath(new URL('../bin/cairn.js', import.meta.url));
let root: string;
let data: string;
let server: FakeChatServer | undefined;

/** Runs the CLI without blocking this process (the fake model answers from here). */
function cairn(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, '--data', data, ...args], { env: { ...process.env, NO_COLOR: '1', CAIRN_MODEL_DIR: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (part: Buffer) => (stdout += part.toString('utf8')));
    child.stderr.on('data', (part: Buffer) => (stderr += part.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const add = (title: string, body: string) => {
  const result = spawnSync(process.execPath, [bin, '--data', data, '--json', 'add', '--title', title, '--body', body], { encoding: 'utf8', env: { ...process.env, CAIRN_MODEL_DIR: '' } });
  expect(result.status, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { id: string }).id;
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cairn-ask-cli-'));
  data = join(root, 'data');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(root, { recursive: true, force: true });
});

interface AskJson {
  answer: string | null;
  passages: { n: number; entryId: string; text: string; start: number; end: number }[];
  citations: { n: number; entryId: string; start: number; end: number; quote: string | null; quoteFound: boolean | null }[];
  error: { code: string; message: string } | null;
  notices: string[];
}

describe('cairn ask', () => {
  it('without a model prints the best passages and how to set one, asking nobody', async () => {
    add('Bicycle', 'Oil the chain every two weeks and check the tyre pressure.');
    add('绿茶', '用八十度的水冲泡绿茶，浸泡两分钟即可。');
    const result = await cairn(['ask', 'how', 'often', 'do', 'I', 'oil', 'the', 'chain?']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Passages');
    expect(result.stdout).toContain('1. Bicycle');
    expect(result.stdout).toContain('Oil the chain every two weeks');
    expect(result.stdout).toContain('no model is set');
    expect(result.stdout).toContain('cairn ask --set-endpoint');
    const chinese = JSON.parse((await cairn(['--json', 'ask', '绿茶用多少度的水？'])).stdout) as AskJson;
    expect(chinese.answer).toBeNull();
    expect(chinese.passages[0]!.text).toContain('八十度');
  });

  it('streams the answer from the configured endpoint, then prints the cited passages; --json is one object', async () => {
    const id = add('Sourdough', 'Feed the starter every twelve hours with equal weights of flour and water.');
    add('Bicycle', 'Oil the chain every two weeks.');
    server = await startFakeChatServer({ kind: 'stream', pieces: ['Feed it “equal weights', ' of flour and water” [', '1] every twelve hours [7].'], delayMs: 20 });
    const set = await cairn(['ask', '--set-endpoint', server.baseUrl, '--model', 'llama3.2', '--api-key', 'sk-secret']);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toContain('llama3.2 at');
    expect(set.stdout).toContain('API key set');
    expect(set.stdout).not.toContain('sk-secret');

    const result = await cairn(['ask', 'what do I feed the sourdough starter?']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Feed it “equal weights of flour and water” \[1\] every twelve hours \[7\]\.\n/);
    expect(result.stdout).toContain('Citations');
    expect(result.stdout).toContain(`[1] Sourdough  note body 0–74 · ${id}`);
    expect(result.stdout).toContain('“equal weights of flour and water”');
    expect(result.stdout).toMatch(/\[7\].*not among/);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-secret');

    const json = await cairn(['--json', 'ask', 'what do I feed the sourdough starter?']);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(json.stdout) as AskJson;
    expect(parsed.citations).toMatchObject([{ n: 1, entryId: id, quote: 'equal weights of flour and water', quoteFound: true }]);
    expect(parsed.passages.find((p) => p.n === 1)!.text).toContain('equal weights of flour and water');
  });

  it('says clearly when the endpoint is down, still prints the passages, and exits with the unavailable code', async () => {
    add('Bicycle', 'Oil the chain every two weeks.');
    server = await startFakeChatServer({ kind: 'stream', pieces: ['never'] });
    const baseUrl = server.baseUrl;
    await server.close();
    server = undefined;
    expect((await cairn(['ask', '--set-endpoint', baseUrl, '--model', 'm'])).status).toBe(0);
    const result = await cairn(['ask', 'chain oil']);
    expect(result.status).toBe(11);
    expect(result.stdout).toContain('1. Bicycle');
    expect(result.stderr).toMatch(/cannot reach the model endpoint .*ECONNREFUSED/);
    const json = await cairn(['--json', 'ask', 'chain oil']);
    expect(json.status).toBe(11);
    const parsed = JSON.parse(json.stdout) as AskJson;
    expect(parsed.error).toMatchObject({ code: 'unavailable' });
    expect(parsed.passages[0]!.text).toContain('Oil the chain');
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'unavailable' } });
    const bad = await cairn(['ask', '--set-endpoint', 'localhost:11434']);
    expect(bad.status).toBe(2);
    expect((await cairn(['ask'])).status).toBe(2);
  });
});
