import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CairnError } from '@cairn/core/domain';

const LOCK = 'cairn-sync-server.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded database is one process's: a second process opening the same folder would corrupt it. The server
 * and the admin commands each hold this lock while they have it open; a stale lock (its process gone) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK);
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && alive(holder)) {
    throw new CairnError('busy', `the embedded database in ${dataDir} is open in process ${holder} (a running server?): stop it first, or run the server on Postgres (DATABASE_URL) to administer it while it runs`);
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}
