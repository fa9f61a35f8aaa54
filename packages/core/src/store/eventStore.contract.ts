import { describe, expect, it } from 'vitest';
import { CairnError } from '../errors/cairnError.js';
import { eventCatalog } from '../domain/catalog.js';
import { entryEvent } from '../testing/eventFactory.js';
import type { EventStore } from './eventStore.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof CairnError ? error.code : `not a CairnError: ${String(error)}`;
  }
  return undefined;
}

/**
 * The event store contract. Every implementation runs these cases; they are numbered so that a failure
 * names the rule it breaks.
 */
export function eventStoreContract(name: string, makeStore: () => EventStore): void {
  describe(`event store contract: ${name}`, () => {
    it('1. a new stream starts at version 1 and positions start at 1', () => {
      const store = makeStore();
      const { events, duplicate } = store.append([entryEvent('a', 1), entryEvent('a', 2)]);
      expect(duplicate).toBe(false);
      expect(events.map((e) => [e.version, e.position])).toEqual([
        [1, 1],
        [2, 2],
      ]);
      expect(store.streamVersion('a')).toBe(2);
      expect(store.head()).toBe(2);
    });

    it('2. positions are global across aggregates and have no gaps', () => {
      const store = makeStore();
      store.append([entryEvent('a', 1)]);
      store.append([entryEvent('b', 1), entryEvent('a', 2)]);
      store.append([entryEvent('b', 2)]);
      expect(store.readAll().map((e) => `${e.aggregateId}${e.version}@${e.position}`)).toEqual(['a1@1', 'b1@2', 'a2@3', 'b2@4']);
    });

    it('3. a stale or skipping version is a ConcurrencyError and stores nothing', () => {
      const store = makeStore();
      store.append([entryEvent('a', 1), entryEvent('a', 2)]);
      expect(codeOf(() => store.append([entryEvent('a', 2)]))).toBe('concurrency');
      expect(codeOf(() => store.append([entryEvent('a', 4)]))).toBe('concurrency');
      expect(codeOf(() => store.append([entryEvent('b', 2)]))).toBe('concurrency');
      expect(codeOf(() => store.append([entryEvent('c', 1), entryEvent('a', 1)]))).toBe('concurrency');
      expect(store.head()).toBe(2);
      expect(store.streamVersion('c')).toBe(0);
    });

    it('4. appending the same batch again is a no-op that returns the stored events', () => {
      const store = makeStore();
      const batch = [entryEvent('a', 1), entryEvent('a', 2)];
      const first = store.append(batch);
      const second = store.append(batch);
      expect(second.duplicate).toBe(true);
      expect(second.events.map((e) => e.position)).toEqual(first.events.map((e) => e.position));
      expect(store.head()).toBe(2);
    });

    it('5. an event id reused for a different event is a conflict', () => {
      const store = makeStore();
      const original = entryEvent('a', 1);
      store.append([original]);
      expect(codeOf(() => store.append([{ ...entryEvent('b', 1), eventId: original.eventId }]))).toBe('conflict');
      expect(store.head()).toBe(1);
    });

    it('6. a batch that is partly stored already is refused whole', () => {
      const store = makeStore();
      const stored = entryEvent('a', 1);
      store.append([stored]);
      expect(codeOf(() => store.append([stored, entryEvent('a', 2)]))).toBe('conflict');
      expect(codeOf(() => store.append([entryEvent('a', 2), { ...stored, version: 3 }]))).toBe('conflict');
      expect(store.head()).toBe(1);
    });

    it('7. one invalid event rejects its whole batch', () => {
      const store = makeStore();
      expect(codeOf(() => store.append([entryEvent('a', 1), entryEvent('b', 1, 'EntryCreated', { title: 42 })]))).toBe('validation');
      expect(codeOf(() => store.append([entryEvent('a', 1), entryEvent('b', 1, 'NoSuchEvent', {})]))).toBe('validation');
      expect(codeOf(() => store.append([entryEvent('a', 1), entryEvent('a', 3)]))).toBe('validation');
      expect(store.head()).toBe(0);
    });

    it('8. an event from a newer schema than this build knows is refused', () => {
      const store = makeStore();
      expect(codeOf(() => store.append([entryEvent('a', 1, 'EntryCreated', undefined, { schemaVersion: 99 })]))).toBe('validation');
      expect(store.head()).toBe(0);
    });

    it('9. old events are upcast when read, and stay as written', () => {
      const store = makeStore();
      store.append([entryEvent('a', 1, 'EntryCreated', { title: 'old', body: 'b', tags: ['x'] }, { schemaVersion: 1 })]);
      const [read] = store.readStream('a');
      expect(read?.schemaVersion).toBe(eventCatalog.currentVersion('EntryCreated'));
      expect(read?.data).toEqual({ kind: 'note', title: 'old', body: 'b', tags: ['x'], attributes: {} });
      expect(store.readAll()[0]?.data).toEqual(read?.data);
    });

    it('10. streams read by version range, the log by position with a limit', () => {
      const store = makeStore();
      store.append([entryEvent('a', 1), entryEvent('a', 2), entryEvent('a', 3)]);
      store.append([entryEvent('b', 1)]);
      expect(store.readStream('a', { fromVersion: 2 }).map((e) => e.version)).toEqual([2, 3]);
      expect(store.readStream('a', { toVersion: 2 }).map((e) => e.version)).toEqual([1, 2]);
      expect(store.readStream('nobody')).toEqual([]);
      expect(store.readAll({ after: 1, limit: 2 }).map((e) => e.position)).toEqual([2, 3]);
      expect(store.readAll({ after: 4 })).toEqual([]);
    });

    it('11. events read back equal the events appended', () => {
      const store = makeStore();
      const event = entryEvent('a', 1, 'EntryCreated', { kind: 'note', title: '数据同步 sync', body: 'x\n"y"', tags: ['t'], attributes: { n: 1, nested: { z: [null] } } });
      store.append([event]);
      expect(store.readAll()[0]).toEqual({ ...event, position: 1 });
    });
  });
}
