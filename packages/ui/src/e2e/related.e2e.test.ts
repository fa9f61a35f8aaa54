// In Chromium against `cairn serve`: beside an open note, the notes on its topic are listed as related (a click opens
// one), and suggested tags can be added (an ordinary edit: the tag shows in the entry's tags) or dismissed (the chip
// goes, and stays gone after a reload).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, screenshot } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;
const rows = () => page().getByTestId('library-list').getByRole('option');
const suggestions = () => page().getByRole('complementary', { name: 'Suggestions' });
const related = () => suggestions().getByRole('region', { name: 'Related' });
const suggestedTags = () => suggestions().getByRole('region', { name: 'Suggested tags' });

const notes = [
  { title: 'Sourdough starter', body: 'Feed the sourdough starter with rye flour; the yeast wakes up and the dough rises.', tags: ['baking'] },
  { title: 'Crusty loaf', body: 'Knead the dough, shape the loaf, bake in a hot oven for a dark crust. Flour the basket.', tags: ['baking'] },
  { title: 'Telescope night', body: 'The telescope showed a galaxy, a nebula and a comet near the moon.', tags: [] },
  { title: 'Planet orbits', body: 'Every planet follows its orbit; an asteroid and a comet cross the galaxy.', tags: [] },
  { title: 'Bike repair', body: 'New chain, new brakes, the saddle raised; the gears shift cleanly again.', tags: ['yeast'] },
];

async function openRow(title: string) {
  await expect.poll(() => rows().filter({ hasText: title }).count(), { timeout: 20_000 }).toBe(1);
  await rows().filter({ hasText: title }).click();
  await expect.poll(() => page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe(title);
}

describe('suggestions beside an entry', () => {
  it('list the notes on its topic as related, add an accepted tag, and forget a dismissed one for good', async () => {
    for (const note of notes) await serve().rpc('createEntry', note);
    await serve().rpc('createEntry', { title: 'Weekend bread', body: 'Sourdough, flour and yeast: knead the dough, bake the loaf until the crust is dark. Yeast again.' });
    await openRow('Weekend bread');

    const relatedTitles = () => related().locator('.related-title').allTextContents();
    await expect.poll(async () => (await relatedTitles()).sort(), { timeout: 20_000 }).toEqual(['Crusty loaf', 'Sourdough starter']);
    const chips = () => suggestedTags().locator('.suggested-tag').evaluateAll((els) => els.map((el) => el.getAttribute('data-tag')));
    await expect.poll(async () => (await chips()).sort()).toEqual(['baking', 'yeast']);
    await screenshot(page(), 'related-suggestions');

    // Accepting: the tag is the entry's now, and no longer suggested.
    await suggestedTags().getByRole('button', { name: 'Add the tag baking' }).click();
    await expect.poll(() => page().getByRole('textbox', { name: 'Tags' }).inputValue()).toContain('baking');
    await expect.poll(chips).toEqual(['yeast']);
    const entries = await serve().rpc<{ entries: { title: string; tags: string[] }[] }>('listEntries', {});
    expect(entries.entries.find((e) => e.title === 'Weekend bread')?.tags).toEqual(['baking']);

    // Dismissing: the chip goes, and stays gone after a reload.
    await suggestedTags().getByRole('button', { name: 'Do not suggest yeast again' }).click();
    await expect.poll(() => suggestedTags().count()).toBe(0);
    await page().reload();
    await openRow('Weekend bread');
    await expect.poll(async () => (await relatedTitles()).length, { timeout: 20_000 }).toBe(2);
    expect(await suggestedTags().count()).toBe(0);

    // A related entry opens with a click, and shows the first one among its own.
    await related().getByRole('button', { name: /^Crusty loaf/ }).click();
    await expect.poll(() => page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Crusty loaf');
    await expect.poll(async () => (await relatedTitles()).sort()).toEqual(['Sourdough starter', 'Weekend bread']);
  });
});
