import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideEntry } from '../entry/decide.js';
import type { EntryEvent } from '../entry/events.js';
import { evolveEntry } from '../entry/evolve.js';
import { initialEntryState } from '../entry/state.js';
import { encodeHlc } from '../shared/hlc.js';
import { mergeEntryStream, toMergeEvents, type StreamEventInput } from './mergeEntry.js';

const id = '0190f5e2-0000-7000-8000-000000000001';
const A = 'aaaaaaaa-0000-7000-8000-000000000000';
const B = 'bbbbbbbb-0000-7000-8000-000000000000';

let counter = 0;
/** One stored event: who wrote it, at which wall time, having received which event from the server. */
function ev(event: EntryEvent, device: string, wallMs: number, baseEventId: string | null): StreamEventInput & { eventId: string } {
  counter += 1;
  return { eventId: `e${counter}`, type: event.type, data: event.data, metadata: { deviceId: device, hlc: encodeHlc({ wallMs, counter: 0, node: device }), baseEventId } };
}
const merge = (stream: readonly StreamEventInput[]) => mergeEntryStream(id, toMergeEvents(stream));

const created = (body = 'line 1\nline 2\nline 3', tags: string[] = ['a']): EntryEvent => ({
  type: 'EntryCreated',
  data: { kind: 'note', title: 'T', body, tags, attributes: {} },
});
const update = (changes: Record<string, unknown>, tagChanges?: { added: string[]; removed: string[] }): EntryEvent =>
  ({ type: 'EntryUpdated', data: tagChanges ? { changes, tagChanges } : { changes } });

