import type { JsonObject } from '../shared/json.js';
import type { EntryKind } from './events.js';

export interface EntryState {
  readonly id: string;
  /** 0 before the first event. */
  readonly version: number;
  readonly exists: boolean;
  readonly kind: EntryKind;
  readonly title: string;
  readonly body: string;
  readonly tags: readonly string[];
  readonly attributes: JsonObject;
  readonly deleted: boolean;
}

export function initialEntryState(id: string): EntryState {
  return { id, version: 0, exists: false, kind: 'note', title: '', body: '', tags: [], attributes: {}, deleted: false };
}
