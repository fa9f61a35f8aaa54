import { ConflictError, NotFoundError, ValidationError } from '../../errors/cairnError.js';
import { jsonEqual, type JsonObject } from '../shared/json.js';
import type { EntryCommand, EntryDecisionInput, UpdateEntry } from './commands.js';
import type { EntryEvent, EntryFieldChanges, EntryRevertedData, TagChanges } from './events.js';
import { linkKey, resolveLinks, rewriteLinks } from './links.js';
import { normalizeAttributes, normalizeBody, normalizeTags, normalizeTitle } from './normalize.js';
import type { EntryState } from './state.js';

/**
 * Pure decision: the events a command produces against the current state, or an error.
 * An empty list means the command changes nothing (e.g. an update to identical values).
 */
export function decideEntry(command: EntryCommand, state: EntryState, input: EntryDecisionInput = {}): EntryEvent[] {
  switch (command.type) {
    case 'CreateEntry': {
      if (state.exists) throw new ConflictError(`entry ${command.entryId} already exists`, { entryId: command.entryId });
      const body = normalizeBody(command.body ?? '');
      const links = resolveLinks(body, {}, input.linkTargets ?? {});
      return [
        {
          type: 'EntryCreated',
          data: {
            kind: command.kind ?? 'note',
            title: normalizeTitle(command.title),
            body,
            tags: normalizeTags(command.tags ?? []),
            attributes: normalizeAttributes(command.attributes ?? {}),
            ...(Object.keys(links).length > 0 && { links }),
          },
        },
      ];
    }
    case 'UpdateEntry': {
      requireLive(state, command.entryId, 'edit');
      const written = command.body === undefined ? undefined : linkedBody(normalizeBody(command.body), state, input);
      const changes = updateChanges(written ? { ...command, body: written.body } : command, state);
      if (Object.keys(changes).length === 0) return [];
      const links = changes.body !== undefined && written && Object.keys(written.links).length > 0 ? { links: written.links } : {};
      return [{ type: 'EntryUpdated', data: changes.tags ? { changes, tagChanges: tagDelta(state.tags, changes.tags), ...links } : { changes, ...links } }];
    }
    case 'DeleteEntry':
      requireExisting(state, command.entryId);
      if (state.deleted) throw new ConflictError(`entry ${command.entryId} is already deleted`, { entryId: command.entryId });
      return [{ type: 'EntryDeleted', data: {} }];
    case 'RestoreEntry':
      requireExisting(state, command.entryId);
      if (!state.deleted) throw new ConflictError(`entry ${command.entryId} is not deleted`, { entryId: command.entryId });
      return [{ type: 'EntryRestored', data: {} }];
    case 'RevertEntry': {
      requireExisting(state, command.entryId);
      const { toVersion } = command;
      if (!Number.isInteger(toVersion) || toVersion < 1 || toVersion > state.version) {
        throw new ValidationError(`entry ${command.entryId} has versions 1 to ${state.version}; there is no version ${toVersion}`, {
          entryId: command.entryId,
          toVersion,
          latestVersion: state.version,
        });
      }
      const target = input.stateAtTarget;
      if (!target || target.version !== toVersion) {
        throw new ValidationError(`the state of entry ${command.entryId} at version ${toVersion} was not supplied`);
      }
      const changes: EntryRevertedData['changes'] = diffFields(state, target);
      if (target.deleted !== state.deleted) changes.deleted = target.deleted;
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'EntryReverted', data: changes.tags ? { toVersion, changes, tagChanges: tagDelta(state.tags, changes.tags) } : { toVersion, changes } }];
    }
    default:
      return assertNever(command);
  }
}

/**
 * A new body with its links: `[[Old]]` rewritten to `[[New]]` where the entry it links to was renamed, and the ids its
 * links resolve to (those it had, then those the titles name now).
 */
function linkedBody(body: string, state: EntryState, input: EntryDecisionInput): { body: string; links: Record<string, string> } {
  const titles = input.targetTitles ?? {};
  const renamed = new Map<string, string>();
  const kept: Record<string, string> = {};
  for (const [key, id] of Object.entries(state.links)) {
    const title = titles[id];
    if (title !== undefined && linkKey(title) !== key && !/[[\]|\n]/u.test(title)) {
      renamed.set(key, title);
      kept[linkKey(title)] ??= id;
    } else kept[key] ??= id;
  }
  const rewritten = rewriteLinks(body, renamed);
  return { body: rewritten, links: resolveLinks(rewritten, kept, input.linkTargets ?? {}) };
}

function requireExisting(state: EntryState, entryId: string): void {
  if (!state.exists) throw new NotFoundError(`no entry with id ${entryId}`, { entryId });
}

function requireLive(state: EntryState, entryId: string, action: string): void {
  requireExisting(state, entryId);
  if (state.deleted) throw new ConflictError(`entry ${entryId} is deleted; restore it before you ${action} it`, { entryId });
}

function updateChanges(command: UpdateEntry, state: EntryState): EntryFieldChanges {
  const wanted: EntryFieldChanges = {};
  if (command.title !== undefined) wanted.title = normalizeTitle(command.title);
  if (command.body !== undefined) wanted.body = normalizeBody(command.body);
  if (command.tags !== undefined || command.addTags !== undefined || command.removeTags !== undefined) {
    const base = command.tags !== undefined ? normalizeTags(command.tags) : state.tags;
    const removed = new Set(normalizeTags(command.removeTags ?? []));
    wanted.tags = normalizeTags([...base, ...(command.addTags ?? [])]).filter((tag) => !removed.has(tag));
  }
  if (command.setAttributes !== undefined) {
    const merged: JsonObject = { ...state.attributes, ...command.setAttributes };
    wanted.attributes = normalizeAttributes(merged);
  }
  return diffFields(state, wanted);
}

/** The fields of `wanted` whose values differ from `state`. */
function diffFields(state: EntryState, wanted: Readonly<Omit<EntryFieldChanges, 'tags'>> & { readonly tags?: readonly string[] | undefined }): EntryFieldChanges {
  const changes: EntryFieldChanges = {};
  if (wanted.title !== undefined && wanted.title !== state.title) changes.title = wanted.title;
  if (wanted.body !== undefined && wanted.body !== state.body) changes.body = wanted.body;
  if (wanted.tags !== undefined && !jsonEqual(wanted.tags, state.tags)) changes.tags = [...wanted.tags];
  if (wanted.attributes !== undefined && !jsonEqual(wanted.attributes, state.attributes)) changes.attributes = wanted.attributes;
  return changes;
}

/** The tags added and removed between two sorted sets. */
function tagDelta(before: readonly string[], after: readonly string[]): TagChanges {
  const had = new Set(before);
  const has = new Set(after);
  return { added: after.filter((tag) => !had.has(tag)), removed: before.filter((tag) => !has.has(tag)) };
}

function assertNever(value: never): never {
  throw new ValidationError(`unknown command ${JSON.stringify(value)}`);
}
