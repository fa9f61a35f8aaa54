// In Chromium against `cairn serve` (which runs ingestion): files dropped on the window are imported and
// processed (OCR included), found by search in English and Chinese, shown as documents with their
// original; bad files fail with the engine's reason; settings show the model and OCR languages.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, dropFiles, importFile, importRow, screenshot, textPng } from './harness.js';

// Every test opens its own app (fresh data directory, its own browser context and preferences) and
// imports what it needs itself.
const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;

let png: Buffer;
beforeAll(async () => {
  png = await textPng(['HARBOR LANTERN']);
});

const MARKDOWN = '# 数据同步笔记\n\nThe lighthouse keeper notes how 数据同步 works between devices: every change is kept.\n';

const panel = () => page().getByRole('dialog', { name: 'Import' });
const item = (name: string) => importRow(page(), name);
const stateOf = (name: string) => item(name).getAttribute('data-state');
const rows = () => page().getByTestId('library-list').getByRole('option');

async function search(query: string) {
  const input = page().getByRole('combobox', { name: 'Search query' });
  if (!(await input.isVisible())) await page().keyboard.press('Control+k');
  await input.fill(query);
  return page().getByRole('listbox', { name: 'Results' }).getByRole('option');
}

/** The two files most tests start from, imported through the engine API (English OCR: the image is English). */
async function importBoth() {
  await importFile(serve(), { name: 'sync-notes.md', text: MARKDOWN });
  await importFile(serve(), { name: 'harbor-sign.png', bytes: png, ocrLanguages: ['eng'] });
  await expect.poll(() => rows().count()).toBe(2);
}

