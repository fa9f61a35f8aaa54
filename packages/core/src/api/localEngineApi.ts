import { ValidationError } from '../errors/cairnError.js';
import type { Engine } from '../engine/engine.js';
import { ingestionHandlers, type IngestionSettings } from '../ingest/ingestionApi.js';
import { syncHandlers } from '../sync/syncApi.js';
import { SyncService } from '../sync/syncService.js';
import { DataDirRegistry } from '../store/dataDirRegistry.js';
import { dataDirHandlers, type DataDirSwitcher } from './dataDirApi.js';
import { engineApiSchemas, type EngineApi, type EngineApiMethod, type EngineApiParams, type EngineApiResults } from './engineApi.js';

/** Validates params against the contract, with a message that names the method and the field. */
export function parseParams<M extends EngineApiMethod>(method: M, params: unknown): EngineApiParams<M> {
  const result = engineApiSchemas[method].safeParse(params ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    throw new ValidationError(`invalid parameters for ${method}${where}: ${issue?.message ?? 'malformed'}`, { method });
  }
  return result.data as EngineApiParams<M>;
}

export interface LocalEngineApiOptions {
  readonly ingestion?: IngestionSettings;
  /** The host's sync (the one it runs in the background); default one made for these calls. */
  readonly sync?: SyncService;
  /** The list of known data directories (default: the user's), and how this host switches to another (absent: it cannot). */
  readonly dataDirs?: { readonly registry?: DataDirRegistry; readonly switchTo?: DataDirSwitcher };
}

/** The engine API over an engine in this process. */
export function createLocalEngineApi(engine: Engine, newId: () => string, options: LocalEngineApiOptions = {}): EngineApi {
  const sync = options.sync ?? new SyncService(engine);
  const handlers: { [M in EngineApiMethod]: (p: EngineApiParams<M>) => EngineApiResults[M] | Promise<EngineApiResults[M]> } = {
    createEntry: (p) =>
      engine.submit({
        type: 'CreateEntry',
        entryId: p.id ?? newId(),
        title: p.title,
        ...(p.kind !== undefined && { kind: p.kind }),
        ...(p.body !== undefined && { body: p.body }),
        ...(p.tags !== undefined && { tags: p.tags }),
        ...(p.attributes !== undefined && { attributes: p.attributes }),
      }),
    updateEntry: ({ id, expectedVersion, ...fields }) =>
      engine.submit({ type: 'UpdateEntry', entryId: id, ...fields }, expectedVersion === undefined ? {} : { expectedVersion }),
    deleteEntry: ({ id, expectedVersion }) => engine.submit({ type: 'DeleteEntry', entryId: id }, expectedVersion === undefined ? {} : { expectedVersion }),
    restoreEntry: ({ id, expectedVersion }) => engine.submit({ type: 'RestoreEntry', entryId: id }, expectedVersion === undefined ? {} : { expectedVersion }),
    revertEntry: ({ id, toVersion, expectedVersion }) =>
      engine.submit({ type: 'RevertEntry', entryId: id, toVersion }, expectedVersion === undefined ? {} : { expectedVersion }),
    getEntry: ({ id, version }) => engine.getEntry(id, version),
    listEntries: (p) => engine.listEntries(p),
    history: ({ id }) => engine.history(id),
    summary: ({ id }) => engine.summary(id),
    savedSearches: () => engine.savedSearches.list(),
    saveSearch: ({ id, name, query, mode, tag, kind, type, alerts }) =>
      engine.saveSearch(id ?? newId(), { name, query, mode: mode ?? null, tag: tag ?? null, kind: kind ?? null, type: type ?? null, alerts: alerts ?? false }),
    deleteSavedSearch: ({ id }) => {
      engine.savedSearches.delete(id);
      return { deleted: true as const };
    },
    links: ({ id }) => engine.links(id),
    linkMention: ({ id, from }) => engine.linkMention(id, from),
    nearDuplicates: ({ id, limit }) => engine.nearDuplicates(id, limit),
    duplicates: ({ limit }) => engine.duplicates(limit),
    dismissSuggestion: ({ id, agent, key, undo }) => {
      if (undo) engine.dismissals.undo({ entryId: id, agent, key });
      else engine.dismissSuggestion({ entryId: id, agent, key });
      return { dismissed: !undo };
    },
    ask: (p) => engine.ask.ask(p),
    cancelAsk: ({ askId }) => ({ cancelled: engine.ask.cancel(askId) }),
    askSettings: () => engine.ask.settings(),
    setAskSettings: (p) => engine.ask.setSettings(p),
    related: ({ id, limit }) => engine.related(id, limit),
    suggestTags: ({ id }) => engine.suggestTags(id),
    log: (p) => engine.log(p),
    tags: () => engine.tags(),
    activity: (p) => engine.activity(p),
    status: () => engine.status(),
    rebuild: () => engine.rebuild(),
    digest: () => ({ digest: engine.digest() }),
    ...(ingestionHandlers(engine, newId, options.ingestion) as unknown as Pick<typeof handlers, keyof ReturnType<typeof ingestionHandlers>>),
    search: (p) => engine.search.search(p),
    searchStatus: () => engine.search.status(),
    modelStatus: () => engine.search.modelStatus(),
    downloadModel: (p) => engine.search.downloadModel(p),
    useModel: ({ dir }) => engine.search.useModel(dir),
    embedPending: (p) => engine.search.embedPending(p),
    ...syncHandlers(sync),
    ...dataDirHandlers({ registry: options.dataDirs?.registry ?? new DataDirRegistry(), current: () => engine.dataDir, switchTo: options.dataDirs?.switchTo }),
  };
  // An original imported on another device is downloaded first.
  const exportOriginal = handlers.exportOriginal;
  handlers.exportOriginal = async (p) => {
    await sync.fetchOriginal(p.id);
    return exportOriginal(p);
  };
  const api = { subscribe: (listener: Parameters<EngineApi['subscribe']>[0]) => engine.subscribe(listener) } as EngineApi;
  for (const method of Object.keys(handlers) as EngineApiMethod[]) {
    (api as unknown as Record<string, (params: unknown) => Promise<unknown>>)[method] = (params: unknown) => {
      try {
        const handler = handlers[method] as (p: unknown) => unknown;
        return Promise.resolve(handler(parseParams(method, params)));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
  }
  return api;
}
