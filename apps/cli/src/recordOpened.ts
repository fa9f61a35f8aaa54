import { DataDirRegistry, type Engine } from '@cairn/core';

/**
 * Adds the data directory to the list `cairn dirs` and the apps show (with the workspace it is linked to). The list is
 * a convenience: when it cannot be written, the command goes on and says so.
 */
export function recordOpened(engine: Engine, registry = new DataDirRegistry()): void {
  try {
    const link = engine.sync.link();
    registry.recordOpened(engine.dataDir, { workspace: link ? { server: link.server, workspace: link.workspace } : null });
  } catch (error) {
    process.stderr.write(`cairn: warning: the list of data directories was not updated: ${(error as Error).message}\n`);
  }
}
