import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built server (`npx tsc -b` makes it); the same path from `src/testing` and from `dist/testing`. */
export const serverMain = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface ServerProcess {
  /** `http://127.0.0.1:<port>`, as the server printed it. */
  readonly url: string;
  readonly pid: number;
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote so far, stderr then stdout (its JSON logs), for failure messages. */
  output(): string;
  /** Kills it at once (SIGKILL: no shutdown at all) and waits until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful shutdown), SIGKILL if it is still alive after `timeoutMs`; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface ServerProcessOptions {
  /** How long to wait for `listening on …` (default 30 s: a busy machine, migrations under a lock). */
  readonly startTimeoutMs?: number;
}

/** Every process started here that has not exited yet, so a test's cleanup can end what it left behind. */
const running = new Set<ServerProcess>();

/**
 * Starts `node dist/main.js` (the `serve` command) with `env` on top of a small base environment (the parent's PATH
 * and HOME only, so a DATABASE_URL of the test runner never leaks in), on a free loopback port unless `env` says
 * otherwise, and resolves once it printed `listening on http://…` on stderr. Rejects (and kills it) if it exits or
 * stays silent first.
 */
export async function startServerProcess(env: Readonly<Record<string, string>>, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  if (!existsSync(serverMain)) throw new Error(`${serverMain} does not exist: run \`npx tsc -b\` first`);
  const child = spawn(process.execPath, [serverMain], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let stderr = '';
  let stdout = '';
  // Both pipes are always read: a full pipe would block the server's writes.
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const output = () => `--- stderr ---\n${stderr}\n--- stdout ---\n${stdout.slice(-20_000)}`;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${options.startTimeoutMs ?? 30_000} ms\n${output()}`));
    }, options.startTimeoutMs ?? 30_000);
    const onData = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      child.stderr.off('data', onData);
      resolve(match[1]!);
    };
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}, signal ${signal}) before listening\n${output()}`));
    });
  });
  const handle: ServerProcess = {
    url,
    pid: child.pid!,
    exited,
    output,
    kill: async () => {
      if (alive(child)) child.kill('SIGKILL');
      await exited;
    },
    stop: async (timeoutMs = 15_000) => {
      if (alive(child)) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const { code } = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Kills every server process started here that is still running (a test's `afterEach`). */
export async function killServerProcesses(): Promise<void> {
  await Promise.all([...running].map((server) => server.kill()));
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
