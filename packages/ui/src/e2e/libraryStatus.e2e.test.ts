// In Chromium against `cairn serve`: the library shows each document's type, its tags, and — for a failed
// or unsupported one — a badge in words with the reason on hover (title) and as the row's description.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, importFile, screenshot } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;
const rows = () => page().getByTestId('library-list').getByRole('option');
const row = (title: string) => rows().filter({ hasText: title });

/** 4096 bytes no format claims (a fixed-seed generator, so every run imports the same file). */
function noiseBytes(): Uint8Array {
  const bytes = new Uint8Array(4096);
  let x = 0x2545f491;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** The row's accessible description: the text of the elements its aria-describedby names. */
function description(title: string): Promise<string> {
  return row(title).evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
}

describe('library rows in web mode', () => {
  it('show type, tags, and failed or unsupported documents with their reasons', async () => {
    const good = await importFile(serve(), { name: 'plan.md', text: '# Plan\n\nShip the importer on Friday, then celebrate.\n', tags: ['work', 'q3'] });
    const odd = await importFile(serve(), { name: 'noise.bin', bytes: noiseBytes() });
    const empty = await importFile(serve(), { name: 'empty.txt', text: '' });
    expect([good.status, odd.status, empty.status]).toEqual(['done', 'unsupported', 'failed']);
    const reasonOf = async (id: string) => (await serve().rpc<{ error: { reason: string } | null }>('getDocument', { id })).error?.reason;
    const oddReason = (await reasonOf(odd.id))!;
    const emptyReason = (await reasonOf(empty.id))!;
    expect(emptyReason).toMatch(/the file is empty/);
    expect(oddReason.length).toBeGreaterThan(0);

    await expect.poll(() => rows().count(), { timeout: 20_000 }).toBe(3);
    // Rows are fetched as processing moves; wait for the final states to show.
    const badge = (title: string) => row(title).getByTestId('status-badge');
    await expect.poll(() => badge('empty.txt').textContent(), { timeout: 20_000 }).toMatch(/Failed/);
    await expect.poll(() => badge('noise.bin').textContent(), { timeout: 20_000 }).toMatch(/Unsupported/);

    // Type labels, from each document's MIME type.
    await expect(row('plan.md').getByTestId('type-label').textContent()).resolves.toBe('Markdown');
    await expect(row('empty.txt').getByTestId('type-label').textContent()).resolves.toBe('Text');
    await expect(row('noise.bin').getByTestId('type-label').textContent()).resolves.toBe('File');

    // The good one: tags shown, no badge, no description.
    // (In the engine's order, which sorts them.)
    await expect(row('plan.md').locator('.tag-chip').allTextContents()).resolves.toEqual(['#q3', '#work']);
    await expect(badge('plan.md').count()).resolves.toBe(0);
    await expect(row('plan.md').getAttribute('aria-describedby')).resolves.toBeNull();

    // The bad ones: the reason on hover and as the description read out with the row.
    await expect(badge('empty.txt').getAttribute('title')).resolves.toBe(`Failed: ${emptyReason}`);
    await expect(description('empty.txt')).resolves.toBe(`Failed: ${emptyReason}`);
    await expect(badge('noise.bin').getAttribute('title')).resolves.toBe(`Unsupported: ${oddReason}`);
    await expect(description('noise.bin')).resolves.toBe(`Unsupported: ${oddReason}`);
    // The badges differ in more than colour: their words and their outline.
    const borders = await Promise.all(['empty.txt', 'noise.bin'].map((t) => badge(t).evaluate((el) => getComputedStyle(el).borderStyle)));
    expect(borders).toEqual(['solid', 'dashed']);

    // Every row still fits its fixed height.
    for (const title of ['plan.md', 'noise.bin', 'empty.txt']) {
      const fits = await row(title).evaluate((el) => el.scrollHeight <= el.clientHeight + 1);
      expect(fits, title).toBe(true);
    }

    // Keyboard: the failed row becomes the active descendant, and its description is what it names.
    await page().getByTestId('library-list').focus();
    const list = page().getByTestId('library-list');
    const ids = await rows().evaluateAll((els) => els.map((el) => el.id));
    const emptyIndex = ids.indexOf(`row-${empty.id}`);
    await page().keyboard.press('Home');
    for (let i = 0; i < emptyIndex; i++) await page().keyboard.press('ArrowDown');
    await expect.poll(() => list.getAttribute('aria-activedescendant')).toBe(`row-${empty.id}`);
    await screenshot(page(), 'library-status');
  });
});
