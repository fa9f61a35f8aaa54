// Test fixtures for ingestion, generated in code: small real documents of every supported kind, and
// broken ones. Nothing here is read from outside the repository.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync, type Zippable } from 'fflate';

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function zip(files: Record<string, string | Uint8Array>, options: { storeFirst?: string } = {}): Buffer {
  const entries: Zippable = {};
  if (options.storeFirst) entries[options.storeFirst] = [strToU8(files[options.storeFirst] as string), { level: 0 }];
  for (const [name, content] of Object.entries(files)) if (name !== options.storeFirst) entries[name] = typeof content === 'string' ? strToU8(content) : content;
  return Buffer.from(zipSync(entries));
}

/** A Word document with one paragraph per line (a line starting with `# ` is a heading). */
export function docx(lines: readonly string[]): Buffer {
  const paragraphs = lines
    .map((line) =>
      line.startsWith('# ')
        ? `<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>${escape(line.slice(2))}</w:t></w:r></w:p>`
        : `<w:p><w:r><w:t xml:space="preserve">${escape(line)}</w:t></w:r></w:p>`,
    )
    .join('');
  return zip({
    '[Content_Types].xml': xml(
      `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
    ),
    '_rels/.rels': xml(
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
    ),
    'word/document.xml': xml(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs}</w:body></w:document>`),
  });
}

/** A PowerPoint presentation, one slide per array of text boxes. */
export function pptx(slides: readonly (readonly string[])[]): Buffer {
  const files: Record<string, string> = {
    '[Content_Types].xml': xml(
      `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>${slides
        .map((_, i) => `<Override PartName="/ppt/slides/slide${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>`)
        .join('')}</Types>`,
    ),
    '_rels/.rels': xml(
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/></Relationships>`,
    ),
    'ppt/presentation.xml': xml(
      `<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst>${slides.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`).join('')}</p:sldIdLst></p:presentation>`,
    ),
    'ppt/_rels/presentation.xml.rels': xml(
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${slides
        .map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide${i + 1}.xml"/>`)
        .join('')}</Relationships>`,
    ),
  };
  slides.forEach((boxes, i) => {
    files[`ppt/slides/slide${i + 1}.xml`] = xml(
      `<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree>${boxes
        .map((text) => `<p:sp><p:txBody><a:p><a:r><a:t>${escape(text)}</a:t></a:r></a:p></p:txBody></p:sp>`)
        .join('')}</p:spTree></p:cSld></p:sld>`,
    );
  });
  return zip(files);
}

/** An OpenDocument text. */
export function odt(paragraphs: readonly string[]): Buffer {
  return zip(
    {
      mimetype: 'application/vnd.oasis.opendocument.text',
      'META-INF/manifest.xml': xml(
        `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
      ),
      'content.xml': xml(
        `<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:text>${paragraphs
          .map((p) => `<text:p>${escape(p)}</text:p>`)
          .join('')}</office:text></office:body></office:document-content>`,
      ),
    },
    { storeFirst: 'mimetype' },
  );
}

/** An EPUB book with one XHTML file per chapter (listed in the spine in reverse file order, to prove the spine decides). */
export function epub(title: string, chapters: readonly string[]): Buffer {
  const files: Record<string, string> = {
    mimetype: 'application/epub+zip',
    'META-INF/container.xml': xml(
      `<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`,
    ),
    'OEBPS/content.opf': xml(
      `<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${escape(title)}</dc:title></metadata><manifest>${chapters
        .map((_, i) => `<item id="c${i}" href="text/ch${chapters.length - i}.xhtml" media-type="application/xhtml+xml"/>`)
        .join('')}</manifest><spine>${chapters.map((_, i) => `<itemref idref="c${i}"/>`).join('')}</spine></package>`,
    ),
  };
  chapters.forEach((chapter, i) => {
    files[`OEBPS/text/ch${chapters.length - i}.xhtml`] = xml(`<html xmlns="http://www.w3.org/1999/xhtml"><head><title>c</title></head><body><p>${escape(chapter)}</p></body></html>`);
  });
  return zip(files, { storeFirst: 'mimetype' });
}

