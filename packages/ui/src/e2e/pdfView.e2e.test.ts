// In Chromium against `cairn serve`: a PDF original is shown in the document view with pdf.js, one page at a
// time. Opened from a search hit, it opens on the page of the hit with the matched word marked in the text
// layer; the pages turn with buttons and keys; a PDF pdf.js cannot open says so, and the extracted text stays.
import { passwordPdf, pdfWithText } from '@cairn/core/testing/documents';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, importFile, screenshot } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;

/** Three pages; the distinctive word is only on page 2. */
const PAGES = ['Harbor log, first page.\nThe tide came in at noon.', 'Second page.\nThe keeper saw a Zephyrine lantern at dusk.', 'Third page.\nNothing more to report.'];

const viewer = (name: string) => page().getByRole('region', { name: `The original PDF, ${name}` });
const pageLabel = (name: string) => viewer(name).getByTestId('pdf-page');
const rows = () => page().getByTestId('library-list').getByRole('option');

async function openHit(query: string) {
  await page().keyboard.press('Control+k');
  await page().getByRole('combobox', { name: 'Search query' }).fill(query);
  const hits = page().getByRole('listbox', { name: 'Results' }).getByRole('option');
  await expect.poll(() => hits.count()).toBeGreaterThan(0);
  await hits.first().click();
}

/** How many pixels of the page's canvas are not white (a drawn page has text on it). */
async function inkedPixels(name: string): Promise<number> {
  return viewer(name)
    .locator('canvas')
    .evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 128 && data[i + 3]! > 0) inked++;
      return inked;
    });
}

