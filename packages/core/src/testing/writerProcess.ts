// A child process for crash and concurrency tests: appends commands in a loop and prints one line per
// acknowledged (committed) command, so the parent knows what must survive a SIGKILL.
//
//   node writerProcess.js DATA_DIR MODE SEED [COUNT]
//   MODE crash:  a random mix forever (creates, edits, deletes, restores, reverts, batches) until killed
//   MODE shared: COUNT edits of the entries listed in DATA_DIR/../shared.json, with optimistic versions
//                and a retry on every ConcurrencyError or busy error; WRITERS processes start together (each
//                leaves a file `ready-PID` beside the data directory and waits for the others') so they overlap
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryCommand } from '../domain/entry/commands.js';
import { Engine } from '../engine/engine.js';
import { CairnError } from '../errors/cairnError.js';
import { uuidv7 } from '../ids/uuidv7.js';

const [dataDir, mode, seedArg, countArg, writersArg] = process.argv.slice(2);
let seed = Number(seedArg ?? 1);
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const ack = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const engine = Engine.open({ dataDir: dataDir!, busyTimeoutMs: 20_000 });

if (mode === 'crash') {
  const live: string[] = engine.listEntries({ limit: 10_000 }).entries.map((e) => e.id);
  const deleted: string[] = engine.listEntries({ limit: 10_000, deleted: true }).entries.map((e) => e.id);
  ack({ ready: true });
  for (;;) {
    const roll = random();
    try {
      if (roll < 0.1) {
        const commands: EntryCommand[] = Array.from({ length: 20 }, (_, i) => ({ type: 'CreateEntry', entryId: uuidv7(), title: `batch ${i}`, body: 'b'.repeat(Math.floor(random() * 2000)), tags: ['batch'] }));
        const results = engine.executeBatch(commands);
        for (const r of results) live.push(r.entryId);
        ack({ batch: results.map((r) => [r.entryId, r.version]) });
        continue;
      }
      let command: EntryCommand;
      if (roll < 0.35 || live.length < 3) {
        command = { type: 'CreateEntry', entryId: uuidv7(), title: `note ${Math.floor(random() * 1e6)}`, body: '数据同步 '.repeat(Math.floor(random() * 300)), tags: [pick(['a', 'b', 'c'])] };
      } else if (roll < 0.8) {
        command = { type: 'UpdateEntry', entryId: pick(live), body: `edit ${random()}`, addTags: random() < 0.3 ? [pick(['x', 'y'])] : [] };
      } else if (roll < 0.87) {
        const id = live.splice(Math.floor(random() * live.length), 1)[0]!;
        deleted.push(id);
        command = { type: 'DeleteEntry', entryId: id };
      } else if (roll < 0.93 && deleted.length > 0) {
        const id = deleted.pop()!;
        live.push(id);
        command = { type: 'RestoreEntry', entryId: id };
      } else {
        const id = pick(live);
        command = { type: 'RevertEntry', entryId: id, toVersion: 1 };
      }
      const result = engine.execute(command);
      if (command.type === 'CreateEntry') live.push(result.entryId);
      ack({ id: result.entryId, version: result.version });
    } catch (error) {
      if (!(error instanceof CairnError) || (error.code !== 'conflict' && error.code !== 'busy')) throw error;
    }
  }
} else if (mode === 'shared') {
  const shared = JSON.parse(readFileSync(join(dataDir!, '..', 'shared.json'), 'utf8')) as string[];
  const count = Number(countArg ?? 100);
  const writers = Number(writersArg ?? 1);
  const folder = join(dataDir!, '..');
  writeFileSync(join(folder, `ready-${process.pid}`), '');
  const giveUpAt = Date.now() + 60_000;
  while (readdirSync(folder).filter((name) => name.startsWith('ready-')).length < writers) {
    if (Date.now() > giveUpAt) throw new Error(`only some of the ${writers} writers started within 60 s`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  }
  let retries = 0;
  for (let i = 0; i < count; i++) {
    const id = pick(shared);
    for (;;) {
      const version = engine.getEntry(id).version;
      try {
        const result = engine.execute({ type: 'UpdateEntry', entryId: id, body: `${process.pid} edit ${i}` }, { expectedVersion: version });
        ack({ id, version: result.version });
        break;
      } catch (error) {
        if (error instanceof CairnError && (error.code === 'concurrency' || error.code === 'busy')) {
          retries++;
          continue;
        }
        throw error;
      }
    }
  }
  ack({ done: true, retries });
  engine.close();
}
