// In Chromium against `cairn serve`: text-like originals are shown inside the document view — an HTML page and an
// e-mail's HTML body in a sandboxed frame where nothing runs and nothing is fetched from elsewhere, e-mail headers
// and attachments above the body, Markdown rendered like a note.
import type { Frame, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appPerTest, importFile, screenshot } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;

const row = (name: string) => page().getByTestId('library-list').getByRole('option', { name: new RegExp(name.replace(/\./g, '\\.')) });
const original = () => page().getByTestId('original-text');

/** Every request the page (and any frame in it) makes, from now on. */
function recordRequests(): string[] {
  const urls: string[] = [];
  page().on('request', (request: Request) => urls.push(request.url()));
  return urls;
}

/** The frame showing the original (a sandboxed `about:srcdoc` page). */
async function originalFrame(): Promise<Frame> {
  const handle = await page().getByTestId('original-frame').elementHandle();
  const frame = await handle?.contentFrame();
  if (!frame) throw new Error('no frame for the original');
  return frame;
}

const HOSTILE_PAGE = `<!doctype html><html><head><title>Harbor report</title>
<meta http-equiv="refresh" content="2;url=http://tracker.example/refresh">
<link rel="stylesheet" href="http://tracker.example/style.css">
<style>body { background: url(http://tracker.example/bg.png) }</style></head>
<body onload="window.ranOnload = true">
<h1>Harbor lantern report</h1>
<p>The keeper lit the lantern at dusk. <a href="https://example.com/more">Read more</a></p>
<p id="target">untouched</p>
<script>window.ranScript = true; document.getElementById('target').textContent = 'SCRIPT RAN'; parent.document.title = 'SCRIPT RAN';</script>
<img src="http://tracker.example/pixel.gif?reader=1" alt="company logo">
<img src="x" onerror="window.ranOnerror = true; document.body.append('HANDLER RAN')">
</body></html>`;

const EMAIL = [
  'From: Ada Lovelace <ada@example.com>',
  'To: Charles Babbage <charles@example.com>',
  'Subject: Notes on the analytical engine',
  'Date: Tue, 01 Dec 2026 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>The engine weaves <b>algebraic patterns</b>.</p><img src="https://tracker.example/open.gif"><script>window.ranScript = true</script>',
  '--outer',
  'Content-Type: text/plain; name="table.txt"',
  'Content-Disposition: attachment; filename="table.txt"',
  '',
  'Bernoulli numbers',
  '--outer--',
  '',
].join('\r\n');

describe('originals shown in the app', () => {
  it('an HTML original renders its text in a sandboxed frame: its script does not run and nothing loads from elsewhere', async () => {
    const requests = recordRequests();
    await importFile(serve(), { name: 'harbor-report.html', text: HOSTILE_PAGE });
    await row('harbor-report.html').click();

    const frameElement = page().getByTestId('original-frame');
    await frameElement.waitFor();
    const sandbox = (await frameElement.getAttribute('sandbox')) ?? 'none';
    expect(sandbox.split(/\s+/)).not.toContain('allow-scripts');
    expect(sandbox.split(/\s+/)).not.toContain('allow-same-origin');
    const frame = await originalFrame();
    await expect.poll(() => frame.locator('h1').textContent()).toBe('Harbor lantern report');
    await expect.poll(() => frame.locator('body').textContent()).toContain('[company logo]');
    expect(await frame.locator('#target').count()).toBe(0); // ids are not kept; the paragraph is
    expect(await frame.locator('body').textContent()).not.toMatch(/SCRIPT RAN|HANDLER RAN/);
    expect(await frame.evaluate(() => [typeof (window as { ranScript?: unknown }).ranScript, typeof (window as { ranOnerror?: unknown }).ranOnerror, typeof (window as { ranOnload?: unknown }).ranOnload])).toEqual(['undefined', 'undefined', 'undefined']);
    expect(await frame.locator('script, img, link, meta[http-equiv=refresh]').count()).toBe(0);
    // A link opens outside the frame, without an opener.
    const link = frame.getByRole('link', { name: 'Read more' });
    expect([await link.getAttribute('target'), await link.getAttribute('rel')]).toEqual(['_blank', 'noopener noreferrer']);
    await expect(page().getByText('2 images from elsewhere are not loaded', { exact: false }).isVisible()).resolves.toBe(true);
    // The page's own title and the app are untouched; the refresh would have fired by now.
    await page().waitForTimeout(2_500);
    expect(await page().title()).not.toBe('SCRIPT RAN');
    expect(requests.filter((url) => url.includes('tracker.example'))).toEqual([]);
    await screenshot(page(), 'original-html');
  });

  it('an e-mail shows From, To, Subject and Date, its HTML body made safe, and its attachments by name', async () => {
    const requests = recordRequests();
    await importFile(serve(), { name: 'engine-notes.eml', text: EMAIL });
    await row('engine-notes.eml').click();

    const headers = page().getByRole('definition');
    const headerList = page().getByTestId('email-headers');
    await headerList.waitFor();
    await expect.poll(() => headerList.getByRole('term').allTextContents()).toEqual(['From', 'To', 'Date', 'Subject']);
    await expect.poll(() => headers.allTextContents()).toEqual(expect.arrayContaining(['Ada Lovelace <ada@example.com>', 'Charles Babbage <charles@example.com>', 'Notes on the analytical engine']));
    await expect(original().getByRole('list', { name: 'Attachments' }).textContent()).resolves.toContain('table.txt');
    const frame = await originalFrame();
    await expect.poll(() => frame.locator('b').textContent()).toBe('algebraic patterns');
    expect(await frame.evaluate(() => typeof (window as { ranScript?: unknown }).ranScript)).toBe('undefined');
    await expect(page().getByText('1 image from elsewhere is not loaded', { exact: false }).isVisible()).resolves.toBe(true);
    expect(requests.filter((url) => url.includes('tracker.example'))).toEqual([]);
    await screenshot(page(), 'original-email');
  });

  it('a Markdown original renders like a note, its raw HTML as text and its remote image as a link', async () => {
    const requests = recordRequests();
    await importFile(serve(), { name: 'keeper.md', text: '# Keeper log\n\nLit at **dusk**. <script>window.ranScript = true</script>\n\n![the tower](http://tracker.example/tower.png)\n' });
    await row('keeper.md').click();

    const preview = original().getByTestId('markdown-preview');
    await expect.poll(() => preview.locator('h1').textContent()).toBe('Keeper log');
    await expect(preview.locator('strong').textContent()).resolves.toBe('dusk');
    await expect(preview.textContent()).resolves.toContain('<script>window.ranScript = true</script>');
    await expect(preview.getByRole('link', { name: '[the tower]' }).getAttribute('href')).resolves.toBe('http://tracker.example/tower.png');
    expect(await preview.locator('img').count()).toBe(0);
    expect(await page().evaluate(() => typeof (window as { ranScript?: unknown }).ranScript)).toBe('undefined');
    expect(requests.filter((url) => url.includes('tracker.example'))).toEqual([]);
  });
});
