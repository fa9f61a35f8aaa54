import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/deciderSpec.js';
import type { EntryCommand, EntryDecisionInput } from './commands.js';
import { decideEntry } from './decide.js';
import type { EntryEvent } from './events.js';
import { evolveEntry } from './evolve.js';
import { initialEntryState } from './state.js';

const id = '0190f5e2-0000-7000-8000-000000000001';
const spec = deciderSpec<ReturnType<typeof initialEntryState>, EntryCommand, EntryEvent, EntryDecisionInput>({
  decide: decideEntry,
  evolve: evolveEntry,
  initialState: () => initialEntryState(id),
});

const created: EntryEvent = {
  type: 'EntryCreated',
  data: { kind: 'note', title: 'Groceries', body: 'milk', tags: ['home'], attributes: {} },
};

describe('CreateEntry', () => {
  it('creates a note with normalized title and tags', () => {
    spec
      .given([])
      .when({ type: 'CreateEntry', entryId: id, title: '  Groceries\n list ', body: 'milk\r\neggs', tags: ['#Home', 'home', 'Errands'] })
      .then([
        {
          type: 'EntryCreated',
          data: { kind: 'note', title: 'Groceries list', body: 'milk\neggs', tags: ['errands', 'home'], attributes: {} },
        },
      ]);
  });

  it('rejects an empty title', () => {
    spec.given([]).when({ type: 'CreateEntry', entryId: id, title: '   ' }).thenThrows('validation');
  });

  it('rejects a tag with whitespace', () => {
    spec.given([]).when({ type: 'CreateEntry', entryId: id, title: 't', tags: ['two words'] }).thenThrows('validation');
  });

  it('rejects creating an entry twice', () => {
    spec.given([created]).when({ type: 'CreateEntry', entryId: id, title: 'again' }).thenThrows('conflict');
  });
});

describe('UpdateEntry', () => {
  it('records only the fields that change', () => {
    spec
      .given([created])
      .when({ type: 'UpdateEntry', entryId: id, title: 'Groceries', body: 'milk, bread' })
      .then([{ type: 'EntryUpdated', data: { changes: { body: 'milk, bread' } } }]);
  });

  it('adds and removes tags', () => {
    spec
      .given([created])
      .when({ type: 'UpdateEntry', entryId: id, addTags: ['Weekly'], removeTags: ['home'] })
      .then([{ type: 'EntryUpdated', data: { changes: { tags: ['weekly'] }, tagChanges: { added: ['weekly'], removed: ['home'] } } }]);
  });

  it('merges attributes and removes keys set to null', () => {
    spec
      .given([created, { type: 'EntryUpdated', data: { changes: { attributes: { a: 1, b: 'x' } } } }])
      .when({ type: 'UpdateEntry', entryId: id, setAttributes: { b: null, c: [true] } })
      .then([{ type: 'EntryUpdated', data: { changes: { attributes: { a: 1, c: [true] } } } }]);
  });

  it('changes nothing when every value is already so', () => {
    spec.given([created]).when({ type: 'UpdateEntry', entryId: id, title: 'Groceries', tags: ['HOME'] }).thenNothingHappens();
  });

  it('refuses to edit a deleted entry', () => {
    spec.given([created, { type: 'EntryDeleted', data: {} }]).when({ type: 'UpdateEntry', entryId: id, body: 'x' }).thenThrows('conflict');
  });

  it('refuses to edit an entry that does not exist', () => {
    spec.given([]).when({ type: 'UpdateEntry', entryId: id, body: 'x' }).thenThrows('not_found');
  });
});

describe('DeleteEntry and RestoreEntry', () => {
  it('deletes, then restores', () => {
    spec.given([created]).when({ type: 'DeleteEntry', entryId: id }).then([{ type: 'EntryDeleted', data: {} }]);
    spec.given([created, { type: 'EntryDeleted', data: {} }]).when({ type: 'RestoreEntry', entryId: id }).then([{ type: 'EntryRestored', data: {} }]);
  });

  it('refuses to delete twice or restore a live entry', () => {
    spec.given([created, { type: 'EntryDeleted', data: {} }]).when({ type: 'DeleteEntry', entryId: id }).thenThrows('conflict');
    spec.given([created]).when({ type: 'RestoreEntry', entryId: id }).thenThrows('conflict');
  });
});

describe('RevertEntry', () => {
  const history: EntryEvent[] = [
    created,
    { type: 'EntryUpdated', data: { changes: { title: 'Shopping', tags: ['home', 'weekly'] } } },
    { type: 'EntryDeleted', data: {} },
  ];
  const stateAt = (version: number) => history.slice(0, version).reduce(evolveEntry, initialEntryState(id));

  it('brings back every field that differs, including the deleted flag', () => {
    spec
      .given(history)
      .when({ type: 'RevertEntry', entryId: id, toVersion: 1 }, { stateAtTarget: stateAt(1) })
      .then([{ type: 'EntryReverted', data: { toVersion: 1, changes: { title: 'Groceries', tags: ['home'], deleted: false }, tagChanges: { added: [], removed: ['weekly'] } } }]);
  });

  it('reverting to a state equal to the current one changes nothing', () => {
    spec.given(history).when({ type: 'RevertEntry', entryId: id, toVersion: 3 }, { stateAtTarget: stateAt(3) }).thenNothingHappens();
  });

  it('rejects versions the entry never had', () => {
    spec.given(history).when({ type: 'RevertEntry', entryId: id, toVersion: 4 }, { stateAtTarget: stateAt(3) }).thenThrows('validation');
    spec.given(history).when({ type: 'RevertEntry', entryId: id, toVersion: 0 }).thenThrows('validation');
  });

  it('the reverted state equals the target state', () => {
    const events = decideEntry({ type: 'RevertEntry', entryId: id, toVersion: 1 }, stateAt(3), { stateAtTarget: stateAt(1) });
    const after = events.reduce(evolveEntry, stateAt(3));
    const { version: _v1, ...target } = stateAt(1);
    const { version: _v2, ...reverted } = after;
    expect(reverted).toEqual(target);
    expect(after.version).toBe(4);
  });
});
