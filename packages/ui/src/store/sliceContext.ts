import type { EngineClient } from '../engine/engineClient.js';
import type { AppStore } from './state.js';
import type { KeyValueStorage } from './prefs.js';

/** What every slice gets: the engine, the store's set/get, and timers (injectable for tests). */
export interface SliceContext {
  readonly engine: EngineClient;
  readonly set: (partial: Partial<AppStore> | ((state: AppStore) => Partial<AppStore>)) => void;
  readonly get: () => AppStore;
  readonly storage: KeyValueStorage | undefined;
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

/** Parses typed tags ("work, ideas #todo") the way a person means them; the engine normalizes further. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[,\s]+/).map((t) => t.replace(/^#+/, '').trim()).filter((t) => t.length > 0))];
}
