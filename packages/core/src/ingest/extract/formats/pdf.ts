import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { corrupt, describeError, empty, encrypted } from '../extractionError.js';
import type { ExtractInput, Extracted, Part } from '../parts.js';

/** Pages whose text layer has fewer visible characters than this are rendered and OCR'd. */
const MIN_TEXT_CHARS = 20;
/** Render scanned pages at 300 DPI, but never larger than this many pixels. */
const OCR_DPI = 300;
const MAX_PIXELS = 16e6;

const require = createRequire(import.meta.url);

/**
 * Text of every page from its text layer (pdfjs-dist, legacy build for Node); pages without one are
 * rendered to PNG (with @napi-rs/canvas) for OCR.
 */
export async function extractPdf(input: ExtractInput): Promise<Extracted> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const root = dirname(require.resolve('pdfjs-dist/package.json'));
  const task = pdfjs.getDocument({
    data: new Uint8Array(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    standardFontDataUrl: `${join(root, 'standard_fonts')}/`,
    cMapUrl: `${join(root, 'cmaps')}/`,
    cMapPacked: true,
  });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'PasswordException') throw encrypted('the PDF is password-protected; remove the password and import it again');
    throw corrupt(`not a readable PDF: ${describeError(error)}`);
  }
  try {
    if (doc.numPages === 0) throw empty('the PDF has no pages');
    const parts: Part[] = [];
    const warnings: string[] = [];
    let blank = 0;
    for (let number = 1; number <= doc.numPages; number++) {
      try {
        const page = await doc.getPage(number);
        const content = await page.getTextContent();
        let text = '';
        for (const item of content.items) {
          if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
        }
        if (visibleChars(text) >= MIN_TEXT_CHARS) {
          parts.push({ text });
        } else if ((await page.getOperatorList()).fnArray.length === 0) {
          blank++; // nothing drawn: nothing to read
        } else {
          const base = page.getViewport({ scale: 1 });
          const scale = Math.min(OCR_DPI / 72, Math.sqrt(MAX_PIXELS / (base.width * base.height)));
          const viewport = page.getViewport({ scale });
          const { canvas, context } = (doc as unknown as { canvasFactory: CanvasFactory }).canvasFactory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
          context.fillStyle = '#ffffff';
          context.fillRect(0, 0, canvas.width, canvas.height);
          const parameters = { canvasContext: context, viewport, canvas } as unknown as Parameters<typeof page.render>[0];
          await page.render(parameters).promise;
          const path = join(input.tempDir, `page-${number}.png`);
          mkdirSync(input.tempDir, { recursive: true });
      writeFileSync(path, await canvas.encode('png'));
          parts.push({ image: path, page: number });
        }
        page.cleanup();
      } catch (error) {
        warnings.push(`page ${number} could not be read: ${describeError(error)}`);
      }
      parts.push({ text: '\n\n' });
    }
    if (blank === doc.numPages) throw empty(doc.numPages === 1 ? 'the PDF has no pages with content' : `the PDF's ${doc.numPages} pages are all blank`);
    if (warnings.length === doc.numPages) throw corrupt(`none of the PDF's ${doc.numPages} pages could be read (${warnings[0]})`);
    return { mimeType: 'application/pdf', pageCount: doc.numPages, parts, warnings };
  } finally {
    await doc.destroy();
  }
}

interface CanvasFactory {
  create(width: number, height: number): {
    canvas: { width: number; height: number; encode(format: 'png'): Promise<Buffer> };
    context: { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void };
  };
}

/** Characters that are neither whitespace, control nor private-use (fonts without a text mapping give those). */
function visibleChars(text: string): number {
  return text.replace(/[\s\p{Cc}\p{Co}\p{Cn}\ufffd]/gu, '').length;
}
