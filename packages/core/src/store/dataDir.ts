import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The platform's app-data folder for Cairn (the desktop app and the CLI share it). */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Cairn');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Cairn');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'cairn');
}

/** `--data DIR`, else `CAIRN_DATA_DIR`, else the platform default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  if (env.CAIRN_DATA_DIR) return resolve(env.CAIRN_DATA_DIR);
  return defaultDataDir(process.platform, env);
}