/** A DOCX-shaped ZIP whose document expands to `megabytes` MB of zeros (a decompression bomb). */
export function docxBomb(megabytes: number): Buffer {
  const big = new Uint8Array(megabytes * 2 ** 20).fill(0x20);
  return Buffer.from(
    zipSync({
      '[Content_Types].xml': strToU8(xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')),
      'word/document.xml': [big, { level: 1 }],
    }),
  );
}

/** A plain ZIP archive whose entries try to escape the folder they would be unpacked into. */
export function zipWithTraversal(): Buffer {
  return zip({ '../../etc/evil.txt': 'owned', '/abs/path.txt': 'absolute', 'ok.txt': 'fine' });
}

/** The header of a WAV file with a second of silence: audio, no text. */
export function wav(): Buffer {
  const data = Buffer.alloc(8000);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Bytes that are no known format and not text. */
export function unknownBinary(): Buffer {
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
  bytes.write('\u0000\u0001CAIRNBIN', 0, 'latin1');
  return bytes;
}

/** A text PDF with one page per entry (pdf-lib, Helvetica). */
export async function pdfWithText(pages: readonly string[]): Promise<Buffer> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = doc.addPage([612, 792]);
    text.split('\n').forEach((line, i) => page.drawText(line, { x: 72, y: 700 - i * 20, size: 14, font }));
  }
  return Buffer.from(await doc.save());
}

/** A PDF whose pages are only images (no text layer), like a scan. */
export async function pdfWithImages(pngs: readonly Uint8Array[]): Promise<Buffer> {
  const { PDFDocument } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  for (const png of pngs) {
    const image = await doc.embedPng(png);
    const page = doc.addPage([612, 792]);
    const scale = Math.min(540 / image.width, 720 / image.height);
    page.drawImage(image, { x: 36, y: 792 - 36 - image.height * scale, width: image.width * scale, height: image.height * scale });
  }
  return Buffer.from(await doc.save());
}

/** A PDF with no pages at all. */
export async function emptyPdf(): Promise<Buffer> {
  const { PDFDocument } = await import('pdf-lib');
  return Buffer.from(await (await PDFDocument.create()).save());
}

/** A PDF protected by a user password (the standard security handler; the password is not empty). */
export async function passwordPdf(): Promise<Buffer> {
  const { PDFDocument, PDFHexString, PDFName, PDFNumber } = await import('pdf-lib');
  const doc = await PDFDocument.load(await pdfWithText(['secret']));
  const encrypt = doc.context.obj({});
  encrypt.set(PDFName.of('Filter'), PDFName.of('Standard'));
  encrypt.set(PDFName.of('V'), PDFNumber.of(1));
  encrypt.set(PDFName.of('R'), PDFNumber.of(2));
  encrypt.set(PDFName.of('O'), PDFHexString.of('6f'.repeat(32)));
  encrypt.set(PDFName.of('U'), PDFHexString.of('75'.repeat(32)));
  encrypt.set(PDFName.of('P'), PDFNumber.of(-4));
  doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of('01'.repeat(16)), PDFHexString.of('01'.repeat(16))]);
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** An Excel workbook (exceljs). */
export async function xlsx(sheets: Record<string, unknown[][]>): Promise<Buffer> {
  const ExcelJS = (await import('exceljs')).default;
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) workbook.addWorksheet(name).addRows(rows);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * A password-protected Office file as Office writes it: the encrypted package inside a Compound File
 * with EncryptionInfo and EncryptedPackage streams (their content does not matter to detection).
 */
export async function passwordXlsx(): Promise<Buffer> {
  const CFB = (await import('cfb')).default;
  const container = CFB.utils.cfb_new();
  CFB.utils.cfb_add(container, 'EncryptionInfo', Buffer.from([4, 0, 4, 0, 0x40, 0, 0, 0]));
  CFB.utils.cfb_add(container, 'EncryptedPackage', Buffer.alloc(4096, 0xab));
  return Buffer.from(CFB.write(container, { type: 'buffer' }) as Uint8Array);
}

/** Black text on white, one line per entry, rendered with @napi-rs/canvas, as PNG. */
export async function renderTextPng(lines: readonly string[], options: { font?: string; size?: number } = {}): Promise<Buffer> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const size = options.size ?? 40;
  const canvas = createCanvas(1400, Math.round(size * 1.6 * lines.length + size * 2));
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#000000';
  context.font = `${size}px ${options.font ?? 'DejaVu Sans'}`;
  lines.forEach((line, i) => context.fillText(line, size, size * 1.6 * (i + 1)));
  return canvas.encode('png');
}

