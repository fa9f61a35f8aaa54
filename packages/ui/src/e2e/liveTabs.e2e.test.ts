// Two tabs on one web-mode instance stay live: a change in one (or from another process) appears in
// the other without a reload, pushed over each tab's WebSocket.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUiBuilt, launchChromium, screenshot, startServe, watchPageErrors, type ServeHandle } from './harness.js';

let serve: ServeHandle;
let browser: Browser;
let tabA: Page;
let tabB: Page;
const errors: string[] = [];

beforeAll(async () => {
  ensureUiBuilt();
  [serve, browser] = await Promise.all([startServe(), launchChromium()]);
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 }, locale: 'en-US' });
  tabA = await context.newPage();
  watchPageErrors(tabA, errors);
  await tabA.goto(serve.url);
  // The second tab opens the plain address: the session cookie from the first visit lets it in.
  tabB = await context.newPage();
  watchPageErrors(tabB, errors);
  await tabB.goto(serve.origin);
  await Promise.all([tabA, tabB].map((tab) => tab.getByRole('button', { name: 'New note' }).waitFor()));
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

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

  it('warns the second tab when both edit the same note, and keeps both texts reachable', async () => {
    // B starts typing but does not wait for its autosave; A saves first.
    await tabB.locator('.cm-content').click();
    await tabB.keyboard.press('Control+End');
    await tabB.keyboard.type('pears (from B)\n');
    await tabA.locator('.cm-content').click();
    await tabA.keyboard.press('Control+End');
    await tabA.keyboard.type('bread (from A)\n');
    await tabA.keyboard.press('Control+s');
    // Whichever saved second was refused with a conflict, never silently overwritten.
    const conflictIn = async () => {
      for (const tab of [tabA, tabB]) if ((await tab.getByText('This entry changed elsewhere').count()) > 0) return tab;
      return undefined;
    };
    await expect.poll(async () => (await conflictIn()) !== undefined, { timeout: 6000 }).toBe(true);
    const loser = (await conflictIn())!;
    await screenshot(loser, 'live-conflict');
    await loser.getByRole('button', { name: 'Keep my text' }).click();
    await expect.poll(() => loser.getByText('This entry changed elsewhere').count()).toBe(0);
    const other = loser === tabA ? tabB : tabA;
    const mine = loser === tabA ? 'bread (from A)' : 'pears (from B)';
    await expect.poll(() => other.locator('.cm-content').textContent(), { timeout: 5000 }).toContain(mine);
    expect(errors).toEqual([]);
  });
});
