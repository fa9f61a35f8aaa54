import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from './testing/runCli.js';

let tmp: string;
let config: string;
const env = () => ({ ...process.env, NO_COLOR: '1', CAIRN_DATA_DIR: '', CAIRN_CONFIG_DIR: config });
const cairn = (...args: string[]) => runCli(args, { env: env() });
interface Listed {
  dirs: { path: string; name: string; exists: boolean; workspace: unknown }[];
  recoveredFrom?: string;
}

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cairn-cli-dirs-'));
  config = join(tmp, 'config');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('cairn dirs', () => {
  it('lists the data directories opened, newest first, and forgets one', () => {
    const work = join(tmp, 'work');
    const home = join(tmp, 'home');
    expect(cairn('--data', work, 'status').code).toBe(0);
    expect(cairn('--data', home, 'add', '--title', 'groceries').code).toBe(0);
    const listed = cairn('dirs', '--json').json<Listed>();
    expect(listed.dirs.map((d) => [d.name, d.path, d.exists, d.workspace])).toEqual([
      ['home', home, true, null],
      ['work', work, true, null],
    ]);
    expect(cairn('dirs').stdout).toMatch(/NAME\s+LAST OPENED\s+WORKSPACE\s+PATH\nhome/);

    expect(cairn('dirs', 'forget', work, '--json').json()).toEqual({ forgotten: work });
    expect(existsSync(join(work, 'cairn.db'))).toBe(true);
    expect(cairn('dirs', '--json').json<Listed>().dirs.map((d) => d.name)).toEqual(['home']);
    const again = cairn('dirs', 'forget', work);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('is not in the list');
  });

  it('explains bad use', () => {
    expect(cairn('dirs', 'forget').code).toBe(2);
    const unknown = cairn('dirs', 'remove', '/x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown action "remove"');
  });

  it('keeps a list it cannot read beside it and starts a new one', () => {
    mkdirSync(config);
    writeFileSync(join(config, 'data-dirs.json'), 'not json {');
    const run = cairn('dirs', '--json');
    expect(run.code).toBe(0);
    const listed = run.json<Listed>();
    expect(listed.dirs).toEqual([]);
    expect(run.stderr).toContain('could not be read');
    expect(readFileSync(listed.recoveredFrom!, 'utf8')).toBe('not json {');
  });

  it('loses none of the directories that several cairn processes open at once', async () => {
    const dirs = Array.from({ length: 6 }, (_, i) => join(tmp, `d${i}`));
    const runs = await Promise.all(dirs.map((dir) => runCliAsync(['--data', dir, 'status'], { env: { CAIRN_CONFIG_DIR: config } })));
    expect(runs.map((r) => r.code)).toEqual(dirs.map(() => 0));
    expect(
      cairn('dirs', '--json')
        .json<Listed>()
        .dirs.map((d) => d.path)
        .sort(),
    ).toEqual([...dirs].sort());
  });
});
