import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
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
