// In Chromium against `cairn serve`: [[links]] between notes — a link typed in one note is a backlink on the other
// and stays one after a rename; a link to a missing title creates that note when followed; titles are offered after
// `[[`; an unlinked mention is linked with one click. Every test opens its own app and makes its own notes.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, screenshot, typeInNoteEditor, waitNoteSaved } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;
const rows = () => page().getByTestId('library-list').getByRole('option');
const titleBox = () => page().getByRole('textbox', { name: 'Title' });
const backlinks = () => page().getByTestId('backlinks').getByRole('listitem');

async function open(title: string) {
  // The row whose title is exactly this one (another row's text may contain it: a tag, a rewritten link).
  await rows().filter({ has: page().locator('.row-title-text').getByText(title, { exact: true }) }).first().click();
  await expect.poll(() => titleBox().inputValue()).toBe(title);
}

const typeInEditor = (text: string) => typeInNoteEditor(page(), text);
const waitSaved = () => waitNoteSaved(page());

describe('links between notes in web mode', () => {
  it('a link typed in one note shows as a backlink on the other, and stays after the other is renamed', async () => {
    await serve().rpc('createEntry', { title: 'Other', body: 'The other note.' });
    await serve().rpc('createEntry', { title: 'Diary', body: '' });
    await open('Diary');
    // closeBrackets completes `[[` with `]]`: type the title inside, then move past them.
    await typeInEditor('Met about [[Other');
    await page().keyboard.press('End');
    await waitSaved();
    await expect.poll(() => page().getByTestId('markdown-preview').locator('a.wiki-link').textContent()).toBe('Other');

    await open('Other');
    await expect.poll(() => backlinks().allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('Diary')]);
    await titleBox().fill('Other, renamed');
    await waitSaved();
    await open('Diary');
    await open('Other, renamed');
    await expect.poll(() => backlinks().allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('Diary')]);
    await screenshot(page(), 'links-backlinks');
  });

  it('a link to a missing title is shown as missing and, followed, creates that note and opens it', async () => {
    await serve().rpc('createEntry', { title: 'Reading list', body: 'Next: [[Deep Work]].' });
    await open('Reading list');
    const link = page().getByTestId('markdown-preview').locator('a.wiki-link');
    await expect.poll(() => link.getAttribute('data-missing'), { timeout: 10_000 }).toBe('true');
    await link.click();
    await expect.poll(() => titleBox().inputValue(), { timeout: 10_000 }).toBe('Deep Work');
    await expect.poll(() => backlinks().allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('Reading list')]);
    await open('Reading list');
    await expect.poll(() => link.getAttribute('data-missing')).toBeNull();
  });

  it('offers existing titles after [[ and writes the picked one as a link', async () => {
    await serve().rpc('createEntry', { title: '数据同步', body: '' });
    await serve().rpc('createEntry', { title: 'Garden plan', body: '' });
    await serve().rpc('createEntry', { title: 'Notes', body: '' });
    await open('Notes');
    await typeInEditor('See [[数据');
    const option = page().locator('.cm-tooltip-autocomplete li', { hasText: '数据同步' });
    await expect.poll(() => option.count(), { timeout: 10_000 }).toBe(1);
    await expect(page().locator('.cm-tooltip-autocomplete li', { hasText: 'Garden plan' }).count()).resolves.toBe(0);
    await option.click();
    await page().keyboard.type(' today.');
    await waitSaved();
    const list = await serve().rpc<{ entries: { id: string; title: string }[] }>('listEntries', {});
    const notes = list.entries.find((e) => e.title === 'Notes')!.id;
    await expect.poll(() => serve().rpc<{ body: string }>('getEntry', { id: notes }).then((e) => e.body)).toBe('See [[数据同步]] today.');
  });

  it('lists an unlinked mention in Chinese text and links it with one click', async () => {
    await serve().rpc('createEntry', { title: '数据同步', body: '' });
    const { entryId } = await serve().rpc<{ entryId: string }>('createEntry', { title: '周会记录', body: '今天讨论了数据同步的方案。' });
    await open('数据同步');
    const mentions = page().getByTestId('mentions').getByRole('listitem');
    await expect.poll(() => mentions.allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('周会记录')]);
    await mentions.getByRole('button', { name: 'Link this mention in “周会记录”' }).click();
    await expect.poll(() => backlinks().allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('周会记录')]);
    await expect(page().getByTestId('mentions').count()).resolves.toBe(0);
    await expect(serve().rpc<{ body: string }>('getEntry', { id: entryId }).then((e) => e.body)).resolves.toBe('今天讨论了[[数据同步]]的方案。');
  });
});
