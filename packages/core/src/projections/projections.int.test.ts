import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EntryCommand } from '../domain/entry/commands.js';
import { Engine } from '../engine/engine.js';
import { CairnError } from '../errors/cairnError.js';
import { makeTempDir } from '../testing/tempDir.js';

const tmp = makeTempDir('cairn-proj-');
afterAll(() => tmp.remove());
let run = 0;

const ids = Array.from({ length: 4 }, (_, i) => `0190f5e2-0000-7000-8000-00000000000${i}`);
const tag = fc.constantFrom('a', 'b', 'c', 'Ünï', '数据');
const commandArb: fc.Arbitrary<EntryCommand> = fc.oneof(
  fc.record({ type: fc.constant('CreateEntry' as const), entryId: fc.constantFrom(...ids), title: fc.string({ minLength: 1, maxLength: 20 }), tags: fc.array(tag, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('UpdateEntry' as const), entryId: fc.constantFrom(...ids), body: fc.string({ maxLength: 40 }), addTags: fc.array(tag, { maxLength: 2 }), removeTags: fc.array(tag, { maxLength: 2 }) }),
  fc.record({ type: fc.constant('UpdateEntry' as const), entryId: fc.constantFrom(...ids), title: fc.string({ minLength: 1, maxLength: 20 }) }),
  fc.record({ type: fc.constant('DeleteEntry' as const), entryId: fc.constantFrom(...ids) }),
  fc.record({ type: fc.constant('RestoreEntry' as const), entryId: fc.constantFrom(...ids) }),
  fc.record({ type: fc.constant('RevertEntry' as const), entryId: fc.constantFrom(...ids), toVersion: fc.integer({ min: 1, max: 6 }) }),
);

describe('read models', () => {
  it('for any sequence of commands, the live read models equal a rebuild, and tag counts match the entries', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 40 }), (commands) => {
        const engine = Engine.open({ dataDir: join(tmp.path, `run-${run++}`), autoCatchUp: false, snapshotEvery: 3 });
        try {
          for (const command of commands) {
            try {
              engine.execute(command);
            } catch (error) {
              if (!(error instanceof CairnError)) throw error; // refused commands are fine; crashes are not
            }
          }
          const tags = engine.tags();
          const expected = new Map<string, number>();
          for (const entry of engine.listEntries({ limit: 100 }).entries) for (const t of entry.tags) expected.set(t, (expected.get(t) ?? 0) + 1);
          expect(Object.fromEntries(tags.map((t) => [t.tag, t.count]))).toEqual(Object.fromEntries(expected));
          for (const id of ids) {
            try {
              const view = engine.getEntry(id);
              expect(engine.getEntry(id, view.version)).toEqual(view); // the fold equals the read model
            } catch (error) {
              expect((error as CairnError).code).toBe('not_found');
            }
          }
          const live = engine.digest();
          expect(engine.rebuild().digest).toBe(live);
        } finally {
          engine.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('read models brought up to date at different times (tag counts first, the search index later) each take every event once', async () => {
    const engine = Engine.open({ dataDir: join(tmp.path, `run-${run++}`), autoCatchUp: false });
    try {
      for (const id of ids) engine.execute({ type: 'CreateEntry', entryId: id, title: `Note ${id.slice(-1)}`, body: 'first draft', tags: ['a'] });
      expect(engine.tags()).toEqual([{ tag: 'a', count: 4 }]); // tag counts caught up, the other read models not
      engine.execute({ type: 'UpdateEntry', entryId: ids[0]!, addTags: ['b'], body: 'second draft mentions quokka' });
      engine.execute({ type: 'DeleteEntry', entryId: ids[1]! });
      expect((await engine.search.search({ query: 'quokka', mode: 'lexical' })).results.map((r) => r.entryId)).toEqual([ids[0]]);
      engine.execute({ type: 'UpdateEntry', entryId: ids[2]!, addTags: ['b'] });
      expect(engine.tags()).toEqual([
        { tag: 'a', count: 3 },
        { tag: 'b', count: 2 },
      ]);
      const live = engine.digest();
      expect(engine.rebuild().digest).toBe(live);
    } finally {
      engine.close();
    }
  });
});
