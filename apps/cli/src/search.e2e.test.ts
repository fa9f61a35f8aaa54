import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/cairn.js', import.meta.url));
let root: string;
let data: string;

function cairn(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--data', data, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CAIRN_MODEL_DIR: '', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json<T>(args: string[]): T {
  const result = cairn(['--json', ...args]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

interface SearchJson {
  results: { entryId: string; title: string; snippet: string; score: number }[];
  mode: string;
  tookMs: number;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cairn-search-cli-'));
  data = join(root, 'data');
  cairn(['add', '--title', '数据同步 Sync design', '--body', '我们需要在设备之间同步数据。The sync engine pushes events.', '--tag', 'work']);
  cairn(['add', '--title', 'Bread', '--body', 'Bake the bread at 220 degrees.']);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('cairn search', () => {
  it('prints results as JSON, found by Chinese words and by either part of a mixed title', () => {
    const byChinese = json<SearchJson>(['search', '同步']);
    expect(byChinese.results.map((r) => r.title)).toEqual(['数据同步 Sync design']);
    expect(byChinese.mode).toBe('lexical');
    expect(typeof byChinese.tookMs).toBe('number');
    expect(Object.keys(byChinese.results[0]!)).toEqual(expect.arrayContaining(['entryId', 'title', 'snippet', 'score']));
    expect(byChinese.results[0]!.snippet).toContain('<mark>同步</mark>');
    expect(json<SearchJson>(['search', 'sync', 'design']).results.map((r) => r.title)).toEqual(['数据同步 Sync design']);
    expect(json<SearchJson>(['search', 'bread', '--kind', 'note', '--limit', '5']).results.map((r) => r.title)).toEqual(['Bread']);
    expect(json<SearchJson>(['search', 'sync', '--tag', 'home']).results).toEqual([]);
  });

  it('shows readable results without --json', () => {
    const result = cairn(['search', 'bake']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('1. Bread');
    expect(result.stdout).toContain('Bake the bread');
  });

  it('answers odd queries, and refuses bad options and impossible modes with clear errors', () => {
    for (const query of ['"', '(', 'NEAR', '*', 'the', 'x'.repeat(10_000), 'unknown:filter']) expect(cairn(['search', '--', query]).status).toBe(0);
    const badMode = cairn(['--json', 'search', 'x', '--mode', 'fuzzy']);
    expect(badMode.status).toBe(2);
    expect(JSON.parse(badMode.stderr)).toMatchObject({ error: { code: 'validation' } });
    const badKind = cairn(['search', 'kind:book']);
    expect(badKind.status).toBe(2);
    expect(badKind.stderr).toContain('kind:book is not a kind');
    const semantic = cairn(['--json', 'search', 'x', '--mode', 'semantic']);
    expect(semantic.status).toBe(8);
    expect(JSON.parse(semantic.stderr).error.message).toContain('cairn model download');
  });
});

describe('cairn model', () => {
  it('says there is no model and why, and refuses an unusable folder', () => {
    const status = json<{ state: string; reason: string; vectors: { pending: number } }>(['model', 'status']);
    expect(status.state).toBe('missing');
    expect(status.reason).toContain('CAIRN_MODEL_DIR');
    expect(status.vectors.pending).toBe(2);
    const empty = join(root, 'empty-model');
    mkdirSync(empty);
    const use = cairn(['model', 'use', empty]);
    expect(use.status).toBe(2);
    expect(use.stderr).toContain('has no config.json');
    const viaEnv = cairn(['--json', 'model', 'status'], { CAIRN_MODEL_DIR: empty });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ state: 'invalid', source: 'option' });
  });
});

describe('cairn eval beir', () => {
  it('scores a BEIR folder with the standard metrics', () => {
    const beir = join(root, 'beir');
    mkdirSync(join(beir, 'qrels'), { recursive: true });
    const docs = [
      { _id: 'd1', title: 'Photosynthesis', text: 'Plants turn light into sugar.' },
      { _id: 'd2', title: 'Volcanoes', text: 'Magma rises through the crust.' },
      { _id: 'd3', title: '长城', text: '长城是中国古代的军事防御工程。' },
    ];
    writeFileSync(join(beir, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
    writeFileSync(join(beir, 'queries.jsonl'), ['{"_id":"q1","text":"how do plants make sugar"}', '{"_id":"q2","text":"长城是什么"}', '{"_id":"q3","text":"unjudged"}'].join('\n'));
    writeFileSync(join(beir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n');
    const result = cairn(['--json', 'eval', 'beir', beir]);
    expect(result.status, result.stderr).toBe(0);
    const scores = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(scores).toMatchObject({ 'ndcg@10': 1, 'recall@100': 1, queries: 2, mode: 'lexical' });
    expect(Object.keys(scores)).toEqual(expect.arrayContaining(['p50Ms', 'p95Ms']));
    const missing = cairn(['eval', 'beir', beir, '--split', 'dev']);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain('qrels/dev.tsv');
  });
});
