// Two tabs on one web-mode instance stay live: a change in one (or from another process) appears in
// the other without a reload, pushed over each tab's WebSocket.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appReadyTimeout, dropFiles, ensureUiBuilt, launchChromium, screenshot, startServe, watchPageErrors, type ServeHandle } from './harness.js';

// Every test gets its own instance (a fresh data directory) and its own two tabs in a context of their own.
let browser: Browser;
let serve: ServeHandle;
let context: BrowserContext;
let tabA: Page;
let tabB: Page;
let errors: string[];

beforeAll(async () => {
  ensureUiBuilt();
  browser = await launchChromium();
});

afterAll(() => browser?.close());

beforeEach(async () => {
  errors = [];
  serve = await startServe();
  context = await browser.newContext({ viewport: { width: 1200, height: 760 }, locale: 'en-US' });
  tabA = await context.newPage();
  watchPageErrors(tabA, errors);
  await tabA.goto(serve.url);
  // The second tab opens the plain address: the session cookie from the first visit lets it in.
  tabB = await context.newPage();
  watchPageErrors(tabB, errors);
  // The second tab's timers run on a clock the test can pause (time flows as usual until it does).
  await tabB.clock.install();
  await tabB.goto(serve.origin);
  await Promise.all([tabA, tabB].map((tab) => tab.getByRole('button', { name: 'New note' }).waitFor({ timeout: appReadyTimeout })));
});

afterEach(async () => {
  await context?.close();
  await serve?.stop();
  expect(errors).toEqual([]);
});

/** A note made through the engine API and opened in both tabs. */
async function openInBoth(title: string, body: string) {
  await serve.rpc('createEntry', { title, body });
  for (const tab of [tabA, tabB]) {
    await rows(tab).filter({ hasText: title }).click();
    await expect.poll(() => tab.getByRole('textbox', { name: 'Title' }).inputValue()).toBe(title);
    await expect.poll(() => tab.locator('.cm-content').textContent()).toContain(body.trim().split('\n')[0]);
  }
}

const rows = (tab: Page) => tab.getByTestId('library-list').getByRole('option');

describe('two tabs on one instance', () => {
  it('shows a note created in one tab in the other, and follows its edits', async () => {
    await tabA.getByRole('button', { name: 'New note' }).click();
    await tabA.getByRole('textbox', { name: 'Title' }).fill('Shared shopping list');
    await expect.poll(() => rows(tabB).filter({ hasText: 'Shared shopping list' }).count(), { timeout: 5000 }).toBe(1);

    await rows(tabB).filter({ hasText: 'Shared shopping list' }).click();
    await expect.poll(() => tabB.getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Shared shopping list');

    await tabA.locator('.cm-content').click();
    await tabA.keyboard.type('Buy apples\n买苹果\n');
    await expect.poll(() => tabB.locator('.cm-content').textContent(), { timeout: 5000 }).toContain('买苹果');
    await expect.poll(() => tabB.getByTestId('save-state').textContent()).toBe('Saved');
    await screenshot(tabB, 'live-second-tab');
  });

  it('shows a change made by another process on the same data directory (the CLI)', async () => {
    serve.cli('add', '--title', 'Added from the command line', '--tag', 'cli');
    await expect.poll(() => rows(tabA).filter({ hasText: 'Added from the command line' }).count(), { timeout: 5000 }).toBe(1);
    await expect.poll(() => tabB.getByRole('button', { name: 'Filter by tag cli (1)' }).count(), { timeout: 5000 }).toBe(1);
  });

  it('shows a file imported in one tab in the other, and its processing as it happens', async () => {
    await dropFiles(tabA, [{ name: 'from-tab-a.md', text: '# Imported in tab A\n\nharbour notes\n' }]);
    await expect.poll(() => rows(tabB).filter({ hasText: 'from-tab-a.md' }).count(), { timeout: 5000 }).toBe(1);
    await rows(tabB).filter({ hasText: 'from-tab-a.md' }).click();
    await expect.poll(() => tabB.getByTestId('document-status').getAttribute('data-status'), { timeout: 15_000 }).toBe('done');
    await expect.poll(() => tabB.getByTestId('document-text').textContent()).toContain('harbour notes');
  });

  it('warns the second tab when both edit the same note, and keeps both texts reachable', async () => {
    await openInBoth('Shared shopping list', 'Buy apples\n');
    // Tab B's clock stands still: its edit stays unsaved, however slow the machine, while A saves first.
    await tabB.clock.pauseAt((await tabB.evaluate(() => Date.now())) + 1_000); // ahead enough that the time passing until the call cannot be in the past
    await tabB.locator('.cm-content').click();
    await tabB.keyboard.press('Control+End');
    await tabB.keyboard.type('pears (from B)\n');
    await expect.poll(() => tabB.getByTestId('save-state').textContent()).toBe('Unsaved changes');
    await tabA.locator('.cm-content').click();
    await tabA.keyboard.press('Control+End');
    await tabA.keyboard.type('bread (from A)\n');
    await tabA.keyboard.press('Control+s');
    await expect.poll(() => tabA.getByTestId('save-state').textContent()).toBe('Saved');
    // B's time moves again: its autosave is refused (the note moved on), never silently overwriting A's.
    await tabB.clock.resume();
    await expect.poll(() => tabB.getByText('This entry changed elsewhere').count(), { timeout: 5000 }).toBe(1);
    expect(await tabA.getByText('This entry changed elsewhere').count()).toBe(0);
    await screenshot(tabB, 'live-conflict');
    await tabB.getByRole('button', { name: 'Keep my text' }).click();
    await expect.poll(() => tabB.getByText('This entry changed elsewhere').count()).toBe(0);
    await expect.poll(() => tabA.locator('.cm-content').textContent(), { timeout: 5000 }).toContain('pears (from B)');
    // A's text is a version in the history, one restore away.
    const list = await serve.rpc<{ entries: { id: string; title: string }[] }>('listEntries', {});
    const id = list.entries.find((e) => e.title === 'Shared shopping list')!.id;
    const history = await serve.rpc<{ version: number }[]>('history', { id });
    const versions = await Promise.all(history.map((h) => serve.rpc<{ body: string }>('getEntry', { id, version: h.version })));
    expect(versions.some((v) => v.body.includes('bread (from A)') && !v.body.includes('pears'))).toBe(true);
  });
});
