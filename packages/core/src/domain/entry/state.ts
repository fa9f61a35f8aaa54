import type { DocumentState } from '../document/state.js';
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
  /** The body's `[[Title]]` links that resolved to an entry: link key → entry id (links.ts). */
  readonly links: Readonly<Record<string, string>>;
  /** The imported file and its processing, for entries created by DocumentImported; null otherwise. */
  readonly document: DocumentState | null;
}

export function initialEntryState(id: string): EntryState {
  return { id, version: 0, exists: false, kind: 'note', title: '', body: '', tags: [], attributes: {}, deleted: false, links: {}, document: null };
}
