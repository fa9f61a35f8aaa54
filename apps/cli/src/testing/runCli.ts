import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliBin = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (throws when it is not). */
  json<T = unknown>(): T;
}

/** Runs the real `cairn` binary (the built one, as a user would) and captures what it prints. */
export function runCli(args: readonly string[], options: SpawnSyncOptions & { input?: string | Buffer } = {}): CliRun {
  const result = spawnSync(process.execPath, [cliBin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CAIRN_DATA_DIR: '' },
    ...options,
  });
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  return { code: result.status, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

/**
 * Runs the binary without blocking this process, for tests whose server runs in the same process (spawnSync would
 * stop it from answering).
 */
export function runCliAsync(args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { env: { ...process.env, NO_COLOR: '1', CAIRN_DATA_DIR: '', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }));
    child.stdin.end(options.input ?? '');
  });
}