describe('mergeEntryStream', () => {
  it('folds one device history exactly like evolveEntry', () => {
    const commands = fc.oneof(
      fc.record({ type: fc.constant('UpdateEntry' as const), title: fc.constantFrom('x', 'y', 'z') }),
      fc.record({ type: fc.constant('UpdateEntry' as const), body: fc.constantFrom('', 'a\nb', 'b\nc\n') }),
      fc.record({ type: fc.constant('UpdateEntry' as const), addTags: fc.array(fc.constantFrom('p', 'q', 'r')), removeTags: fc.array(fc.constantFrom('p', 'q')) }),
      fc.record({ type: fc.constantFrom('DeleteEntry' as const, 'RestoreEntry' as const) }),
    );
    fc.assert(
      fc.property(fc.array(commands, { maxLength: 20 }), (list) => {
        let state = evolveEntry(initialEntryState(id), created());
        const stream = [ev(created(), A, 1, null)];
        list.forEach((command, i) => {
          let events: EntryEvent[];
          try {
            events = decideEntry({ ...command, entryId: id }, state);
          } catch {
            return; // refused by the decider (e.g. editing a deleted entry)
          }
          for (const event of events) {
            state = evolveEntry(state, event);
            stream.push(ev(event, A, 2 + i, null));
          }
        });
        expect(merge(stream).state.entry).toEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  it('concurrent title edits: the later clock wins, whichever the server stored first', () => {
    const c = ev(created(), A, 1, null);
    const byA = ev(update({ title: 'from A' }), A, 20, null);
    const byB = ev(update({ title: 'from B' }), B, 10, c.eventId);
    expect(merge([c, byA, byB]).state.entry.title).toBe('from A');
    expect(merge([c, byB, byA]).state.entry.title).toBe('from A');
  });

  it('an edit made after seeing another wins even with an older clock', () => {
    const c = ev(created(), A, 1, null);
    const byA = ev(update({ title: 'from A' }), A, 50, null);
    // B's clock is behind, but B had received A's edit.
    const byB = ev(update({ title: 'from B' }), B, 10, byA.eventId);
    expect(merge([c, byA, byB]).state.entry.title).toBe('from B');
  });

  it('a tag added on one device and another removed on a second both take effect', () => {
    const c = ev(created('x', ['keep', 'old']), A, 1, null);
    const add = ev(update({ tags: ['keep', 'new', 'old'] }, { added: ['new'], removed: [] }), A, 5, null);
    const remove = ev(update({ tags: ['keep'] }, { added: [], removed: ['old'] }), B, 6, c.eventId);
    expect(merge([c, add, remove]).state.entry.tags).toEqual(['keep', 'new']);
    expect(merge([c, remove, add]).state.entry.tags).toEqual(['keep', 'new']);
  });

  it('merges concurrent body edits of different lines', () => {
    const c = ev(created('line 1\nline 2\nline 3'), A, 1, null);
    const byA = ev(update({ body: 'LINE 1\nline 2\nline 3' }), A, 5, null);
    const byB = ev(update({ body: 'line 1\nline 2\nline 3\nline 4' }), B, 6, c.eventId);
    for (const stream of [
      [c, byA, byB],
      [c, byB, byA],
    ]) {
      const result = merge(stream);
      expect(result.state.entry.body).toBe('LINE 1\nline 2\nline 3\nline 4');
      expect(result.conflicts).toEqual([]);
      expect(result.concurrent).toHaveLength(1);
    }
  });

  it('keeps both texts of a clash between markers and reports it', () => {
    const c = ev(created('meet on monday'), A, 1, null);
    const byA = ev(update({ body: 'meet on tuesday' }), A, 5, null);
    const byB = ev(update({ body: 'meet on friday' }), B, 6, c.eventId);
    const result = merge([c, byA, byB]);
    expect(result.state.entry.body).toContain('meet on tuesday');
    expect(result.state.entry.body).toContain('meet on friday');
    expect(result.state.entry.body).toMatch(/^<<<<<<< /);
    expect(result.conflicts).toEqual([byB.eventId]);
  });

  it('names each side of a clash by its device, also for devices whose ids begin alike (UUIDv7 set up together)', () => {
    const laptop = '019ae0b2-4c11-7a3e-9d2f-5b8c1e7f3a64';
    const desktop = '019ae0b2-4c11-7f01-a6b4-0d93c2e8b1f5';
    const c = ev(created('meet on monday'), laptop, 1, null);
    const byLaptop = ev(update({ body: 'meet on tuesday' }), laptop, 5, null);
    const byDesktop = ev(update({ body: 'meet on friday' }), desktop, 6, c.eventId);
    const lines = merge([c, byLaptop, byDesktop]).state.entry.body.split('\n');
    expect(lines[0]).toMatch(/^<<<<<<< edit of \S+ on device 1e7f3a64$/);
    expect(lines.at(-1)).toMatch(/^>>>>>>> edit of \S+ on device c2e8b1f5$/);
  });

  it('keeps the other device edit when the author edits twice before syncing', () => {
    // A edits twice offline; B's edit reached the server between them. A's second edit was made on A's own text,
    // so merging it against the merged text would drop B's line: it must be merged against what A saw.
    const c = ev(created('one\ntwo\nthree'), A, 1, null);
    const byB = ev(update({ body: 'one\ntwo\nthree\nfrom B' }), B, 3, c.eventId);
    const a1 = ev(update({ body: 'ONE\ntwo\nthree' }), A, 4, c.eventId);
    const a2 = ev(update({ body: 'ONE\nTWO\nthree' }), A, 5, c.eventId);
    const result = merge([c, byB, a1, a2]);
    expect(result.state.entry.body).toBe('ONE\nTWO\nthree\nfrom B');
    expect(result.conflicts).toEqual([]);
  });

  it('an edit after pulling the merge replaces the body without merging again', () => {
    const c = ev(created('one\ntwo'), A, 1, null);
    const byA = ev(update({ body: 'ONE\ntwo' }), A, 4, null);
    const byB = ev(update({ body: 'one\ntwo\nthree' }), B, 3, c.eventId);
    const after = ev(update({ body: 'ONE\ntwo\nthree\nfour' }), B, 9, byA.eventId);
    const result = merge([c, byB, byA, after]);
    expect(result.state.entry.body).toBe('ONE\ntwo\nthree\nfour');
    expect(result.concurrent).toEqual([byA.eventId]);
  });

  it('a delete concurrent with an edit keeps the edit; restoring brings it back with the edit', () => {
    const c = ev(created('body'), A, 1, null);
    const del = ev({ type: 'EntryDeleted', data: {} }, A, 5, null);
    const edit = ev(update({ title: 'edited' }), B, 6, c.eventId);
    const restore = ev({ type: 'EntryRestored', data: {} }, A, 9, edit.eventId);
    const deleted = merge([c, del, edit]).state.entry;
    expect(deleted).toMatchObject({ deleted: true, title: 'edited' });
    expect(merge([c, del, edit, restore]).state.entry).toMatchObject({ deleted: false, title: 'edited' });
  });

  it('every device computes the same state from the same stream', () => {
    const c = ev(created('a\nb\nc'), A, 1, null);
    const stream = [c, ev(update({ body: 'a\nB\nc' }), A, 3, null), ev(update({ body: 'x\na\nb\nc' }), B, 2, c.eventId), ev(update({ title: 'n' }), B, 4, c.eventId)];
    const first = merge(stream);
    const copy = merge(JSON.parse(JSON.stringify(stream)) as StreamEventInput[]);
    expect(copy).toEqual(first);
    expect(JSON.parse(JSON.stringify(first.state))).toEqual(first.state);
  });
});

describe('links when two devices edit the body concurrently', () => {
  const x = '0190f5e2-0000-7000-8000-0000000000a1';
  const y = '0190f5e2-0000-7000-8000-0000000000b2';
  const linked = (body: string, links: Record<string, string>): EntryEvent => ({ type: 'EntryUpdated', data: { changes: { body }, links } });

  it('keeps the links both wrote (union), whichever the server stored first', () => {
    const c = ev(created('line 1\nline 2\nline 3'), A, 1, null);
    const byA = ev(linked('see [[X]]\nline 2\nline 3', { x }), A, 5, null);
    const byB = ev(linked('line 1\nline 2\nline 3\nsee [[Y]]', { y }), B, 6, c.eventId);
    for (const order of [[c, byA, byB], [c, byB, { ...byA, metadata: { ...byA.metadata, baseEventId: c.eventId } }]]) {
      const { entry } = merge(order).state;
      expect(entry.body).toBe('see [[X]]\nline 2\nline 3\nsee [[Y]]');
      expect(entry.links).toEqual({ x, y });
    }
  });

  it('on a clash over one title the later clock wins, on every order', () => {
    const c = ev(created('line 1\nline 2'), A, 1, null);
    const byA = ev(linked('[[Z]]\nline 2', { z: x }), A, 5, null);
    const byB = ev(linked('[[Z]]\nline 2', { z: y }), B, 9, c.eventId);
    expect(merge([c, byA, byB]).state.entry.links).toEqual({ z: y });
    expect(merge([c, byB, { ...byA, metadata: { ...byA.metadata, baseEventId: c.eventId } }]).state.entry.links).toEqual({ z: y });
  });

  it('drops a link whose title left the body', () => {
    const c = ev({ type: 'EntryCreated', data: { kind: 'note', title: 'T', body: 'see [[X]]', tags: [], attributes: {}, links: { x } } }, A, 1, null);
    expect(merge([c]).state.entry.links).toEqual({ x });
    expect(merge([c, ev(update({ body: 'see X' }), A, 2, null)]).state.entry.links).toEqual({});
  });
});
