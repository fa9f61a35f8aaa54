import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEngineApi } from '../api/localEngineApi.js';
import { Engine } from '../engine/engine.js';
import type { EngineNotice } from '../engine/views.js';
import { uuidv7 } from '../ids/uuidv7.js';
import * as fx from '../testing/documentFixtures.js';
import { makeTempDir } from '../testing/tempDir.js';
import { characterErrorRate } from '../bench/characterErrorRate.js';
import { importPaths } from './importer.js';
import { IngestRuntime } from './ingestRuntime.js';

let dir: { path: string; remove: () => void };
let engine: Engine;
let runtime: IngestRuntime;

beforeAll(() => {
  dir = makeTempDir();
  engine = Engine.open({ dataDir: join(dir.path, 'data'), autoCatchUp: false });
  runtime = IngestRuntime.start(engine, { extractionThreads: 2, ocrWorkers: 2, pollIntervalMs: 100 });
});
afterAll(async () => {
  await runtime.stop();
  engine.close();
  dir.remove();
});

function folder(name: string, files: Record<string, string | Uint8Array>): string {
  const root = join(dir.path, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const text = (id: string) => engine.blobs.readText(engine.documents.get(id).textSha256!);

describe('importing a folder of messy files', () => {
  it('every file ends searchable or marked with what went wrong; the batch and the process go on', async () => {
    const root = folder('messy', {
      'notes/plan.md': '# Plan\n\nShip the importer on Friday, then celebrate with the whole team.\n',
      'notes/empty.txt': '',
      'notes/blank.txt': '   \n\n  ',
      'report.pdf': await fx.pdfWithText(['A real report with a text layer, long enough to count.']),
      'broken.pdf': (await fx.pdfWithText(['cut short'])).subarray(0, 300),
      'locked.pdf': await fx.passwordPdf(),
      'locked.xlsx': await fx.passwordXlsx(),
      'nothing.pdf': await fx.emptyPdf(),
      'broken.docx': fx.docx(['half a document']).subarray(0, 200),
      'mystery.bin': fx.unknownBinary(),
      'voice.wav': fx.wav(),
      'archive.zip': fx.zipWithTraversal(),
      'big.txt': 'x'.repeat(30_000),
      '.hidden': 'not imported',
    });
    symlinkSync(root, join(root, 'notes', 'loop')); // a folder that contains itself
    symlinkSync(join(root, 'does-not-exist'), join(root, 'dangling.txt'));
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const notices: EngineNotice[] = [];
    const unsubscribe = engine.subscribe((n) => notices.push(n));
    const report = await importPaths(engine, [root], { maxFileBytes: 20_000, newId: uuidv7 });
    await runtime.waitFor(report.files.flatMap((f) => (f.entryId ? [f.entryId] : [])));
    unsubscribe();

    const byName = new Map(report.files.map((f) => [f.name, f]));
    const status = (name: string) => {
      const file = byName.get(name)!;
      if (!file.entryId) return { outcome: file.outcome, reason: file.error?.message };
      const document = engine.documents.get(file.entryId);
      return { outcome: file.outcome, status: document.status, code: document.error?.code, reason: document.error?.reason };
    };
    expect(status('plan.md')).toMatchObject({ status: 'done' });
    expect(status('report.pdf')).toMatchObject({ status: 'done' });
    expect(status('empty.txt')).toMatchObject({ status: 'failed', code: 'empty' });
    expect(status('blank.txt')).toMatchObject({ status: 'failed', code: 'empty' });
    expect(status('broken.pdf')).toMatchObject({ status: 'failed', code: 'corrupt' });
    expect(status('locked.pdf')).toMatchObject({ status: 'failed', code: 'encrypted' });
    expect(status('locked.xlsx')).toMatchObject({ status: 'failed', code: 'encrypted' });
    expect(status('nothing.pdf')).toMatchObject({ status: 'failed', code: 'empty' });
    expect(status('broken.docx')).toMatchObject({ status: 'failed', code: 'corrupt' });
    expect(status('mystery.bin')).toMatchObject({ status: 'unsupported' });
    expect(status('voice.wav')).toMatchObject({ status: 'unsupported', reason: expect.stringMatching(/audio/) as string });
    expect(status('archive.zip')).toMatchObject({ status: 'unsupported' });
    expect(status('big.txt')).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/larger than the 20 KB limit/) as string });
    expect(status('loop')).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/symbolic link loop/) as string });
    expect(status('dangling.txt')).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/no such file/) as string });
    expect(status('pipe')).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/not a regular file/) as string });
    expect(status('.hidden')).toMatchObject({ outcome: 'skipped' });

    // The original of every failed document is kept, byte for byte.
    const locked = engine.documents.get(byName.get('locked.pdf')!.entryId!);
    expect(readFileSync(engine.blobs.pathOf(locked.file.sha256))).toEqual(readFileSync(join(root, 'locked.pdf')));
    // Failures are dead-lettered jobs with the reason; documents appear in the entry list.
    expect(engine.jobs.list({ status: 'dead' }).map((j) => j.lastError)).toContain(locked.error!.reason);
    expect(engine.listEntries({ kind: 'document' }).total).toBe(report.imported);
    // …and are listed by where their processing is.
    const titlesWith = (status: 'processing' | 'done' | 'failed' | 'unsupported') => engine.listEntries({ kind: 'document', status, sort: 'title' }).entries.map((e) => e.title);
    expect(titlesWith('failed')).toEqual(['blank.txt', 'broken.docx', 'broken.pdf', 'empty.txt', 'locked.pdf', 'locked.xlsx', 'nothing.pdf']);
    expect(titlesWith('unsupported')).toEqual(expect.arrayContaining(['mystery.bin', 'voice.wav', 'archive.zip']));
    expect(titlesWith('processing')).toEqual([]);
    expect(titlesWith('done').length + titlesWith('failed').length + titlesWith('unsupported').length).toBe(report.imported);
    expect(() => engine.listEntries({ status: 'finished' as 'done' })).toThrow(/unknown status finished/);
    // Every listed row carries its document's type, status and reason (one query; notes carry none).
    const listed = new Map(engine.listEntries({ limit: 100 }).entries.map((e) => [e.title, e.document]));
    expect(listed.get('plan.md')).toMatchObject({ mimeType: expect.stringMatching(/markdown/) as string, status: 'done', reason: null });
    expect(listed.get('empty.txt')).toMatchObject({ status: 'failed', reason: engine.documents.get(byName.get('empty.txt')!.entryId!).error!.reason });
    expect(listed.get('mystery.bin')).toMatchObject({ status: 'unsupported', reason: expect.any(String) as string });
    expect(engine.listEntries({ kind: 'document', status: 'failed', tag: undefined }).entries.every((e) => e.document?.status === 'failed')).toBe(true);
    expect(engine.getEntry(byName.get('plan.md')!.entryId!)).not.toHaveProperty('document');
    // Progress notices, overall and per document status change.
    expect(notices.some((n) => n.type === 'progress' && n.task === 'process' && n.done === n.total)).toBe(true);
    expect(notices.some((n) => n.type === 'changed' && n.eventTypes.includes('DocumentProcessed'))).toBe(true);
  });

  it('importing identical content again names the entry that holds it', async () => {
    const first = await importPaths(engine, [folder('dup-a', { 'a.txt': 'same words, same bytes' })]);
    const again = await importPaths(engine, [folder('dup-b', { 'copy of a.txt': 'same words, same bytes', 'new.txt': 'different' })]);
    const original = first.files[0]!.entryId!;
    expect(again.files.find((f) => f.name === 'copy of a.txt')).toMatchObject({ outcome: 'duplicate', duplicateOf: original, entryId: null });
    expect(again.files.find((f) => f.name === 'new.txt')).toMatchObject({ outcome: 'imported' });
    // Deleting the holder lets the content be imported again as a new document.
    engine.execute({ type: 'DeleteEntry', entryId: original });
    const third = await importPaths(engine, [join(dir.path, 'dup-a', 'a.txt')]);
    expect(third.files[0]).toMatchObject({ outcome: 'imported' });
  });

  it('the engine API: import bytes, status, text, original, jobs and retry', async () => {
    const api = createLocalEngineApi(engine, uuidv7);
    const outcome = await api.importBytes({ name: 'upload/../weird\u0000name.md', dataBase64: Buffer.from('# Uploaded\n\nfrom the browser, with enough words to tell the language.').toString('base64') });
    expect(outcome).toMatchObject({ outcome: 'imported', name: 'weirdname.md', documentStatus: 'queued' });
    await runtime.waitFor([outcome.entryId!]);
    const document = await api.getDocument({ id: outcome.entryId! });
    expect(document).toMatchObject({ status: 'done', mimeType: 'text/markdown', language: 'en', ocrUsed: false, pageCount: null, error: null });
    expect((await api.documentText({ id: outcome.entryId! })).text).toBe('# Uploaded\n\nfrom the browser, with enough words to tell the language.');
    const target = join(dir.path, 'out', 'copy.md');
    await api.exportOriginal({ id: outcome.entryId!, to: target });
    expect(readFileSync(target, 'utf8')).toContain('from the browser');
    await expect(api.exportOriginal({ id: outcome.entryId!, to: target })).rejects.toMatchObject({ code: 'conflict' });

    const empty = await api.importBytes({ name: 'blank.txt', dataBase64: Buffer.from('\n\n\n\n').toString('base64') });
    await runtime.waitFor([empty.entryId!]);
    await expect(api.documentText({ id: empty.entryId! })).rejects.toMatchObject({ code: 'conflict' });
    const failed = await api.jobs({ failed: true });
    const job = failed.jobs.find((j) => j.entryId === empty.entryId)!;
    expect(job).toMatchObject({ status: 'dead', name: 'blank.txt', documentStatus: 'failed', lastError: 'the file contains only whitespace' });
    const { retried } = await api.retryJob({ jobId: job.id });
    expect(retried[0]).toMatchObject({ id: job.id, status: 'queued', documentStatus: 'queued' });
    await runtime.waitFor([empty.entryId!]);
    expect((await api.getDocument({ id: empty.entryId! })).status).toBe('failed');
    expect(engine.history(empty.entryId!).map((h) => h.eventType)).toEqual([
      'DocumentImported',
      'DocumentStatusChanged',
      'DocumentProcessingFailed',
      'DocumentStatusChanged',
      'DocumentStatusChanged',
      'DocumentProcessingFailed',
    ]);
  });

  it('a rebuild gives the same documents read model', () => {
    engine.catchUp();
    const live = engine.digest();
    expect(engine.rebuild().digest).toBe(live);
  });
});

