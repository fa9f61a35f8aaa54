// In Chromium against `cairn serve`: notes, history, languages, themes. Every test opens its own app (a
// fresh data directory and a browser context of its own, so its own preferences) and makes its own data.
import type { EntryView, HistoryItem } from '@cairn/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, importRow, screenshot, typeInNoteEditor, waitNoteSaved } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;
const rows = () => page().getByTestId('library-list').getByRole('option');

const typeInEditor = (text: string) => typeInNoteEditor(page(), text);
const waitSaved = () => waitNoteSaved(page());

/** A note made through the engine API, then opened from the library as a person would. */
async function openNote(title: string, body: string, edits: readonly string[] = []): Promise<string> {
  const { entryId } = await serve().rpc<{ entryId: string }>('createEntry', { title, body });
  for (const next of edits) await serve().rpc('updateEntry', { id: entryId, body: next });
  await rows().filter({ hasText: title }).click();
  await expect.poll(() => page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe(title);
  return entryId;
}

describe('web mode in Chromium', () => {
  it('swaps the link token for a session cookie and takes it out of the address bar', () => {
    expect(page().url()).toBe(`${serve().origin}/`);
  });

  it('creates a note, edits it, and the edits reach the engine', async () => {
    await page().getByRole('button', { name: 'New note' }).click();
    const title = page().getByRole('textbox', { name: 'Title' });
    await expect.poll(() => title.evaluate((el) => el === document.activeElement), { timeout: 20_000 }).toBe(true);
    // Typed as a person types, into the focused field: exactly what was typed, nothing before it.
    await expect(title.inputValue()).resolves.toBe('Untitled');
    await page().keyboard.type('Trip plan');
    await expect(title.inputValue()).resolves.toBe('Trip plan');
    await page().getByRole('textbox', { name: 'Tags' }).fill('travel, 计划');
    await typeInEditor('# Trip\n\nDay 1: Paris\n');
    await waitSaved();
    await expect(page().getByTestId('markdown-preview').locator('h1').textContent()).resolves.toBe('Trip');

    const list = await serve().rpc<{ entries: { id: string; title: string }[] }>('listEntries', {});
    const id = list.entries.find((e) => e.title === 'Trip plan')!.id;
    const saved = await serve().rpc<EntryView>('getEntry', { id });
    expect(saved.body).toBe('# Trip\n\nDay 1: Paris\n');
    expect(saved.tags).toEqual(['travel', '计划']);

    await typeInEditor('Day 2: Lyon\n');
    await waitSaved();
    await expect(serve().rpc<EntryView>('getEntry', { id }).then((e) => e.body)).resolves.toContain('Day 2: Lyon');
    await expect(rows().filter({ hasText: 'Trip plan' }).count()).resolves.toBe(1);
    await expect(page().getByRole('button', { name: 'Filter by tag 计划 (1)' }).isVisible()).resolves.toBe(true);
    await screenshot(page(), 'library-editor');
  });

  it('opens the history, views an old version with its diff, and restores it', async () => {
    const dayOne = '# Trip\n\nDay 1: Paris\n';
    const id = await openNote('Trip plan', dayOne, [`${dayOne}Day 2: Lyon\n`]);
    const history = await serve().rpc<HistoryItem[]>('history', { id });
    // The version whose body had only day 1.
    const bodies = await Promise.all(history.map((h) => serve().rpc<EntryView>('getEntry', { id, version: h.version })));
    const target = bodies.find((b) => b.body === dayOne)!.version;
    const latest = history.at(-1)!.version;

    await page().getByRole('button', { name: 'History' }).click();
    const versions = page().getByRole('list', { name: 'Versions' });
    await expect.poll(() => versions.getByRole('listitem').count()).toBe(history.length);
    await page().getByRole('button', { name: `View version ${target}` }).click();
    const diff = page().getByTestId('diff');
    await expect.poll(() => diff.textContent()).toContain('Day 2: Lyon');
    await expect(diff.locator('.diff-removed').textContent()).resolves.toContain('Day 2: Lyon');
    await screenshot(page(), 'history-diff');

    await page().getByRole('button', { name: `Restore version ${target}` }).click();
    await expect.poll(() => page().getByRole('status').filter({ hasText: `Restored version ${target}` }).count()).toBe(1);
    const restored = await serve().rpc<EntryView>('getEntry', { id });
    expect(restored.body).toBe(dayOne);
    expect(restored.version).toBe(latest + 1);
    await expect.poll(() => page().locator('.cm-content').textContent()).not.toContain('Day 2');
    await expect.poll(() => versions.getByRole('listitem').count()).toBe(history.length + 1);
    await expect(versions.getByRole('listitem').first().textContent()).resolves.toContain(`Restored version ${target}`);
    await page().getByRole('button', { name: 'Close history' }).click();
  });

  it('moves a note to the trash and back, and shows the activity feed', async () => {
    await openNote('Trip plan', 'Day 1: Paris\n', ['Day 1: Paris\nDay 2: Lyon\n']);
    await page().getByRole('button', { name: 'Move to trash' }).click();
    await expect.poll(() => rows().filter({ hasText: 'Trip plan' }).count()).toBe(0);
    await page().getByRole('button', { name: 'Trash', exact: true }).click();
    await rows().filter({ hasText: 'Trip plan' }).click();
    await page().getByRole('button', { name: 'Restore from trash' }).click();
    await expect.poll(() => rows().filter({ hasText: 'Trip plan' }).count()).toBe(0);
    await page().getByRole('button', { name: 'All entries' }).click();
    await expect.poll(() => rows().filter({ hasText: 'Trip plan' }).count()).toBe(1);
    await page().getByRole('button', { name: 'Activity' }).click();
    const feed = page().getByRole('region', { name: 'Recent activity' });
    // Created, edited, trashed, restored: newest first.
    await expect.poll(() => feed.getByRole('listitem').count()).toBeGreaterThanOrEqual(4);
    await expect(feed.getByRole('listitem').first().textContent()).resolves.toContain('Restored from trash');
    await screenshot(page(), 'activity');
  });

  it('shows a document entry with its attributes, read as a document rather than edited as a note', async () => {
    await serve().rpc('createEntry', { title: 'A plain note' });
    await serve().rpc('createEntry', { kind: 'document', title: 'Quarterly report.pdf', body: 'Revenue grew in every region.', attributes: { pages: 12, source: 'report.pdf' } });
    await rows().filter({ hasText: 'Quarterly report.pdf' }).click();
    const pane = page().getByRole('region', { name: 'Entry' });
    await expect.poll(() => pane.getByRole('definition').allTextContents()).toEqual(['12', 'report.pdf']);
    await expect.poll(() => pane.getByTestId('markdown-preview').textContent()).toContain('Revenue grew');
    await expect(pane.getByTestId('markdown-editor').count()).resolves.toBe(0);
    await page().getByRole('button', { name: 'Documents' }).click();
    await expect.poll(() => rows().allTextContents()).toEqual([expect.stringContaining('Quarterly report.pdf')]);
    await screenshot(page(), 'document-attributes');
    await page().getByRole('button', { name: 'Notes' }).click();
    await expect.poll(() => rows().allTextContents()).toEqual([expect.stringContaining('A plain note')]);
  });

  it('moves through the library with the keyboard', async () => {
    // Listed newest first: three, two, one.
    for (const title of ['Keyboard one', 'Keyboard two', 'Keyboard three']) await serve().rpc('createEntry', { title });
    await expect.poll(() => rows().count()).toBe(3);
    await page().keyboard.press('Alt+2');
    await page().keyboard.press('Home');
    await page().keyboard.press('ArrowDown');
    await page().keyboard.press('Enter');
    await expect.poll(() => page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Keyboard two');
  });

  it('shows settings with the data folder, and switches to dark theme and to Chinese, kept across a reload', async () => {
    await openNote('Keyboard two', 'Some words.\n');
    await page().getByRole('button', { name: 'Settings' }).click();
    const dialog = page().getByRole('dialog', { name: 'Settings' });
    await expect.poll(() => dialog.getByTestId('data-dir').textContent()).toBe(serve().dataDir);
    await dialog.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
    await expect.poll(() => page().evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await screenshot(page(), 'settings-dark');
    await dialog.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await expect.poll(() => page().getByRole('dialog', { name: '设置' }).isVisible()).toBe(true);
    await page().keyboard.press('Escape');
    await expect.poll(() => page().getByRole('button', { name: '新建笔记' }).isVisible()).toBe(true);
    expect(await page().evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page().getByRole('button', { name: '历史' }).click();
    await expect.poll(() => page().getByRole('complementary', { name: '历史' }).textContent()).toContain('创建');
    await screenshot(page(), 'chinese-dark');

    // The choice outlives a reload (kept per origin).
    await page().reload();
    await expect.poll(() => page().getByRole('button', { name: '新建笔记' }).isVisible()).toBe(true);
    await expect.poll(() => page().evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  });

  it('finds notes from the search palette (Ctrl+K) as you type, and opens the one chosen', async () => {
    await serve().rpc('createEntry', { title: 'Trip plan', body: '# Trip\n\nDay 1: Paris\n' });
    await serve().rpc('createEntry', { title: 'Groceries', body: 'Bread, cheese, apples.\n' });
    await expect.poll(() => rows().count()).toBe(2);
    await page().keyboard.press('Control+k');
    const input = page().getByRole('combobox', { name: 'Search query' });
    await input.pressSequentially('pari', { delay: 20 });
    await input.press('s');
    const hits = page().getByRole('listbox', { name: 'Results' }).getByRole('option');
    await expect.poll(() => hits.allTextContents()).toEqual([expect.stringContaining('Trip plan')]);
    await expect(hits.first().locator('mark').textContent()).resolves.toBe('Paris');
    // Switching the mode asks again; without a model, the engine says it searched by words.
    await page().getByRole('radio', { name: 'Words' }).click();
    await expect.poll(() => page().getByRole('radio', { name: 'Words' }).getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => hits.count()).toBe(1);
    await page().getByRole('radio', { name: 'Best' }).click();
    await input.press('Enter');
    await expect.poll(() => page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Trip plan');
  });

  it('takes file drops anywhere in the window: the overlay, then the import panel', async () => {
    await page().evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['# Dropped\n'], 'dropped.md', { type: 'text/markdown' }));
      window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page().locator('.drop-overlay').textContent()).toContain('Drop to import');
    await page().evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['# Dropped\n'], 'dropped.md', { type: 'text/markdown' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page().locator('.drop-overlay').count()).toBe(0);
    const item = importRow(page(), 'dropped.md');
    await expect.poll(() => item.getAttribute('data-state'), { timeout: 15_000 }).toBe('done');
    await page().keyboard.press('Escape');
    await expect.poll(() => rows().filter({ hasText: 'dropped.md' }).count()).toBe(1);
  });

  it('refuses a page without the session cookie and tells the person what to open', async () => {
    const stranger = await app().browser.newContext();
    const other = await stranger.newPage();
    const response = await other.goto(`${serve().origin}/`);
    expect(response?.status()).toBe(401);
    await expect(other.locator('body').textContent()).resolves.toContain('open the link that `cairn serve` printed');
    await stranger.close();
  });
});
