import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { settings } from './config.js';
import { TestClient } from './testing/harness.js';

const bin = fileURLToPath(new URL('../bin/cairn-sync-server.js', import.meta.url));
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-sync-cli-'));
  folders.push(dir);
  return dir;
}

function run(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', CAIRN_SYNC_DATA: '' }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cairn-sync-server command line', () => {
  it('lists every setting with its environment variable in --help', () => {
    const help = run(['--help']);
    expect(help.code).toBe(0);
    for (const setting of Object.values(settings)) {
      expect(help.stdout).toContain(`--${setting.flag}`);
      expect(help.stdout).toContain(setting.env);
    }
    for (const command of ['user add', 'workspace create', 'workspace invite', 'token revoke', 'views rebuild', 'migrate']) expect(help.stdout).toContain(command);
  });

  it('refuses unknown flags, bad values and unknown commands with exit 2 and a clear message', () => {
    expect(run(['--bogus'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/bogus/) });
    expect(run(['--port', 'eighty'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--port \(PORT\) must be a whole number/) });
    expect(run(['--signup', 'sometimes'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/open, invite, closed/) });
    expect(run(['--database-url', 'mysql://x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/postgres:\/\//) });
    expect(run(['frobnicate', '--data', dataDir()])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command/) });
  });

  it('administers an embedded database: accounts, workspaces, invitations, views, epochs', () => {
    const data = dataDir();
    const added = run(['user', 'add', 'alice', '--admin', '--email', 'alice@example.test', '--password-stdin', '--data', data, '--json'], 'a long enough password\n');
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ username: 'alice', serverAdmin: true, email: 'alice@example.test' });
    expect(run(['user', 'add', 'bob', '--password-stdin', '--data', data], 'short\n')).toMatchObject({ code: 2, stderr: expect.stringMatching(/at least 8/) });
    expect(run(['user', 'add', 'bob', '--data', data], '')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--password-stdin/) });
    expect(run(['workspace', 'create', 'team', '--owner', 'alice', '--name', 'The Team', '--data', data]).code).toBe(0);
    const invite = run(['workspace', 'invite', 'team', '--role', 'editor', '--json', '--data', data]);
    expect(JSON.parse(invite.stdout)).toMatchObject({ workspaceId: 'team', role: 'editor', code: expect.stringMatching(/^invite_/) });
    const list = JSON.parse(run(['workspace', 'list', '--json', '--data', data]).stdout);
    expect(list.workspaces).toEqual([expect.objectContaining({ id: 'team', name: 'The Team', members: 1, head: 0 })]);
    expect(run(['workspace', 'members', 'team', '--data', data]).stdout).toMatch(/alice\s+owner/);
    expect(JSON.parse(run(['views', 'rebuild', '--json', '--data', data]).stdout)).toEqual({ workspaces: 1 });
    expect(JSON.parse(run(['workspace', 'new-epoch', '--all', '--json', '--data', data]).stdout)).toEqual({ renewed: 1 });
    expect(run(['user', 'disable', 'nobody', '--data', data])).toMatchObject({ code: 3 });
  }, 120_000);

  it('serves on an embedded database it names, prints a setup code for the first account, refuses a second process, and stops on SIGTERM', async () => {
    const data = dataDir();
    const server = spawn(process.execPath, [bin, '--port', '0', '--data', data, '--log-level', 'warn'], { env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/setup code/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toContain(`the embedded database in ${data}`);
      const url = /listening on (http:\/\/\S+)/.exec(stderr)![1]!;
      await new Promise((r) => setTimeout(r, 200));
      const code = /(setup_[A-Za-z0-9_-]+)/.exec(stderr)![1]!;
      const first = await new TestClient(url).account('root', 'the first password', { invitation: code });
      expect((await first.request('GET', '/v1/me')).body.user).toMatchObject({ username: 'root', serverAdmin: true });
      // With sign-up by invitation (the default), the setup code works once.
      expect((await new TestClient(url).request('POST', '/v1/auth/signup', { username: 'late', password: 'the first password', invitation: code })).status).toBe(403);
      expect(run(['user', 'list', '--data', data])).toMatchObject({ code: 1, stderr: expect.stringMatching(/open in process/) });
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      server.kill('SIGKILL');
    }
    const users = JSON.parse(run(['user', 'list', '--json', '--data', data]).stdout);
    expect(users.users.map((u: { username: string; serverAdmin: boolean }) => [u.username, u.serverAdmin])).toEqual([['root', true]]);
  }, 120_000);
});
