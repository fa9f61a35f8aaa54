import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/cairn.js', import.meta.url));
let root: string;

function cairn(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--data', join(root, 'data'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CAIRN_MODEL_DIR: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json<T>(args: string[]): T {
  const result = cairn(['--json', ...args]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cairn-related-cli-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('cairn related and cairn tags suggest', () => {
  it('list the notes on the same topic, suggest a tag its neighbours carry, and dismiss it', () => {
    const add = (title: string, body: string, tags: string[] = []) => json<{ id: string }>(['add', '--title', title, '--body', body, ...tags.flatMap((t) => ['--tag', t])]).id;
    const one = add('望远镜笔记', '望远镜 星系 行星 轨道 彗星', ['天文']);
    const two = add('星空观察', '望远镜 星系 行星 星云 月亮', ['天文']);
    add('Bread', 'flour yeast dough oven crust');
    const mine = add('今晚的星空', '用望远镜看星系和行星的轨道');

    const related = json<{ results: { entryId: string; sharedTerms: string[] }[]; usedVectors: boolean }>(['related', mine]);
    expect(related.results.map((r) => r.entryId).sort()).toEqual([one, two].sort());
    expect(related.results[0]!.sharedTerms).toEqual(expect.arrayContaining(['望远镜', '星系']));
    expect(related.usedVectors).toBe(false);
    expect(cairn(['related', mine]).stdout).toContain('星空观察');

    const suggested = json<{ suggestions: { tag: string; relatedCount: number }[] }>(['tags', 'suggest', mine]);
    expect(suggested.suggestions).toEqual([expect.objectContaining({ tag: '天文', relatedCount: 2 })]);
    json(['tags', 'dismiss', mine, '天文']);
    expect(json<{ suggestions: unknown[] }>(['tags', 'suggest', mine]).suggestions).toEqual([]);
    expect(cairn(['tags', 'suggest']).status).toBe(2);
    expect(cairn(['related', 'no-such-id']).status).not.toBe(0);
  });
});
