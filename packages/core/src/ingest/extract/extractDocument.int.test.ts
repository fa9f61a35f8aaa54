import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../../blobs/blobStore.js';
import * as fx from '../../testing/documentFixtures.js';
import { makeTempDir } from '../../testing/tempDir.js';
import { extractDocument, type ExtractOutcome } from './extractDocument.js';

let dir: { path: string; remove: () => void };
let blobs: BlobStore;
beforeAll(() => {
  dir = makeTempDir();
  blobs = new BlobStore(dir.path);
});
afterAll(() => dir.remove());

let counter = 0;
async function extract(name: string, bytes: Uint8Array | string): Promise<ExtractOutcome> {
  const folder = join(dir.path, 'files', String(counter++));
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return extractDocument({ entryId: 'e', blobPath: path, name, dataDir: dir.path, tempDir: join(dir.path, 'tmp', String(counter)) });
}

/** The stored text of a successful extraction. */
async function text(name: string, bytes: Uint8Array | string): Promise<string> {
  const outcome = await extract(name, bytes);
  if (outcome.kind !== 'done') throw new Error(`expected text from ${name}, got ${JSON.stringify(outcome)}`);
  return blobs.readText(outcome.result.textSha256);
}

async function failure(name: string, bytes: Uint8Array | string): Promise<{ code: string; reason: string }> {
  const outcome = await extract(name, bytes);
  if (outcome.kind !== 'failed') throw new Error(`expected ${name} to fail, got ${JSON.stringify(outcome).slice(0, 300)}`);
  return outcome;
}

