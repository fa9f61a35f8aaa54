// The timed catch-up against a clock the test turns: a batch is sized to the time left by what events cost lately.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventCatalog } from '../domain/catalog.js';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { openDatabase } from '../store/database.js';
import { SqliteEventStore } from '../store/sqliteEventStore.js';
import { makeTempDir } from '../testing/tempDir.js';
import type { EntryStates, ProjectionDefinition } from './projection.js';
import { ReadModels } from './readModels.js';

const tmp = makeTempDir('cairn-readmodels-');
afterAll(() => tmp.remove());

/** An async subscriber whose every event "takes" `msPerEvent` of the fake clock; it records the batches it got. */
function slowProjection(clock: { now: number }, msPerEvent: number, batches: number[]): ProjectionDefinition {
  return {
    name: 'slow',
    version: 1,
    schema: `CREATE TABLE IF NOT EXISTS slow_seen (position INTEGER PRIMARY KEY)`,
    tables: ['slow_seen'],
    digestQueries: [`SELECT position FROM slow_seen ORDER BY position`],
    createHandler(db) {
      const insert = db.prepare(`INSERT INTO slow_seen (position) VALUES (?)`);
      return {
        apply(events) {
          batches.push(events.length);
          for (const event of events) {
            insert.run(event.position);
            clock.now += msPerEvent;
          }
        },
      };
    },
  };
}

function logOf(events: number): string {
  const dataDir = join(tmp.path, `log-${uuidv7()}`);
  const engine = Engine.open({ dataDir, autoCatchUp: false });
  for (let i = 0; i < events; i++) engine.execute({ type: 'CreateEntry', entryId: uuidv7(), title: `note ${i}` });
  engine.close();
  return dataDir;
}

const noStates: EntryStates = { state: () => { throw new Error('not used'); }, event: () => undefined };

describe('ReadModels.catchUpUntil with a deadline', () => {
  it('sizes each batch to the time left, so events that cost 4 ms each stop a 10 ms slice after a few, and every event is handled once', () => {
    const db = openDatabase(logOf(60));
    try {
      const clock = { now: 0 };
      const batches: number[] = [];
      const models = new ReadModels(db, new SqliteEventStore(db, eventCatalog), { inline: [], async: [slowProjection(clock, 4, batches)] }, noStates, () => clock.now);
      // The first batch guesses 1 ms an event (10 events: 40 ms); from then on the slice is sized by what was seen.
      const first = models.catchUpUntil(clock.now + 10);
      expect(first).toEqual({ handled: 10, done: false });
      batches.length = 0;
      const second = models.catchUpUntil(clock.now + 10);
      expect(second.done).toBe(false);
      expect(batches).toEqual([2, 1]); // 10 ms / 4 ms = 2 events, then 1 in the 2 ms left
      expect(second.handled).toBe(3);
      // At least one event a slice, however dear; untimed catch-up takes the rest in full batches.
      expect(models.catchUpUntil(clock.now).handled).toBe(0);
      expect(models.catchUpUntil(clock.now + 1).handled).toBe(1);
      expect(models.catchUpUntil(Infinity)).toEqual({ handled: 46, done: true });
      expect(db.prepare(`SELECT count(*) AS n, count(DISTINCT position) AS d FROM slow_seen`).get()).toEqual({ n: 60, d: 60 });
      expect(models.lag()).toEqual({ slow: 0 });
    } finally {
      db.close();
    }
  });

  it('estimates how long the backlog would take from what events cost lately', () => {
    const db = openDatabase(logOf(30));
    try {
      const clock = { now: 0 };
      const models = new ReadModels(db, new SqliteEventStore(db, eventCatalog), { inline: [], async: [slowProjection(clock, 2, [])] }, noStates, () => clock.now);
      expect(models.estimatedCatchUpMs(['slow'])).toBe(30); // unknown cost: 1 ms an event
      models.catchUpUntil(clock.now + 10);
      expect(models.estimatedCatchUpMs(['slow'])).toBe((30 - 10) * 2);
    } finally {
      db.close();
    }
  });
});
