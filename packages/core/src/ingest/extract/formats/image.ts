import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { corrupt, describeError, unsupported } from '../extractionError.js';
import type { ExtractInput, Extracted } from '../parts.js';
import { ocrImageTypes } from '../sniff.js';

/**
 * An image is OCR'd as it is; a TIFF is decoded here (utif2: every compression scanners use, CCITT G3/G4 and 1-bit
 * included) into one PNG per page first, so the OCR engine never meets a TIFF variant it cannot read.
 */
export async function extractImage(input: ExtractInput): Promise<Extracted> {
  if (!ocrImageTypes.has(input.mimeType)) {
    throw unsupported(`${input.mimeType} images cannot be read; PNG, JPEG, TIFF, BMP, WebP and GIF can`);
  }
  if (input.mimeType !== 'image/tiff') return { mimeType: input.mimeType, pageCount: 1, parts: [{ image: input.path, page: null }], warnings: [] };
  const UTIF = (await import('utif2')).default;
  let pages: ReturnType<typeof UTIF.decode>;
  try {
    pages = UTIF.decode(input.bytes).filter((ifd) => Number((ifd.t256 as number[] | undefined)?.[0] ?? 0) > 0);
  } catch (error) {
    throw corrupt(`not a readable TIFF image: ${describeError(error)}`);
  }
  if (pages.length === 0) throw corrupt('the TIFF file holds no image');
  const { createCanvas } = await import('@napi-rs/canvas');
  const parts: Extracted['parts'] = [];
  const warnings: string[] = [];
  for (const [index, ifd] of pages.entries()) {
    try {
      UTIF.decodeImage(input.bytes, ifd);
      const rgba = UTIF.toRGBA8(ifd);
      const canvas = createCanvas(ifd.width, ifd.height);
      const context = canvas.getContext('2d');
      const image = context.createImageData(ifd.width, ifd.height);
      image.data.set(rgba);
      context.putImageData(image, 0, 0);
      const path = join(input.tempDir, `page-${index + 1}.png`);
      mkdirSync(input.tempDir, { recursive: true });
      writeFileSync(path, await canvas.encode('png'));
      parts.push({ image: path, page: pages.length === 1 ? null : index + 1 }, { text: '\n\n' });
    } catch (error) {
      warnings.push(`page ${index + 1} of the TIFF could not be read: ${describeError(error)}`);
    }
  }
  if (parts.length === 0) throw corrupt(`none of the TIFF's ${pages.length} pages could be read (${warnings[0]})`);
  return { mimeType: 'image/tiff', pageCount: pages.length, parts, warnings };
}
