import { createInterface } from 'node:readline';
import { CairnError } from '@cairn/core/domain';
import { passwordSchema, roleSchema, usernameSchema, workspaceIdSchema, type Role } from '@cairn/core/protocol';
import { App } from '../app.js';
import type { ServerConfig } from '../config.js';
import { renewEpochs } from '../db/migrate.js';
import { createLogger } from '../ops/logger.js';
import { lockDataDir } from './dataLock.js';

export const adminOptions = {
  'password-stdin': { type: 'boolean' },
  admin: { type: 'boolean' },
  email: { type: 'string' },
  'display-name': { type: 'string' },
  name: { type: 'string' },
  owner: { type: 'string' },
  role: { type: 'string' },
  hours: { type: 'string' },
  by: { type: 'string' },
  user: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const adminHelp = `
Admin commands (on the same database settings as the server; on the embedded database, stop the server first):
  user add NAME [--admin] [--email E] [--display-name N] [--password-stdin]   create an account (asks for the password)
  user list | user disable NAME | user enable NAME | user reset-password NAME [--password-stdin]
  workspace create ID --owner USER [--name N]     create a workspace owned by USER
  workspace list | workspace members ID
  workspace add ID USER --role R                  add an account to a workspace directly
  workspace invite ID --role R [--hours H] [--email E] [--by USER]   print an invitation code (default 168 h)
  workspace role ID USER ROLE | workspace remove ID USER
  workspace new-epoch ID | workspace new-epoch --all   after restoring a file-level backup the server cannot detect
  token list [--user USER] | token revoke TOKEN_ID
  views rebuild                                    fold every workspace's log into fresh read views
  migrate                                          apply schema migrations and exit
  (--json prints results as JSON)`;

type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** Runs one admin command; returns the exit code. */
export async function runAdmin(config: ServerConfig, command: string, args: readonly string[], flags: Flags): Promise<number> {
  const known = ['user', 'workspace', 'token', 'views', 'migrate'];
  if (!known.includes(command)) throw new CairnError('validation', `unknown command ${JSON.stringify(command)}; run --help for the commands`);
  // What can be checked without the database is checked first (opening the embedded one takes seconds).
  const key = `${command} ${args[0] ?? ''}`.trim();
  const password = key === 'user add' || key === 'user reset-password' ? parse(passwordSchema, await readPassword(flags), 'the password') : undefined;
  if (key === 'user add' || key === 'user reset-password') parse(usernameSchema, args[1], 'the username');
  const unlock = config.databaseUrl ? () => undefined : lockDataDir(config.dataDir);
  const app = await App.open(config, { log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr) }).catch((error: unknown) => {
    unlock();
    throw error;
  });
  const out = (human: string, data: unknown) => process.stdout.write(flags.json ? `${JSON.stringify(data)}\n` : `${human}\n`);
  try {
    await app.ctx.bus.start();
    const sub = args[0];
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'migrate':
        out(`schema ${app.migration.from} → ${app.migration.to}${app.migration.applied.length ? ` (applied ${app.migration.applied.join(', ')})` : ' (nothing to do)'}`, app.migration);
        return 0;
      case 'user add': {
        const username = parse(usernameSchema, args[1], 'the username');
        const user = await app.db.transaction((tx) =>
          app.accounts.create(tx, { username, password: password!, serverAdmin: flags.admin === true, email: str(flags.email), displayName: str(flags['display-name']) }),
        );
        out(`created ${user.username} (${user.id})${user.serverAdmin ? ', server admin' : ''}`, user);
        return 0;
      }
      case 'user list': {
        const users = await app.accounts.list();
        out(users.map((u) => `${u.username.padEnd(24)} ${u.displayName.padEnd(24)} ${u.email ?? '-'}${u.serverAdmin ? ' [admin]' : ''}${u.disabled ? ' [disabled]' : ''}`).join('\n') || '(no accounts)', { users });
        return 0;
      }
      case 'user disable':
        await app.accounts.disable(parse(usernameSchema, args[1], 'the username'));
        out(`disabled ${args[1]}: its tokens are revoked`, { disabled: args[1] });
        return 0;
      case 'user enable':
        await app.accounts.enable(parse(usernameSchema, args[1], 'the username'));
        out(`enabled ${args[1]}`, { enabled: args[1] });
        return 0;
      case 'user reset-password': {
        const username = parse(usernameSchema, args[1], 'the username');
        await app.accounts.resetPassword(username, password!);
        out(`set a new password for ${username}; every device must sign in again`, { reset: username });
        return 0;
      }
      case 'workspace create': {
        const id = parse(workspaceIdSchema, args[1], 'the workspace id');
        const owner = await userId(app, str(flags.owner), 'the owner (--owner USER)');
        const workspace = await app.workspaces.create({ userId: owner }, id, str(flags.name) ?? id);
        out(`created workspace ${workspace.id}`, workspace);
        return 0;
      }
      case 'workspace list': {
        const all = await app.workspaces.all();
        out(all.map((w) => `${w.id.padEnd(24)} ${w.name.padEnd(24)} ${String(w.members).padStart(4)} members  head ${w.head}`).join('\n') || '(no workspaces)', { workspaces: all });
        return 0;
      }
      case 'workspace members': {
        const id = parse(workspaceIdSchema, args[1], 'the workspace id');
        const members = await app.workspaces.members(id);
        out(members.map((m) => `${m.username.padEnd(24)} ${m.role.padEnd(8)} since ${m.joinedAt}`).join('\n') || '(no members)', { members });
        return 0;
      }
      case 'workspace add': {
        const id = parse(workspaceIdSchema, args[1], 'the workspace id');
        const user = await userId(app, args[2], 'the account');
        const role = parse(roleSchema, flags.role, 'the role (--role)');
        await app.workspaces.addMember(id, user, role);
        out(`added ${args[2]} to ${id} as ${role}`, { workspaceId: id, user: args[2], role });
        return 0;
      }
      case 'workspace invite': {
        const id = parse(workspaceIdSchema, args[1], 'the workspace id');
        const role = parse(roleSchema.exclude(['owner']), flags.role, 'the role (--role admin|editor|viewer)');
        const hours = flags.hours === undefined ? 168 : Number(flags.hours);
        if (!Number.isInteger(hours) || hours < 1 || hours > 720) throw new CairnError('validation', '--hours must be a whole number from 1 to 720');
        const by = flags.by ? await userId(app, str(flags.by), '--by') : await firstOwner(app, id);
        const principal = { userId: by, username: '', displayName: 'The server admin', serverAdmin: true, tokenId: '', deviceId: '', expiresAt: Infinity, roles: new Map<string, Role>([[id, 'owner']]) };
        const invitation = await app.workspaces.createInvitation(principal, id, role, hours, str(flags.email));
        out(`invitation code for ${id} (${role}, until ${invitation.expiresAt}):\n  ${invitation.code}${invitation.emailed ? `\n(sent to ${invitation.email})` : ''}`, invitation);
        return 0;
      }
      case 'workspace role': {
        const id = parse(workspaceIdSchema, args[1], 'the workspace id');
        const user = await userId(app, args[2], 'the account');
        const role = parse(roleSchema, args[3], 'the role');
        await app.workspaces.changeRole(undefined, id, user, role);
        out(`${args[2]} is now ${role} in ${id}`, { workspaceId: id, user: args[2], role });
        return 0;
      }
      case 'workspace remove': {
        const id = parse(workspaceIdSchema, args[1], 'the workspace id');
        await app.workspaces.removeMember(undefined, id, await userId(app, args[2], 'the account'));
        out(`removed ${args[2]} from ${id}`, { workspaceId: id, removed: args[2] });
        return 0;
      }
      case 'workspace new-epoch': {
        if (flags.all !== true && args[1] === undefined) throw new CairnError('validation', 'name a workspace, or --all');
        const count = await renewEpochs(app.db, flags.all === true ? undefined : parse(workspaceIdSchema, args[1], 'the workspace id'));
        out(`renewed the epoch of ${count} workspace${count === 1 ? '' : 's'}: clients will re-push what the server lost`, { renewed: count });
        return 0;
      }
      case 'token list': {
        const user = flags.user ? await userId(app, str(flags.user), '--user') : undefined;
        const rows = await app.db.query<{ id: string; username: string; name: string; device_id: string; created_at: Date; last_used_at: Date | null; expires_at: Date }>(
          `SELECT t.id, u.username, t.name, t.device_id, t.created_at, t.last_used_at, t.expires_at FROM tokens t JOIN users u ON u.id = t.user_id
           WHERE t.revoked_at IS NULL AND t.expires_at > now() AND ($1::uuid IS NULL OR t.user_id = $1::uuid) ORDER BY u.username, t.created_at`,
          [user ?? null],
        );
        const tokens = rows.map((r) => ({ id: r.id, username: r.username, name: r.name, deviceId: r.device_id, createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null, expiresAt: r.expires_at.toISOString() }));
        out(tokens.map((t) => `${t.id}  ${t.username.padEnd(20)} ${t.name.padEnd(24)} last used ${t.lastUsedAt ?? 'never'}`).join('\n') || '(no valid tokens)', { tokens });
        return 0;
      }
      case 'token revoke': {
        const id = args[1];
        if (!id || !/^[0-9a-f-]{36}$/.test(id)) throw new CairnError('validation', 'name the token id (see token list)');
        await app.identity.revoke(id);
        out(`revoked ${id}`, { revoked: id });
        return 0;
      }
      case 'views rebuild': {
        const started = Date.now();
        const result = await app.projector.rebuild();
        out(`rebuilt the read views of ${result.workspaces} workspace${result.workspaces === 1 ? '' : 's'} in ${Date.now() - started} ms`, result);
        return 0;
      }
      default:
        throw new CairnError('validation', `unknown command ${JSON.stringify([command, ...args].join(' '))}; run --help for the commands`);
    }
  } finally {
    await app.stop();
    unlock();
  }
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new CairnError('validation', value === undefined ? `give ${what}` : `${what} is not valid: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

async function userId(app: App, username: string | undefined, what: string): Promise<string> {
  if (!username) throw new CairnError('validation', `give ${what}`);
  const rows = await app.db.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [username.toLowerCase()]);
  if (!rows[0]) throw new CairnError('not_found', `no account named ${username}`);
  return rows[0].id;
}

async function firstOwner(app: App, workspaceId: string): Promise<string> {
  const rows = await app.db.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE workspace_id = $1 AND role = 'owner' ORDER BY joined_at LIMIT 1`, [workspaceId]);
  if (!rows[0]) throw new CairnError('not_found', `no workspace ${workspaceId} (or it has no owner); give --by USER`);
  return rows[0].user_id;
}

/** The password from standard input (`--password-stdin`) or asked on the terminal without echo. */
async function readPassword(flags: Flags): Promise<string> {
  if (flags['password-stdin']) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) throw new CairnError('validation', 'give the password on standard input with --password-stdin (there is no terminal to ask on)');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(prompt) ? prompt : '');
      rl.question(prompt, (answer) => {
        (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = write;
        process.stderr.write('\n');
        resolve(answer);
      });
    });
  try {
    const first = await ask('Password: ');
    const second = await ask('Again: ');
    if (first !== second) throw new CairnError('validation', 'the two passwords differ');
    return first;
  } finally {
    rl.close();
  }
}
