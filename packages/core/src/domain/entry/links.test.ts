import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/deciderSpec.js';
import type { EntryCommand, EntryDecisionInput } from './commands.js';
import { decideEntry } from './decide.js';
import type { EntryEvent } from './events.js';
import { evolveEntry } from './evolve.js';
import { entryEventTypes } from './eventTypes.js';
import { linkKey, parseLinks, rewriteLinks } from './links.js';
import { initialEntryState } from './state.js';

const id = '0190f5e2-0000-7000-8000-000000000001';
const other = '0190f5e2-0000-7000-8000-0000000000aa';
const third = '0190f5e2-0000-7000-8000-0000000000bb';
const spec = deciderSpec<ReturnType<typeof initialEntryState>, EntryCommand, EntryEvent, EntryDecisionInput>({
  decide: decideEntry,
  evolve: evolveEntry,
  initialState: () => initialEntryState(id),
});
const created = (body: string, links?: Record<string, string>): EntryEvent => ({
  type: 'EntryCreated',
  data: { kind: 'note', title: 'Source', body, tags: [], attributes: {}, ...(links && { links }) },
});

describe('parseLinks', () => {
  it('finds [[Title]] and [[Title|label]] with offsets, in English and Chinese, and not inside code', () => {
    const body = 'See [[Other note]] and [[数据同步|同步]].\n`[[not a link]]`\n```\n[[nor this]]\n```\nEnd [[ Spaced   Title ]]';
    const links = parseLinks(body);
    expect(links.map(({ title, key, label }) => ({ title, key, label }))).toEqual([
      { title: 'Other note', key: 'other note', label: null },
      { title: '数据同步', key: '数据同步', label: '同步' },
      { title: 'Spaced   Title', key: 'spaced title', label: null },
    ]);
    for (const link of links) expect(body.slice(link.start, link.end)).toMatch(/^\[\[.*\]\]$/u);
    expect(parseLinks('[[]] [[a\nb]] [[x[y]]')).toEqual([]);
  });

  it('compares titles without case, width of spaces or Unicode form', () => {
    expect(linkKey('  Café   Notes ')).toBe(linkKey('cafe\u0301 notes'));
  });

  it('rewrites links to renamed titles and keeps their labels', () => {
    expect(rewriteLinks('a [[Old]] b [[old|my label]] c [[Other]]', new Map([['old', 'New name']]))).toBe('a [[New name]] b [[New name|my label]] c [[Other]]');
  });
});

describe('links in entry events', () => {
  it('a new note records the ids of the titles it links that name an entry', () => {
    spec
      .given([])
      .when({ type: 'CreateEntry', entryId: id, title: 'Source', body: 'see [[Other]] and [[Nowhere]]' }, { linkTargets: { other: other } })
      .then([created('see [[Other]] and [[Nowhere]]', { other })]);
  });

  it('an edit keeps a link’s id while its title stays in the body, even when the title now names another entry', () => {
    spec
      .given([created('see [[Other]]', { other })])
      .when({ type: 'UpdateEntry', entryId: id, body: 'see [[Other]] and [[Third]]' }, { linkTargets: { other: third, third } })
      .then([{ type: 'EntryUpdated', data: { changes: { body: 'see [[Other]] and [[Third]]' }, links: { other, third } } }]);
  });

  it('an edit after the target was renamed rewrites [[Old]] to [[New]] and keeps the id', () => {
    spec
      .given([created('see [[Other]] and [[Other|that one]]', { other })])
      .when({ type: 'UpdateEntry', entryId: id, body: 'see [[Other]] and [[Other|that one]]!' }, { targetTitles: { [other]: 'Renamed' } })
      .then([{ type: 'EntryUpdated', data: { changes: { body: 'see [[Renamed]] and [[Renamed|that one]]!' }, links: { renamed: other } } }]);
  });

  it('a removed link loses its id: written again later, it is resolved again', () => {
    const state = [created('see [[Other]]', { other }), { type: 'EntryUpdated', data: { changes: { body: 'nothing' } } } as EntryEvent].reduce(evolveEntry, initialEntryState(id));
    expect(state.links).toEqual({});
    spec
      .given([created('see [[Other]]', { other }), { type: 'EntryUpdated', data: { changes: { body: 'nothing' } } }])
      .when({ type: 'UpdateEntry', entryId: id, body: 'again [[Other]]' }, { linkTargets: { other: third } })
      .then([{ type: 'EntryUpdated', data: { changes: { body: 'again [[Other]]' }, links: { other: third } } }]);
  });

  it('old events without links still read: version 2 data upcasts to version 3 and folds with no resolved links', () => {
    const created = entryEventTypes.EntryCreated!;
    const v2 = { kind: 'note', title: 'Old', body: 'see [[Other]]', tags: [], attributes: {} };
    let data: unknown = v2;
    for (let v = 2; v < created.version; v++) data = created.upcasters[v]!(data);
    expect(created.schema.parse(data)).toEqual(v2);
    const updated = entryEventTypes.EntryUpdated!;
    expect(updated.schema.parse(updated.upcasters[2]!({ changes: { body: 'x [[A]]' } }))).toEqual({ changes: { body: 'x [[A]]' } });
    const state = evolveEntry(initialEntryState(id), { type: 'EntryCreated', data: v2 } as EntryEvent);
    expect(state.links).toEqual({});
  });
});
