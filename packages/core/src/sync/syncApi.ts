import { z } from 'zod';
import { workspaceIdSchema, type Workspace } from '../protocol/index.js';
import type { SyncReport } from './syncClient.js';
import type { SyncOverview, SyncService } from './syncService.js';

/** The sync part of the engine API contract (merged into engineApiSchemas). */
export const syncApiSchemas = {
  syncStatus: z.object({}).strict(),
  syncLogin: z
    .object({
      server: z.string().min(1).max(2_000),
      username: z.string().min(1).max(254),
      password: z.string().min(1).max(1_024),
      invitation: z.string().min(1).max(200).optional(),
      /** Create the account first (a server whose sign-up is open). */
      signup: z.boolean().optional(),
    })
    .strict(),
  syncWorkspaces: z.object({}).strict(),
  syncLink: z.object({ workspace: workspaceIdSchema, create: z.string().max(200).optional() }).strict(),
  syncNow: z.object({}).strict(),
  syncLogout: z.object({}).strict(),
  syncUnlink: z.object({}).strict(),
  /** A document's original, downloaded from the workspace when it is not on this device. */
  fetchOriginal: z.object({ id: z.string().min(1).max(200) }).strict(),
} as const;

export interface SyncApiResults {
  syncStatus: SyncOverview;
  syncLogin: { username: string; workspaces: Workspace[] };
  syncWorkspaces: { workspaces: Workspace[] };
  syncLink: SyncReport & { status: SyncOverview };
  syncNow: SyncReport & { status: SyncOverview };
  syncLogout: SyncOverview;
  syncUnlink: SyncOverview;
  fetchOriginal: { id: string; sha256: string; size: number; fetched: boolean };
}

type Params<K extends keyof typeof syncApiSchemas> = z.output<(typeof syncApiSchemas)[K]>;
type Handlers = { [K in keyof SyncApiResults]: (params: Params<K>) => SyncApiResults[K] | Promise<SyncApiResults[K]> };

/** The local implementation of the sync methods. */
export function syncHandlers(sync: SyncService): Handlers {
  return {
    syncStatus: () => sync.overview(),
    syncLogin: (p) => sync.login(p),
    syncWorkspaces: async () => ({ workspaces: await sync.workspaces() }),
    syncLink: async (p) => ({ ...(await sync.link(p)), status: sync.overview() }),
    syncNow: async () => ({ ...(await sync.syncNow()), status: sync.overview() }),
    syncLogout: async () => {
      await sync.logout();
      return sync.overview();
    },
    syncUnlink: async () => {
      await sync.unlink();
      return sync.overview();
    },
    fetchOriginal: ({ id }) => sync.fetchOriginal(id),
  };
}