/** A multi-page TIFF (uncompressed RGBA, one directory per page) of PNG images such as renderTextPng makes. */
export async function multiPageTiff(pngs: readonly Uint8Array[]): Promise<Buffer> {
  const { loadImage, createCanvas } = await import('@napi-rs/canvas');
  const UTIF = (await import('utif2')).default as unknown as { encode(ifds: Record<string, unknown>[]): ArrayBuffer };
  const pixels: { data: Uint8Array; width: number; height: number }[] = [];
  for (const png of pngs) {
    const image = await loadImage(Buffer.from(png));
    const canvas = createCanvas(image.width, image.height);
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    pixels.push({ data: new Uint8Array(context.getImageData(0, 0, image.width, image.height).data.buffer), width: image.width, height: image.height });
  }
  // As UTIF.encodeImage lays out one page, for several: directories first, pixel data after them.
  const start = 8192;
  let offset = start;
  const ifds = pixels.map(({ width, height, data }) => {
    const ifd = { t256: [width], t257: [height], t258: [8, 8, 8, 8], t259: [1], t262: [2], t273: [offset], t277: [4], t278: [height], t279: [data.length], t284: [1], t338: [1] };
    offset += data.length;
    return ifd;
  });
  const head = new Uint8Array(UTIF.encode(ifds));
  const out = new Uint8Array(offset);
  out.set(head);
  let at = start;
  for (const { data } of pixels) {
    out.set(data, at);
    at += data.length;
  }
  return Buffer.from(out);
}

/**
 * A TIFF as scanners and fax software write it: big-endian (`MM`), 1-bit, CCITT Group 4, one page per PNG, each
 * page's directory after its image data (with a full page of text first, past the first 64 KB). Made with libtiff's
 * tools (Debian's `libtiff-tools`).
 */
export async function scannerTiff(pngs: readonly Uint8Array[]): Promise<Buffer> {
  const { loadImage, createCanvas } = await import('@napi-rs/canvas');
  const dir = mkdtempSync(join(tmpdir(), 'cairn-tiff-'));
  try {
    const pages: string[] = [];
    for (const [index, png] of pngs.entries()) {
      const image = await loadImage(Buffer.from(png));
      const width = image.width;
      const height = image.height;
      const canvas = createCanvas(width, image.height);
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const rgba = context.getImageData(0, 0, width, image.height).data;
      // PBM (P4): rows of bits, 1 = black, each row padded to a byte.
      const rowBytes = Math.ceil(width / 8);
      const bits = Buffer.alloc(rowBytes * height);
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          if (rgba[i]! + rgba[i + 1]! + rgba[i + 2]! < 384) bits[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
        }
      }
      const pbm = join(dir, `page-${index}.pbm`);
      writeFileSync(pbm, Buffer.concat([Buffer.from(`P4\n${width} ${height}\n`), bits]));
      const tif = join(dir, `page-${index}.tif`);
      runTool('ppm2tiff', ['-c', 'g4', '-R', '300', pbm, tif], 'libtiff-tools');
      pages.push(tif);
    }
    const out = join(dir, 'scan.tif');
    runTool('tiffcp', ['-B', '-c', 'g4', ...pages, out], 'libtiff-tools');
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a Debian tool that makes a fixture, saying which package to install when it is missing. */
function runTool(tool: string, args: string[], debianPackage: string): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? `${tool} is not installed: apt-get install -y ${debianPackage} (.ci/run does)` : `${tool} failed: ${String(error)}`);
  }
}

/** A HEIC photo (HEVC in HEIF, as an iPhone writes) of a PNG, encoded with libheif's `heif-enc` (Debian's `libheif-examples`). */
export function heicImage(png: Uint8Array): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-heic-'));
  try {
    writeFileSync(join(dir, 'in.png'), png);
    runTool('heif-enc', ['-q', '90', join(dir, 'in.png'), '-o', join(dir, 'out.heic')], 'libheif-examples');
    return readFileSync(join(dir, 'out.heic'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
