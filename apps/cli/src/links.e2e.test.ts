import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './testing/runCli.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cairn-cli-links-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cairn links', () => {
  it('shows links, backlinks and unlinked mentions, and links a mention', () => {
    const data = join(tmp, 'data');
    const cairn = (...args: string[]) => runCli(['--data', data, ...args]);
    const add = (title: string, body: string) => cairn('add', '--title', title, '--body', body).stdout.trim();
    const topic = add('数据同步', '设备之间如何同步。');
    const linking = add('Plan', 'Read [[数据同步]] and [[Missing page]].');
    const mentioning = add('周会记录', '今天讨论了数据同步的方案。');

    const view = cairn('links', topic, '--json').json<{ backlinks: { entryId: string }[]; mentions: { entryId: string; linkable: boolean }[] }>();
    expect(view.backlinks.map((b) => b.entryId)).toEqual([linking]);
    expect(view.mentions).toMatchObject([{ entryId: mentioning, linkable: true }]);
    const plan = cairn('links', linking);
    expect(plan.stdout).toMatch(/\[\[Missing page\]\] → missing/);
    expect(plan.stdout).toContain(`[[数据同步]] → 数据同步 ${topic}`);

    expect(cairn('links', topic, '--link', mentioning, '--json').json()).toMatchObject({ id: mentioning, version: 2, changed: true });
    expect(cairn('show', mentioning, '--json').json()).toMatchObject({ body: '今天讨论了[[数据同步]]的方案。' });
    const after = cairn('links', topic, '--json').json<{ backlinks: { entryId: string }[]; mentions: unknown[] }>();
    expect(after.backlinks.map((b) => b.entryId).sort()).toEqual([linking, mentioning].sort());
    expect(after.mentions).toEqual([]);
    const again = cairn('links', topic, '--link', mentioning);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/does not mention/);
  });
});
