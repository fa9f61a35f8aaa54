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
  if (heifTypes.has(input.mimeType)) return extractHeif(input);
  if (!ocrImageTypes.has(input.mimeType)) {
    throw unsupported(`${input.mimeType} images cannot be read; PNG, JPEG, TIFF, HEIC, BMP, WebP and GIF can`);
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
  const parts: Extracted['parts'] = [];
  const warnings: string[] = [];
  for (const [index, ifd] of pages.entries()) {
    try {
      UTIF.decodeImage(input.bytes, ifd);
      const path = await writePng(input.tempDir, `page-${index + 1}.png`, ifd.width, ifd.height, UTIF.toRGBA8(ifd));
      parts.push({ image: path, page: pages.length === 1 ? null : index + 1 }, { text: '\n\n' });
    } catch (error) {
      warnings.push(`page ${index + 1} of the TIFF could not be read: ${describeError(error)}`);
    }
  }
  if (parts.length === 0) throw corrupt(`none of the TIFF's ${pages.length} pages could be read (${warnings[0]})`);
  return { mimeType: 'image/tiff', pageCount: pages.length, parts, warnings };
}

/** HEIF containers: iPhone photos (HEIC, HEVC inside), and their still-image sequences. */
const heifTypes: ReadonlySet<string> = new Set(['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence']);

/**
 * A HEIC/HEIF photo, decoded with heic-decode (libheif compiled to WebAssembly: nothing outside npm) into a PNG per
 * image it holds — one for a photo, several for a burst or a sequence.
 */
async function extractHeif(input: ExtractInput): Promise<Extracted> {
  const decode = (await import('heic-decode')).default;
  let images: Awaited<ReturnType<typeof decode.all>>;
  try {
    images = await decode.all({ buffer: input.bytes });
  } catch (error) {
    throw corrupt(`not a readable HEIC/HEIF image: ${describeError(error)}`);
  }
  if (images.length === 0) throw corrupt('the HEIC/HEIF file holds no image');
  const parts: Extracted['parts'] = [];
  const warnings: string[] = [];
  for (const [index, image] of images.entries()) {
    try {
      const { width, height, data } = await image.decode();
      const path = await writePng(input.tempDir, `image-${index + 1}.png`, width, height, data);
      parts.push({ image: path, page: images.length === 1 ? null : index + 1 }, { text: '\n\n' });
    } catch (error) {
      warnings.push(`image ${index + 1} of the HEIC file could not be decoded: ${describeError(error)}`);
    }
  }
  if (parts.length === 0) throw corrupt(`none of the ${images.length} images in the HEIC file could be decoded (${warnings[0]})`);
  return { mimeType: input.mimeType, pageCount: images.length, parts, warnings };
}

/** RGBA pixels as a PNG in the job's temporary folder, for the OCR engine. */
async function writePng(dir: string, name: string, width: number, height: number, rgba: Uint8Array | Uint8ClampedArray): Promise<string> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  image.data.set(rgba);
  context.putImageData(image, 0, 0);
  const path = join(dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, await canvas.encode('png'));
  return path;
}