describe('OCR', () => {
  it('reads images with English and Chinese text, scanned PDFs and multi-page TIFFs', async () => {
    const english = await fx.renderTextPng(['The quick brown fox jumps', 'over the lazy dog while the', 'search index keeps growing.'], { size: 48 });
    const chinese = await fx.renderTextPng(['数据同步与离线搜索', '本地优先的知识库'], { size: 56, font: 'WenQuanYi Micro Hei' });
    const page2 = await fx.renderTextPng(['Second page of the scan'], { size: 48 });
    const root = folder('scans', {
      'english.png': english,
      'chinese.png': chinese,
      'scan.pdf': await fx.pdfWithImages([english]),
      'pages.tif': await fx.multiPageTiff([english, page2]),
    });
    const report = await importPaths(engine, [root]);
    const ids = Object.fromEntries(report.files.map((f) => [f.name, f.entryId!]));
    await runtime.waitFor(Object.values(ids));
    const normalized = (id: string) => text(id).replace(/\s+/g, ' ').trim();
    expect(engine.documents.get(ids['english.png']!)).toMatchObject({ status: 'done', ocrUsed: true, mimeType: 'image/png', language: 'en' });
    expect(normalized(ids['english.png']!)).toBe('The quick brown fox jumps over the lazy dog while the search index keeps growing.');
    // Chinese comes out without spaces between characters.
    const zh = text(ids['chinese.png']!);
    expect(zh).not.toMatch(/\p{Script=Han} +\p{Script=Han}/u);
    expect(characterErrorRate(zh, '数据同步与离线搜索\n本地优先的知识库')).toBeLessThanOrEqual(0.12);
    expect(engine.documents.get(ids['chinese.png']!).language).toBe('zh');
    expect(engine.documents.get(ids['scan.pdf']!)).toMatchObject({ status: 'done', ocrUsed: true, pageCount: 1 });
    expect(normalized(ids['scan.pdf']!)).toContain('quick brown fox');
    expect(engine.documents.get(ids['pages.tif']!)).toMatchObject({ status: 'done', ocrUsed: true, pageCount: 2, mimeType: 'image/tiff' });
    expect(normalized(ids['pages.tif']!)).toMatch(/keeps growing\.? Second page of the scan/);
    expect(engine.history(ids['scan.pdf']!).map((h) => h.eventType)).toEqual(['DocumentImported', 'DocumentStatusChanged', 'DocumentStatusChanged', 'DocumentProcessed']);
  }, 180_000);

  it('reads small Chinese print as Chinese and a page of English and Chinese lines each in its own language, by default', async () => {
    // At this size a combined eng+chi_sim reading turns most of these lines into Latin capitals.
    const leaflet = ['本产品采用天然植物原料，经过严格的质量检测。', '使用方法：每日两次，每次一粒，温水送服。', '储存条件：请置于阴凉干燥处，避免阳光直射。', '生产日期见包装底部，保质期为二十四个月。', '如有疑问，请拨打客服热线，我们将竭诚为您服务。'];
    const mixed = ['Meeting notes for the quarterly review', '会议记录：第三季度销售数据分析', 'Action items are listed below', '下周一之前完成报告并发送给团队'];
    const root = folder('small-print', {
      'leaflet.png': await fx.renderTextPng(leaflet, { size: 12, font: 'WenQuanYi Micro Hei' }),
      'minutes.png': await fx.renderTextPng(mixed, { size: 20, font: 'WenQuanYi Micro Hei' }),
    });
    const report = await importPaths(engine, [root]);
    const ids = Object.fromEntries(report.files.map((f) => [f.name, f.entryId!]));
    await runtime.waitFor(Object.values(ids));
    const leafletText = text(ids['leaflet.png']!);
    expect(leafletText).not.toMatch(/[A-Z]{3,}/);
    expect(characterErrorRate(leafletText, leaflet.join('\n'))).toBeLessThanOrEqual(0.15);
    expect(engine.documents.get(ids['leaflet.png']!)).toMatchObject({ status: 'done', ocrUsed: true, language: 'zh' });
    const lines = text(ids['minutes.png']!)
      .split('\n')
      .map((l) => l.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('Meeting notes for the quarterly review');
    expect(lines[2]).toBe('Action items are listed below');
    expect(characterErrorRate(lines[1]!, mixed[1]!)).toBeLessThanOrEqual(0.15);
    expect(characterErrorRate(lines[3]!, mixed[3]!)).toBeLessThanOrEqual(0.15);
  }, 180_000);

  it('reads a scanner’s TIFF — big-endian, 1-bit CCITT G4, its directories after 64 KB of image data — every page; a truncated one fails with a reason', async () => {
    const clauses = Array.from({ length: 72 }, (_, i) => `Clause ${i + 1}: the tenant keeps the premises clean and in good repair.`);
    const first = await fx.renderTextPng(['Invoice number 4711 from the scanner', ...clauses, 'Total due within thirty days'], { size: 36 });
    const second = await fx.renderTextPng(['Second page of the fax'], { size: 48 });
    const scan = await fx.scannerTiff([first, second]);
    expect(scan.readUInt32BE(4)).toBeGreaterThan(64 * 1024); // where the first directory is: past what is sniffed
    const root = folder('scanner', { 'scan.tif': scan, 'cut.tif': scan.subarray(0, 40_000), 'after.txt': 'the batch goes on after a bad scan' });
    const report = await importPaths(engine, [root]);
    const ids = Object.fromEntries(report.files.map((f) => [f.name, f.entryId!]));
    await runtime.waitFor(Object.values(ids));
    expect(engine.documents.get(ids['scan.tif']!)).toMatchObject({ status: 'done', ocrUsed: true, pageCount: 2, mimeType: 'image/tiff' });
    const read = text(ids['scan.tif']!).replace(/\s+/g, ' ');
    expect(read).toContain('Invoice number 4711');
    expect(read).toContain('thirty days');
    expect(read).toContain('Second page of the fax');
    expect(engine.documents.get(ids['cut.tif']!)).toMatchObject({ status: 'failed', error: { reason: expect.stringMatching(/TIFF/) } });
    expect(engine.documents.get(ids['after.txt']!).status).toBe('done');
  }, 180_000);

  it('reads an iPhone photo (HEIC); a corrupt one fails with a reason', async () => {
    const photo = fx.heicImage(await fx.renderTextPng(['Receipt from the corner bakery', 'Two loaves and a coffee'], { size: 48 }));
    const root = folder('photos', { 'IMG_0001.HEIC': photo, 'IMG_0002.HEIC': Buffer.concat([photo.subarray(0, 400), Buffer.alloc(2000, 7)]) });
    const report = await importPaths(engine, [root]);
    const ids = Object.fromEntries(report.files.map((f) => [f.name, f.entryId!]));
    await runtime.waitFor(Object.values(ids));
    expect(engine.documents.get(ids['IMG_0001.HEIC']!)).toMatchObject({ status: 'done', ocrUsed: true, mimeType: 'image/heic', language: 'en' });
    expect(text(ids['IMG_0001.HEIC']!).replace(/\s+/g, ' ')).toContain('Receipt from the corner bakery Two loaves and a coffee');
    expect(engine.documents.get(ids['IMG_0002.HEIC']!)).toMatchObject({ status: 'failed', error: { reason: expect.stringMatching(/HEIC/) } });
  }, 180_000);
});