describe('PDF originals in the document view', () => {
  it('opens a PDF from a search hit on the page of the hit, with the word marked, and turns its pages', async () => {
    await importFile(serve(), { name: 'harbor-log.pdf', bytes: await pdfWithText(PAGES) });
    await openHit('zephyrine');

    await expect.poll(() => pageLabel('harbor-log.pdf').textContent(), { timeout: 20_000 }).toBe('Page 2 of 3');
    const textLayer = viewer('harbor-log.pdf').getByTestId('pdf-text-layer');
    const hit = textLayer.getByTestId('pdf-hit');
    await expect.poll(() => hit.allTextContents()).toEqual(['Zephyrine']);
    // The mark sits on the word as drawn: inside the page, with a size.
    const box = await hit.boundingBox();
    const pageBox = await viewer('harbor-log.pdf').getByRole('group', { name: 'Page 2 of 3' }).boundingBox();
    expect(box && pageBox && box.width > 10 && box.height > 5 && box.x > pageBox.x && box.y > pageBox.y && box.x + box.width < pageBox.x + pageBox.width).toBe(true);
    // The page is drawn, and its text is there to select.
    await expect.poll(() => inkedPixels('harbor-log.pdf')).toBeGreaterThan(100);
    await expect.poll(() => textLayer.textContent()).toContain('The keeper saw a Zephyrine lantern at dusk.');
    // The extracted text is still shown below.
    await expect.poll(() => page().getByTestId('document-text').textContent()).toContain('Zephyrine');
    await screenshot(page(), 'pdf-viewer-hit');

    // Next and previous, by button.
    const next = viewer('harbor-log.pdf').getByRole('button', { name: 'Next page' });
    const previous = viewer('harbor-log.pdf').getByRole('button', { name: 'Previous page' });
    await next.click();
    await expect.poll(() => pageLabel('harbor-log.pdf').textContent()).toBe('Page 3 of 3');
    await expect.poll(() => textLayer.textContent()).toContain('Nothing more to report.');
    await expect.poll(() => next.isDisabled()).toBe(true);
    await expect.poll(() => textLayer.getByTestId('pdf-hit').count()).toBe(0);
    await previous.click();
    await previous.click();
    await expect.poll(() => pageLabel('harbor-log.pdf').textContent()).toBe('Page 1 of 3');
    await expect.poll(() => textLayer.textContent()).toContain('The tide came in at noon.');
    await expect.poll(() => previous.isDisabled()).toBe(true);

    // And by keyboard: the page takes focus and turns with the arrow keys.
    const pageGroup = viewer('harbor-log.pdf').getByRole('group', { name: 'Page 1 of 3' });
    await pageGroup.focus();
    await page().keyboard.press('ArrowRight');
    await expect.poll(() => pageLabel('harbor-log.pdf').textContent()).toBe('Page 2 of 3');
    await page().keyboard.press('PageDown');
    await expect.poll(() => pageLabel('harbor-log.pdf').textContent()).toBe('Page 3 of 3');
    await page().keyboard.press('ArrowLeft');
    await expect.poll(() => pageLabel('harbor-log.pdf').textContent()).toBe('Page 2 of 3');
  });

  it('opens a PDF from the library on its first page, with nothing marked', async () => {
    await importFile(serve(), { name: 'harbor-log.pdf', bytes: await pdfWithText(PAGES) });
    await expect.poll(() => rows().count()).toBe(1);
    await rows().first().click();
    await expect.poll(() => pageLabel('harbor-log.pdf').textContent(), { timeout: 20_000 }).toBe('Page 1 of 3');
    const textLayer = viewer('harbor-log.pdf').getByTestId('pdf-text-layer');
    await expect.poll(() => textLayer.textContent()).toContain('The tide came in at noon.');
    expect(await textLayer.getByTestId('pdf-hit').count()).toBe(0);

    // A narrower window draws the page narrower, its text layer with it.
    const frame = viewer('harbor-log.pdf').getByRole('group', { name: 'Page 1 of 3' });
    const wide = (await frame.boundingBox())!.width;
    await page().setViewportSize({ width: 1000, height: 860 });
    await expect.poll(async () => (await frame.boundingBox())!.width).toBeLessThan(wide - 200);
    await expect.poll(async () => Math.abs((await textLayer.boundingBox())!.width - (await frame.boundingBox())!.width)).toBeLessThan(2);
    await expect.poll(() => textLayer.textContent()).toContain('The tide came in at noon.');
  });

  it('opens a long PDF on a late page of a hit, drawing that page only', async () => {
    const ledger = Array.from({ length: 400 }, (_, i) => (i === 369 ? 'Ledger page.\nA quillwort was pressed here.' : `Ledger page ${i + 1}.\nNothing of note.`));
    await importFile(serve(), { name: 'ledger.pdf', bytes: await pdfWithText(ledger) });
    await openHit('quillwort');
    await expect.poll(() => pageLabel('ledger.pdf').textContent(), { timeout: 20_000 }).toBe('Page 370 of 400');
    await expect.poll(() => viewer('ledger.pdf').getByTestId('pdf-hit').allTextContents()).toEqual(['quillwort']);
    // One page in the document: one canvas, one text layer.
    expect(await viewer('ledger.pdf').locator('canvas').count()).toBe(1);
    expect(await viewer('ledger.pdf').getByTestId('pdf-text-layer').count()).toBe(1);
  }, 60_000);

  it('says so in place of the viewer when pdf.js cannot open a PDF, and keeps the rest of the document view', async () => {
    const broken = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2048, 0x41)]);
    await importFile(serve(), { name: 'broken.pdf', bytes: broken });
    await importFile(serve(), { name: 'locked.pdf', bytes: await passwordPdf() });
    await expect.poll(() => rows().count()).toBe(2);
    for (const name of ['broken.pdf', 'locked.pdf']) {
      await rows().filter({ hasText: name }).click();
      const failed = viewer(name).getByTestId('pdf-failed');
      // Neither has extracted text either, so the message does not point to any.
      await expect.poll(() => failed.textContent(), { timeout: 20_000 }).toMatch(/^This PDF cannot be shown here \(.+\), and no text could be extracted from it/);
      await expect.poll(() => page().getByTestId('document-status').isVisible()).toBe(true);
      await expect.poll(() => page().getByRole('link', { name: 'Open the original' }).isVisible()).toBe(true);
    }
    await screenshot(page(), 'pdf-viewer-failed');
  }, 60_000);
});
