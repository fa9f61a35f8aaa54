// In Chromium against `cairn serve`: a search saved from the palette is listed in the sidebar, runs again from there,
// and tells the person (a toast naming it) when a new entry matches; forgetting it removes it for good.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;

/** Escape, as a person presses it: the first may only clear the search field, the next closes the palette. */
async function closePalette() {
  const input = page().getByRole('combobox', { name: 'Search query' });
  for (let i = 0; i < 3 && (await input.isVisible()); i++) await page().keyboard.press('Escape');
  await expect.poll(() => input.isVisible()).toBe(false);
}

describe('saved searches', () => {
  it('saves the palette’s query, alerts on a new match, runs again from the sidebar, and is forgotten', async () => {
    await serve().rpc('createEntry', { title: 'Old harbor notes', body: 'The harbor was quiet.' });
    await page().keyboard.press('Control+k');
    const input = page().getByRole('combobox', { name: 'Search query' });
    await input.fill('harbor');
    await expect.poll(() => page().getByRole('listbox', { name: 'Results' }).getByRole('option').count()).toBe(1);
    await page().getByRole('button', { name: 'Save this search' }).click();
    const name = page().getByRole('textbox', { name: 'Name of the saved search' });
    expect(await name.inputValue()).toBe('harbor');
    await name.fill('Harbor watch');
    expect(await page().getByRole('checkbox', { name: 'Tell me when new entries match' }).isChecked()).toBe(true);
    await name.press('Enter');
    await expect.poll(() => page().getByRole('status').filter({ hasText: 'Saved the search “Harbor watch”' }).count()).toBe(1);
    await closePalette();
    const inSidebar = page().getByRole('button', { name: 'Search again: Harbor watch' });
    await expect.poll(() => inSidebar.isVisible()).toBe(true);

    // What matched when it was saved is not news; a new entry that matches is, once.
    await serve().rpc('createEntry', { title: 'Groceries', body: 'milk and bread' });
    const { entryId } = await serve().rpc<{ entryId: string }>('createEntry', { title: 'Lantern log', body: 'We lit the harbor lantern.' });
    const alert = page().getByRole('status').filter({ hasText: 'Saved search “Harbor watch” found “Lantern log”' });
    await expect.poll(() => alert.count(), { timeout: 10_000 }).toBe(1);
    await serve().rpc('updateEntry', { id: entryId, body: 'We lit the harbor lantern twice.' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await page().getByRole('status').filter({ hasText: 'found “Old harbor notes”' }).count()).toBe(0);
    expect(await alert.count()).toBeLessThanOrEqual(1);

    await inSidebar.click();
    await expect.poll(() => input.inputValue()).toBe('harbor');
    const titles = () => page().getByRole('listbox', { name: 'Results' }).locator('.hit-title').allTextContents();
    await expect.poll(async () => (await titles()).map((t) => t.replace(/Note$/, '').trim()).sort()).toEqual(['Lantern log', 'Old harbor notes']);
    await closePalette();

    await page().getByRole('button', { name: 'Forget the saved search Harbor watch' }).click();
    await expect.poll(() => inSidebar.count()).toBe(0);
    await page().reload();
    await expect.poll(() => page().getByRole('button', { name: 'New note' }).isVisible()).toBe(true);
    expect(await page().getByRole('button', { name: 'Search again: Harbor watch' }).count()).toBe(0);
  }, 60_000);
});
