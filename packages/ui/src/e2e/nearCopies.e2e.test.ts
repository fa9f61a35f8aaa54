// In Chromium against `cairn serve`: an entry's near copies (the engine's near-duplicate agent) shown under it with
// how alike they are, and what a person does with one — keep both (and it stays kept after a reload), link, trash.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, dropFiles, screenshot } from './harness.js';
import { seededRandom as seeded } from '@cairn/core/testing/random';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;
const rows = () => page().getByTestId('library-list').getByRole('option');
const section = () => page().getByTestId('near-copies');
const copyTitles = () => section().locator('.near-copy .link-button').allTextContents();

// A contract-like text of generated words (seeded), and copies of it with some words changed.
const vocabulary = (
  'the of and to in a is that for on with as by tenant landlord rent deposit lease month notice repair kitchen window ' +
  'heating water garden key inspection payment bank account transfer invoice amount due date signed agreement party ' +
  'clause term renewal written river bridge station morning evening winter summer school library chapter letter market'
).split(' ');

function contract(seed: number, count = 240): string[] {
  const next = seeded(seed);
  return Array.from({ length: count }, () => vocabulary[Math.floor(vocabulary.length * next() ** 2)]!);
}

function changed(words: readonly string[], every: number, seed: number): string {
  const next = seeded(seed);
  return words.map((w, i) => (i % every === 0 ? vocabulary[Math.floor(vocabulary.length * next())]! + 'x' : w)).join(' ');
}

async function open(title: string) {
  await rows().filter({ hasText: title }).first().click();
  await expect.poll(() => page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe(title);
}

describe('near copies in web mode', () => {
  it('shows a near copy with how alike it is; keep both hides it, also after a reload', async () => {
    const words = contract(1);
    await serve().rpc('createEntry', { title: 'Lease 2023', body: words.join(' ') });
    await serve().rpc('createEntry', { title: 'Lease 2024', body: changed(words, 10, 2) });
    await serve().rpc('createEntry', { title: 'Garden notes', body: contract(3).join(' ') });
    await expect.poll(() => rows().count(), { timeout: 20_000 }).toBe(3);

    await open('Lease 2023');
    await expect.poll(copyTitles, { timeout: 20_000 }).toEqual(['Lease 2024']);
    const similarity = await section().getByTestId('similarity').textContent();
    expect(similarity).toMatch(/^\d{2}% alike$/);
    expect(Number(similarity!.slice(0, 2))).toBeGreaterThan(50);
    await screenshot(page(), 'near-copies');

    await section().getByRole('button', { name: 'Keep both: this and “Lease 2024”' }).click();
    await expect.poll(() => section().count()).toBe(0);

    // A third version arrives: the section comes back with it alone, the kept pair stays hidden, after a reload too.
    await serve().rpc('createEntry', { title: 'Lease 2025', body: changed(words, 12, 4) });
    await expect.poll(copyTitles, { timeout: 20_000 }).toEqual(['Lease 2025']);
    await page().reload();
    await page().getByRole('button', { name: 'New note' }).waitFor();
    await open('Lease 2023');
    await expect.poll(copyTitles, { timeout: 20_000 }).toEqual(['Lease 2025']);
    // Seen from the copy kept, too.
    await open('Lease 2024');
    await expect.poll(copyTitles, { timeout: 20_000 }).toEqual(['Lease 2025']);
  });

  it('links this entry to its copy, moves the copy to the trash, and tells when an import is a near copy', async () => {
    const words = contract(5);
    await serve().rpc('createEntry', { title: 'Contract draft', body: words.join(' ') });
    await serve().rpc('createEntry', { title: 'Contract signed', body: changed(words, 10, 6) });
    await expect.poll(() => rows().count(), { timeout: 20_000 }).toBe(2);
    await open('Contract draft');
    await expect.poll(copyTitles, { timeout: 20_000 }).toEqual(['Contract signed']);

    await section().getByRole('button', { name: 'Link this entry to “Contract signed”' }).click();
    await expect.poll(() => section().getByRole('button', { name: 'Link this entry to “Contract signed”' }).textContent()).toBe('Linked');
    const list = await serve().rpc<{ entries: { id: string; title: string }[] }>('listEntries', {});
    const draftId = list.entries.find((e) => e.title === 'Contract draft')!.id;
    await expect.poll(async () => (await serve().rpc<{ body: string }>('getEntry', { id: draftId })).body, { timeout: 10_000 }).toMatch(/\n\[\[Contract signed\]\]\n$/);

    await section().getByRole('button', { name: 'Move “Contract signed” to the trash' }).click();
    await expect.poll(() => section().count()).toBe(0);
    await expect.poll(() => rows().count()).toBe(1);
    await expect.poll(() => page().getByRole('status').filter({ hasText: '“Contract signed” moved to the trash.' }).count()).toBe(1);

    // A file dropped in that is a near copy of an entry: the person is told when its import is done.
    await dropFiles(page(), [{ name: 'contract-scan.txt', text: changed(words, 20, 7), type: 'text/plain' }]);
    const told = page().getByRole('status').filter({ hasText: /“contract-scan\.txt” is a near copy of “Contract draft” \(\d{2}% alike\)\./ });
    await expect.poll(() => told.count(), { timeout: 20_000 }).toBe(1);
  });
});
