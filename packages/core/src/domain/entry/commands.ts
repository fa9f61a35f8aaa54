import type { JsonValue } from '../shared/json.js';
import type { EntryKind } from './events.js';
import type { EntryState } from './state.js';

export interface CreateEntry {
  readonly type: 'CreateEntry';
  readonly entryId: string;
  readonly kind?: EntryKind;
  readonly title: string;
  readonly body?: string;
  readonly tags?: readonly string[];
  readonly attributes?: Readonly<Record<string, JsonValue>>;
}

export interface UpdateEntry {
  readonly type: 'UpdateEntry';
  readonly entryId: string;
  readonly title?: string;
  readonly body?: string;
  /** Replaces the whole tag set. */
  readonly tags?: readonly string[];
  readonly addTags?: readonly string[];
  readonly removeTags?: readonly string[];
  /** Merged into the attributes; a `null` value removes the key. */
  readonly setAttributes?: Readonly<Record<string, JsonValue>>;
  /**
   * For `[[Title]]` links in the new body whose target the author chose (a completion picked, a mention linked): title
   * → entry id. The handler uses them instead of looking the titles up (when those entries are live).
   */
  readonly linkTo?: Readonly<Record<string, string>>;
}

export interface DeleteEntry {
  readonly type: 'DeleteEntry';
  readonly entryId: string;
}

export interface RestoreEntry {
  readonly type: 'RestoreEntry';
  readonly entryId: string;
}

export interface RevertEntry {
  readonly type: 'RevertEntry';
  readonly entryId: string;
  readonly toVersion: number;
}

export type EntryCommand = CreateEntry | UpdateEntry | DeleteEntry | RestoreEntry | RevertEntry;
export type EntryCommandType = EntryCommand['type'];

/**
 * What a decision may need besides the current state. The command handler supplies it by reading the
 * log; the decider itself never reads anything.
 */
export interface EntryDecisionInput {
  /** For RevertEntry: the entry as it was at `toVersion`. */
  readonly stateAtTarget?: EntryState;
  /**
   * For CreateEntry and UpdateEntry with a body: link key → the id of the live entry whose title it is now, for the
   * `[[Title]]` links of the new body (links.ts). Keys it lacks name no entry.
   */
  readonly linkTargets?: Readonly<Record<string, string>>;
  /** For UpdateEntry with a body: the current title of each entry the entry links to (id → title), to rewrite renamed links. */
  readonly targetTitles?: Readonly<Record<string, string>>;
}
