import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEngineApi } from '../../api/localEngineApi.js';
import type { EngineApi } from '../../api/engineApi.js';
import { Engine } from '../../engine/engine.js';
import { uuidv7 } from '../../ids/uuidv7.js';
import { makeTempDir } from '../../testing/tempDir.js';
import { originalViewLimit, type OriginalView } from './originalView.js';

let dir: { path: string; remove: () => void };
let engine: Engine;
let api: EngineApi;

beforeAll(() => {
  dir = makeTempDir();
  engine = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false });
  api = createLocalEngineApi(engine, uuidv7);
});
afterAll(() => {
  engine.close();
  dir.remove();
});

async function view(name: string, content: string | Buffer): Promise<OriginalView> {
  const imported = await api.importBytes({ name, dataBase64: Buffer.from(content).toString('base64') });
  return api.viewOriginal({ id: imported.entryId! });
}

const hostilePage = `<!doctype html><html><head><title>Quarterly &amp; more</title>
<meta http-equiv="refresh" content="0;url=http://tracker.example/">
<base href="http://tracker.example/"><link rel="stylesheet" href="http://tracker.example/s.css">
<style>body { background: url(http://tracker.example/bg.png) }</style></head>
<body onload="window.ran = 1">
<h1>Quarterly report</h1>
<p style="color:green">Revenue grew. <a href="https://example.com/more">More</a> <a href="javascript:alert(1)">bad</a></p>
<p style="background-image: url('http://tracker.example/p.gif')">Styled</p>
<script>document.body.innerHTML = 'pwned'</script>
<img src="http://tracker.example/pixel.gif" alt="logo"><img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">
<img src=x onerror="window.ran = 2"><iframe src="http://tracker.example/frame"></iframe><object data="http://tracker.example/o"></object>
<form action="http://tracker.example/"><input name="q"></form><svg><script>1</script></svg>
</body></html>`;

describe('viewOriginal', () => {
  it('an HTML page keeps its text and markup and loses every script, handler and remote load', async () => {
    const page = await view('report.html', hostilePage);
    expect(page.kind).toBe('html');
    if (page.kind !== 'html') return;
    expect(page.title).toBe('Quarterly & more');
    expect(page.html).toContain('<h1>Quarterly report</h1>');
    expect(page.html).toContain('<p style="color:green">Revenue grew.');
    expect(page.html).toContain('<a href="https://example.com/more" target="_blank" rel="noopener noreferrer">More</a>');
    expect(page.html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline" />');
    expect(page.html).toContain('[logo]');
    // Nothing that runs, and no address elsewhere but the link a person may click.
    expect(page.html).not.toMatch(/<script|<iframe|<object|<form|<input|<meta|<base|<link|<style|onload|onerror|javascript:|pwned|url\(/i);
    expect(page.html.match(/https?:\/\/[^"]+/g)).toEqual(['https://example.com/more']);
    expect(page.remoteImages).toBe(2);
    expect(page.partial).toBe(false);
  });

  it('a Markdown original comes back as its source, for the UI to render like a note', async () => {
    const md = await view('plan.md', '# Plan\n\nShip it <script>x()</script> on **Friday**.\n');
    expect(md).toEqual({ kind: 'markdown', text: '# Plan\n\nShip it <script>x()</script> on **Friday**.\n', partial: false });
  });

  it('a large original is shown in part, cut between characters', async () => {
    const md = await view('long.md', `# Long\n\n${'数据'.repeat(originalViewLimit)}`);
    expect(md.kind === 'markdown' && md.partial).toBe(true);
    if (md.kind !== 'markdown') return;
    expect(md.text.length).toBeLessThanOrEqual(originalViewLimit);
    expect(md.text.endsWith('\ufffd')).toBe(false);
    expect(md.text.endsWith('数') || md.text.endsWith('据')).toBe(true);
  });

  it('an e-mail shows its headers, its HTML body made safe with inline images kept, and its attachments by name', async () => {
    const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
    const eml = [
      'From: Ada Lovelace <ada@example.com>',
      'To: Charles Babbage <charles@example.com>',
      'Cc: team@example.com',
      'Subject: Engine notes',
      'Date: Tue, 01 Dec 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>The <b>analytical</b> engine <img src="cid:logo@x" alt="logo"> <img src="https://tracker.example/open.gif"></p><script>alert(1)</script>',
      '--rel',
      'Content-Type: image/png',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <logo@x>',
      'Content-Disposition: inline; filename="logo.png"',
      '',
      pixel,
      '--rel--',
      '--outer',
      'Content-Type: application/pdf; name="plans.pdf"',
      'Content-Disposition: attachment; filename="plans.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 not really').toString('base64'),
      '--outer--',
      '',
    ].join('\r\n');
    const mail = await view('notes.eml', eml);
    expect(mail.kind).toBe('email');
    if (mail.kind !== 'email') return;
    expect(mail.headers).toEqual({
      subject: 'Engine notes',
      from: 'Ada Lovelace <ada@example.com>',
      to: 'Charles Babbage <charles@example.com>',
      cc: 'team@example.com',
      date: '2026-12-01T10:00:00.000Z',
    });
    expect(mail.html).toContain('The <b>analytical</b> engine');
    expect(mail.html).toContain(`<img src="data:image/png;base64,${pixel}`);
    expect(mail.html).not.toMatch(/<script|tracker\.example|cid:/);
    expect(mail.remoteImages).toBe(1);
    expect(mail.attachments).toEqual([{ name: 'plans.pdf', mimeType: 'application/pdf', size: 19 }]);
  });

  it('other types are refused with `unsupported`', async () => {
    await expect(view('data.csv', 'a,b\n1,2\n')).rejects.toMatchObject({ code: 'unsupported' });
  });
});
