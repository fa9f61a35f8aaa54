import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './testing/runCli.js';

let dir: string;
const cairn = (...args: string[]) => runCli(['--data', dir, ...args]);

// Generated text (seeded) and a copy of it with every tenth word changed.
const vocabulary = 'the of and to in a is for on with tenant landlord rent deposit lease month notice repair kitchen window heating water garden key payment invoice amount signed agreement party clause term'.split(' ');
function text(seed: number, count = 220): string[] {
  let a = seed;
  const next = () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 2 ** 32;
  };
  return Array.from({ length: count }, () => vocabulary[Math.floor(vocabulary.length * next() ** 2)]!);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-dups-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('cairn duplicates', () => {
  it('lists an entry’s near copies and the library’s pairs, as a table or JSON', () => {
    const words = text(1);
    const a = cairn('add', '--title', 'Lease v1', '--body', words.join(' '), '--json').json<{ id: string }>().id;
    const b = cairn('add', '--title', 'Lease v2', '--body', words.map((w, i) => (i % 10 === 0 ? `${w}s` : w)).join(' '), '--json').json<{ id: string }>().id;
    const c = cairn('add', '--title', 'Other', '--body', text(2).join(' '), '--json').json<{ id: string }>().id;

    const copies = cairn('duplicates', a, '--json').json<{ id: string; copies: { entryId: string; title: string; similarity: number }[] }>();
    expect(copies.copies.map((x) => [x.entryId, x.title])).toEqual([[b, 'Lease v2']]);
    expect(copies.copies[0]!.similarity).toBeGreaterThan(0.5);
    expect(cairn('duplicates', a).stdout).toMatch(/SIMILARITY\s+ID\s+KIND\s+TITLE\n\d+%\s+\S+\s+note\s+Lease v2/);
    expect(cairn('duplicates', c).stdout.trim()).toBe('no near copies');

    const pairs = cairn('duplicates', '--json').json<{ pairs: { a: { entryId: string }; b: { entryId: string } }[] }>().pairs;
    expect(pairs.map((p) => [p.a.entryId, p.b.entryId].sort())).toEqual([[a, b].sort()]);
    expect(cairn('duplicates').stdout).toContain('Lease v1');

    // Importing a file that is a near copy says so.
    const file = join(dir, 'lease-scan.txt');
    writeFileSync(file, words.map((w, i) => (i % 15 === 0 ? `${w}e` : w)).join(' '));
    const imported = cairn('import', file, '--json').json<{ nearCopies: { name: string; copies: { entryId: string }[] }[] }>();
    expect(imported.nearCopies.map((n) => [n.name, n.copies.map((x) => x.entryId).sort()])).toEqual([['lease-scan.txt', [a, b].sort()]]);
    const file2 = join(dir, 'lease-scan-2.txt');
    writeFileSync(file2, words.map((w, i) => (i % 16 === 0 ? `${w}y` : w)).join(' '));
    expect(cairn('import', file2).stdout).toMatch(/lease-scan-2\.txt is a near copy of “(Lease v1|Lease v2|lease-scan\.txt)” \(\d+%\) and of 2 more/);

    const missing = cairn('duplicates', 'no-such-entry', '--json');
    expect(missing.code).toBe(3);
    expect(runCli(['duplicates', '--help']).stdout).toContain('usage: cairn duplicates [ID] [--limit N]');
  });
});