describe('import in web mode', () => {
  it('imports a dropped Markdown file and a PNG with text, and follows both to done', async () => {
    // English only for OCR (a setting sent with each import): the test's image is English.
    await page().getByRole('button', { name: 'Settings' }).click();
    const settings = page().getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('checkbox', { name: /Simplified Chinese/ }).uncheck();
    await expect(settings.getByRole('checkbox', { name: 'English' }).isDisabled()).resolves.toBe(true);
    await page().keyboard.press('Escape');

    await dropFiles(page(), [
      { name: 'sync-notes.md', text: MARKDOWN, type: 'text/markdown' },
      { name: 'harbor-sign.png', bytes: png, type: 'image/png' },
    ]);
    await expect.poll(() => panel().isVisible()).toBe(true);
    await expect.poll(() => stateOf('sync-notes.md'), { timeout: 15_000 }).toBe('done');
    await expect.poll(() => stateOf('harbor-sign.png'), { timeout: 60_000 }).toBe('done');
    await expect(panel().getByText('2 of 2 finished').isVisible()).resolves.toBe(true);
    await screenshot(page(), 'import-panel');
    // The library lists both as documents.
    await expect.poll(() => rows().allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('harbor-sign.png'), expect.stringContaining('sync-notes.md')]));
  });

  it('finds each file by search, the image by its OCR text and the Markdown by a Chinese query, with highlighted snippets', async () => {
    await importBoth();
    let hits = await search('lantern');
    await expect.poll(() => hits.first().textContent()).toContain('harbor-sign.png');
    await expect(hits.first().locator('mark').first().textContent()).resolves.toMatch(/lantern/i);

    hits = await search('数据同步');
    await expect.poll(() => hits.first().textContent()).toContain('sync-notes.md');
    // The engine segments Chinese into words (数据 · 同步) and marks each.
    await expect(hits.first().locator('mark').allTextContents()).resolves.toEqual(expect.arrayContaining(['数据', '同步']));
    await expect.poll(() => page().getByTestId('search-summary').textContent()).toMatch(/1 result in \d+ ms/);
    await screenshot(page(), 'search-palette');

    // Opening a result shows the document.
    await page().keyboard.press('Enter');
    await expect.poll(() => page().getByRole('combobox', { name: 'Search query' }).isVisible()).toBe(false);
    await expect.poll(() => page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe('sync-notes.md');
  });

  it('shows a document: status, OCR and pages, the extracted text, and the original as a download', async () => {
    await importBoth();
    const hits = await search('lantern');
    await hits.first().click();
    const status = page().getByTestId('document-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('done');
    await expect.poll(() => page().getByTestId('document-text').textContent()).toMatch(/HARBOR LANTERN/i);
    const facts = page().getByRole('definition');
    await expect.poll(() => facts.allTextContents()).toEqual(expect.arrayContaining(['image/png', 'yes', '1']));
    // The image itself is shown, drawn from the original.
    const image = page().getByRole('img', { name: 'The original image, harbor-sign.png' });
    await expect.poll(() => image.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1200);
    await screenshot(page(), 'document-view');

    const link = page().getByRole('link', { name: 'Open the original' });
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/api\/original\//);
    const response = await page().request.get(`${serve().origin}${href}`);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-disposition']).toContain('attachment; filename="harbor-sign.png"');
    expect(Buffer.from(await response.body()).equals(png)).toBe(true);
  });

  it('shows bad drops as failed with the engine’s reason (empty, unsupported), and a duplicate as already imported', async () => {
    await importFile(serve(), { name: 'sync-notes.md', text: MARKDOWN });
    const binary = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256);
    await dropFiles(page(), [
      { name: 'empty.txt', text: '' },
      { name: 'mystery.bin', bytes: binary },
      { name: 'again.md', text: MARKDOWN },
    ]);
    await expect.poll(() => stateOf('empty.txt'), { timeout: 15_000 }).toBe('failed');
    await expect(item('empty.txt').getByTestId('import-reason').textContent()).resolves.toMatch(/empty/i);
    await expect.poll(() => stateOf('mystery.bin'), { timeout: 15_000 }).toBe('unsupported');
    await expect(item('mystery.bin').getByTestId('import-reason').textContent()).resolves.toMatch(/binary|not .*supported|cannot be read/i);
    await expect(item('mystery.bin').getByText('Unsupported').isVisible()).resolves.toBe(true);
    await expect.poll(() => stateOf('again.md')).toBe('duplicate');
    await expect(item('again.md').textContent()).resolves.toContain('Already in sync-notes.md');
    await expect(item('empty.txt').getByRole('button', { name: 'Retry empty.txt' }).isVisible()).resolves.toBe(true);
    await screenshot(page(), 'import-failures');

    // Retry goes back to the engine, which gives the same verdict.
    await item('empty.txt').getByRole('button', { name: 'Retry empty.txt' }).click();
    await expect.poll(() => stateOf('empty.txt'), { timeout: 15_000 }).toBe('failed');
    await expect(page().getByRole('dialog', { name: 'Import' }).getByRole('listitem', { name: 'mystery.bin Unsupported' }).count()).resolves.toBe(1);

    // The document itself says why, and offers to process it again.
    await item('empty.txt').getByRole('button', { name: 'Open empty.txt' }).click();
    await expect.poll(() => page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe('empty.txt');
    const status = page().getByTestId('document-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('failed');
    await expect(status.textContent()).resolves.toMatch(/Processing failed — the file is empty/);
    const list = await serve().rpc<{ entries: { id: string; title: string }[] }>('listEntries', {});
    const id = list.entries.find((e) => e.title === 'empty.txt')!.id;
    const versions = async () => (await serve().rpc<unknown[]>('history', { id })).length;
    const before = await versions();
    await status.getByRole('button', { name: 'Process again' }).click();
    // The engine recorded the retry (queued again), then the same verdict.
    await expect.poll(versions).toBeGreaterThan(before);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 15_000 }).toBe('failed');

    // The library's Documents view filters by processing status.
    await page().getByRole('button', { name: 'Documents' }).click();
    const statusFilter = page().getByRole('combobox', { name: 'Processing status' });
    await statusFilter.selectOption('failed');
    await expect.poll(async () => (await rows().allTextContents()).join('|')).toMatch(/^[^|]*empty\.txt[^|]*$/);
    await statusFilter.selectOption('unsupported');
    await expect.poll(async () => (await rows().allTextContents()).join('|')).toMatch(/^[^|]*mystery\.bin[^|]*$/);
    await statusFilter.selectOption('done');
    await expect.poll(async () => (await rows().allTextContents()).join('|')).toContain('sync-notes.md');
    expect((await rows().allTextContents()).join('|')).not.toMatch(/empty\.txt|mystery\.bin/);
    await screenshot(page(), 'documents-by-status');
    await statusFilter.selectOption('');
    await page().getByRole('button', { name: 'All entries' }).click();
    await page().getByRole('button', { name: 'Import', exact: true }).click();
  });

  it('sends a large file as a streamed upload, not through the WebSocket', async () => {
    const uploaded = page().waitForRequest((request) => request.url().includes('/api/import?') && request.method() === 'POST');
    await page().evaluate(() => {
      const data = new DataTransfer();
      // 9 MiB of an unknown binary format: over the upload threshold, and quick for the engine to refuse.
      const bytes = new Uint8Array(9 * 2 ** 20);
      for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 1 + (i % 250);
      data.items.add(new File([bytes], 'large.dat'));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const request = await uploaded;
    expect(new URL(request.url()).searchParams.get('name')).toBe('large.dat');
    await expect.poll(() => stateOf('large.dat'), { timeout: 20_000 }).toBe('unsupported');
    await page().keyboard.press('Escape');
  });

  it('lists the imports and their processing in the activity feed', async () => {
    await importBoth();
    expect((await importFile(serve(), { name: 'empty.txt', text: '' })).status).toBe('failed');
    await page().getByRole('button', { name: 'Activity' }).click();
    const feed = page().getByRole('region', { name: 'Recent activity' });
    await expect.poll(() => feed.getByRole('listitem').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Processed harbor-sign\.png/),
        expect.stringMatching(/^Imported sync-notes\.md/),
        expect.stringMatching(/^Processing failed empty\.txt/),
      ]),
    );
    await screenshot(page(), 'activity-documents');
    await page().getByRole('button', { name: 'All entries' }).click();
  });

  it('shows the search model’s status and the OCR languages in settings, in Chinese too', async () => {
    await page().getByRole('button', { name: 'Settings' }).click();
    const settings = page().getByRole('dialog', { name: 'Settings' });
    await expect.poll(() => settings.getByTestId('model-status').textContent()).toContain('Not downloaded');
    await expect(settings.getByRole('button', { name: 'Download the model' }).isEnabled()).resolves.toBe(true);
    await settings.getByRole('checkbox', { name: /Simplified Chinese/ }).check();
    await screenshot(page(), 'settings');
    await settings.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    const zh = page().getByRole('dialog', { name: '设置' });
    await expect.poll(() => zh.getByTestId('model-status').textContent()).toContain('未下载');
    await screenshot(page(), 'settings-chinese');
    await expect(zh.getByRole('checkbox', { name: /简体中文/ }).isChecked()).resolves.toBe(true);
  });
});