describe('text in any common encoding', () => {
  const english = 'Café déjà vu: naïve façade.\nSecond line.\n';
  const chinese = '数据同步与离线搜索。本地优先的知识库。\n';

  it('reads UTF-8 with and without a byte-order mark, byte for byte', async () => {
    const plain = await extract('a.txt', english);
    expect(plain.kind === 'done' && plain.result).toMatchObject({ mimeType: 'text/plain', chars: english.length });
    expect(await text('b.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(english)]))).toBe(english);
    // A clean UTF-8 file is its own text: one blob, not two.
    expect(plain.kind === 'done' && plain.result.textSha256).toBe(blobs.putText(english).sha256);
  });

  it('reads UTF-16 and UTF-32, with or without a byte-order mark', async () => {
    const le = Buffer.from(english, 'utf16le');
    expect(await text('le-bom.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), le]))).toBe(english);
    expect(await text('le.txt', le)).toBe(english);
    expect(await text('be-bom.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(english, 'utf-16be')]))).toBe(english);
    expect(await text('be.txt', iconv.encode(english, 'utf-16be'))).toBe(english);
    expect(await text('32.txt', iconv.encode(english, 'utf-32le', { addBOM: true }))).toBe(english);
    expect(await text('zh16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(chinese, 'utf16le')]))).toBe(chinese);
  });

  it('detects legacy encodings: Windows-1252, GBK and Big5', async () => {
    const western = 'Déjà vu in the café: naïve façades, señor, and a smörgåsbord of Übermäßig große Straßen.\n';
    expect(await text('latin.txt', iconv.encode(western, 'windows-1252'))).toBe(western);
    const simplified = '数据同步是本地优先知识库的核心功能，用户可以离线搜索所有文档，并且每一次修改都会保留在历史记录中。\n';
    expect(await text('gbk.txt', iconv.encode(simplified, 'gbk'))).toBe(simplified);
    const traditional = '資料同步是本地優先知識庫的核心功能，使用者可以離線搜尋所有文件，並且每一次修改都會保留在歷史紀錄中。\n';
    expect(await text('big5.txt', iconv.encode(traditional, 'big5'))).toBe(traditional);
  });

  it('knows Markdown, CSV and TSV by name, and tells the language', async () => {
    const md = await extract('notes.md', '# Title\n\nThe quick brown fox jumps over the lazy dog and keeps on running far away.\n');
    expect(md.kind === 'done' && md.result).toMatchObject({ mimeType: 'text/markdown', language: 'en' });
    const zh = await extract('zh.md', '数据同步是本地优先知识库的核心功能，用户可以离线搜索所有文档。\n');
    expect(zh.kind === 'done' && zh.result.language).toBe('zh');
    expect(await text('t.csv', 'name,cost\n"Rent, monthly",1200\nFood,350\n')).toBe('name | cost\nRent, monthly | 1200\nFood | 350\n');
    expect(await text('t.tsv', 'a\tb\n1\t2\n')).toBe('a | b\n1 | 2\n');
  });
});

describe('documents', () => {
  it('HTML: text, headings and tables kept; scripts, styles and navigation dropped', async () => {
    const html = `<!doctype html><html><head><title>Field notes</title><style>p{color:red}</style><script>var secret = "tracking";</script></head>
      <body><nav><a href="/">Home</a> <a href="/about">About us</a></nav><h1>Birds of the marsh</h1><p>Herons &amp; egrets wade at dawn.</p>
      <table><tr><th>Bird</th><th>Count</th></tr><tr><td>Heron</td><td>4</td></tr></table><img src="data:image/png;base64,AAAA"></body></html>`;
    const result = await text('page.html', html);
    expect(result).toContain('Field notes');
    expect(result).toContain('Birds of the marsh');
    expect(result).toContain('Herons & egrets wade at dawn.');
    expect(result).toMatch(/Heron\s+4/);
    expect(result).not.toMatch(/tracking|color:red|About us/);
  });

  it('HTML is recognized by its content even when named .txt', async () => {
    const outcome = await extract('saved.txt', '<html><body><p>Hello <b>there</b></p><script>x()</script></body></html>');
    expect(outcome.kind === 'done' && outcome.result.mimeType).toBe('text/html');
  });

  it('PDF with a text layer: every page, in order', async () => {
    const outcome = await extract('report.pdf', await fx.pdfWithText(['Quarterly report\nRevenue grew by 12 percent this quarter.', 'Second page: outlook for the next year is bright.']));
    expect(outcome).toMatchObject({ kind: 'done', result: { mimeType: 'application/pdf', pageCount: 2, ocrUsed: false } });
    const stored = blobs.readText((outcome as { result: { textSha256: string } }).result.textSha256);
    expect(stored.indexOf('Revenue grew by 12 percent')).toBeGreaterThanOrEqual(0);
    expect(stored.indexOf('Second page')).toBeGreaterThan(stored.indexOf('Revenue'));
  });

  it('PDF pages without a text layer are rendered for OCR', async () => {
    const png = await fx.renderTextPng(['Scanned page']);
    const outcome = await extract('scan.pdf', await fx.pdfWithImages([png]));
    expect(outcome.kind).toBe('ocr');
    if (outcome.kind !== 'ocr') return;
    const images = outcome.parts.filter((p) => 'image' in p);
    expect(images).toHaveLength(1);
    expect(readFileSync((images[0] as { image: string }).image).subarray(1, 4).toString()).toBe('PNG');
  });

  it('a PDF named .txt is read as a PDF (the content decides, not the name)', async () => {
    const outcome = await extract('not-really.txt', await fx.pdfWithText(['Disguised document with enough text to count as a text layer.']));
    expect(outcome.kind === 'done' && outcome.result.mimeType).toBe('application/pdf');
  });

  it('DOCX, PPTX, XLSX, ODT, EPUB', async () => {
    expect(await text('a.docx', fx.docx(['# Meeting notes', 'We agreed to ship on Friday.']))).toMatch(/Meeting notes\s+We agreed to ship on Friday\./);
    const slides = await text('deck.pptx', fx.pptx([['Roadmap 2025'], ['Search', 'Sync']]));
    expect(slides).toContain('Roadmap 2025');
    expect(slides).toMatch(/Search[\s\S]*Sync/);
    const sheet = await text('budget.xlsx', await fx.xlsx({ 'Budget 2024': [['Item', 'Cost', 'Note'], ['Rent', 1200, '房租'], [new Date(Date.UTC(2024, 0, 2)), 350.5]] }));
    expect(sheet).toBe('Budget 2024\n\nItem | Cost | Note\nRent | 1200 | 房租\n2024-01-02 | 350.5\n');
    expect(await text('letter.odt', fx.odt(['Dear reader,', 'OpenDocument text works too.']))).toMatch(/Dear reader,\s+OpenDocument text works too\./);
    const book = await text('book.epub', fx.epub('A Small Book', ['Chapter one begins here.', 'Chapter two follows.']));
    expect(book).toMatch(/A Small Book[\s\S]*Chapter one begins here\.[\s\S]*Chapter two follows\./);
  });

  it('EML: headers, body and attachment names', async () => {
    const eml = [
      'From: Ada <ada@example.com>',
      'To: Bob <bob@example.com>',
      'Subject: Minutes',
      'Date: Tue, 02 Jan 2024 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The minutes are attached.',
      '--b',
      'Content-Type: application/pdf; name="minutes.pdf"',
      'Content-Disposition: attachment; filename="minutes.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQK',
      '--b--',
      '',
    ].join('\r\n');
    const result = await text('mail.eml', eml);
    expect(result).toContain('Subject: Minutes');
    expect(result).toContain('From: Ada <ada@example.com>');
    expect(result).toContain('The minutes are attached.');
    expect(result).toContain('Attachments: minutes.pdf');
  });

  it('RTF: body text with code-page and Unicode characters, without fonts, info or pictures', async () => {
    const rtf = String.raw`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}{\f1\fnil\fcharset134 SimSun;}}{\info{\title Secret title}}
\f0 Caf\'e9 au lait\par {\pict\pngblip 89504e470d0a}Unicode \uc1\u20013?\u25991? ok\par \f1 \'d6\'d0\'ce\'c4\par}`;
    const result = await text('note.rtf', rtf);
    expect(result).toContain('Café au lait');
    expect(result).toContain('Unicode 中文 ok');
    expect(result).toContain('中文');
    expect(result).not.toMatch(/Times New Roman|Secret title|89504e/);
  });
});

describe('bad input ends as a clear outcome', () => {
  it('empty and whitespace-only files', async () => {
    expect(await failure('empty.txt', '')).toMatchObject({ code: 'empty', reason: 'the file is empty (0 bytes)' });
    expect(await failure('blank.md', ' \n\t\r\n  ')).toMatchObject({ code: 'empty', reason: 'the file contains only whitespace' });
  });

  it('truncated and corrupt PDF and DOCX', async () => {
    const pdf = await fx.pdfWithText(['Some text that will be cut off.']);
    expect(await failure('cut.pdf', pdf.subarray(0, 300))).toMatchObject({ code: 'corrupt' });
    expect((await failure('garbage.pdf', '%PDF-1.7\n' + 'x'.repeat(500))).code).toBe('corrupt');
    const docx = fx.docx(['Hello']);
    expect(await failure('cut.docx', docx.subarray(0, Math.floor(docx.length / 2)))).toMatchObject({ code: 'corrupt', reason: expect.stringMatching(/damaged or truncated/) as string });
  });

  it('password-protected PDF and XLSX', async () => {
    expect(await failure('locked.pdf', await fx.passwordPdf())).toMatchObject({ code: 'encrypted', reason: expect.stringMatching(/password/) as string });
    expect(await failure('locked.xlsx', await fx.passwordXlsx())).toMatchObject({ code: 'encrypted', reason: expect.stringMatching(/password/) as string });
  });

  it('a PDF with no pages', async () => {
    expect(await failure('none.pdf', await fx.emptyPdf())).toMatchObject({ code: 'empty', reason: expect.stringMatching(/no pages/) as string });
  });

  it('unknown binary, audio, archives', async () => {
    expect(await failure('blob.dat', fx.unknownBinary())).toMatchObject({ code: 'unsupported' });
    expect(await failure('song.mp3', fx.wav())).toMatchObject({ code: 'unsupported', reason: 'audio (audio/wav) has no text Cairn can extract' });
    expect(await failure('evil.zip', fx.zipWithTraversal())).toMatchObject({ code: 'unsupported', reason: expect.stringMatching(/unpack it/) as string });
  });

  it('a decompression bomb inside an Office file is refused without unpacking it', async () => {
    const bomb = fx.docxBomb(100);
    expect(bomb.length).toBeLessThan(2 ** 20);
    expect(await failure('bomb.docx', bomb)).toMatchObject({ code: 'too_large', reason: expect.stringMatching(/refused to unpack/) as string });
  });
});
