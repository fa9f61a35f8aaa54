import { Unzip, UnzipInflate, unzipSync } from 'fflate';
import { corrupt, ExtractionError } from './extractionError.js';

export interface ZipLimits {
  /** Uncompressed bytes of all entries together. */
  readonly maxTotalBytes: number;
  readonly maxEntries: number;
  /** Uncompressed / compressed size above which a large archive counts as a decompression bomb. */
  readonly maxRatio: number;
}

export const defaultZipLimits: ZipLimits = { maxTotalBytes: 1024 * 2 ** 20, maxEntries: 50_000, maxRatio: 200 };

/**
 * Lists a ZIP container's entries and proves it is safe to hand to a parsing library: not too many
 * entries, and — by inflating every entry once, counting bytes and keeping none — not expanding past
 * the limits, whatever sizes its headers claim. Throws an ExtractionError otherwise.
 */
export function inspectZip(bytes: Uint8Array, limits: ZipLimits = defaultZipLimits): Set<string> {
  const names = new Set<string>();
  let declared = 0;
  try {
    unzipSync(bytes, {
      filter: (file) => {
        names.add(file.name);
        declared += file.originalSize;
        return false;
      },
    });
  } catch (error) {
    throw corrupt(`the ZIP container is damaged or truncated (${(error as Error).message})`);
  }
  if (names.size > limits.maxEntries) throw tooLarge(`it holds ${names.size} files (more than ${limits.maxEntries})`);
  checkSize(declared, bytes.byteLength, limits);
  let actual = 0;
  let failure: unknown;
  const unzip = new Unzip((file) => {
    file.ondata = (error, chunk) => {
      if (error) {
        failure ??= error;
        return;
      }
      actual += chunk.length;
      if (actual > limits.maxTotalBytes) {
        failure ??= tooLarge(`it expands to more than ${mib(limits.maxTotalBytes)}`);
        file.terminate();
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  const chunk = 1 << 20;
  for (let offset = 0; offset < bytes.byteLength && !failure; offset += chunk) {
    unzip.push(bytes.subarray(offset, Math.min(bytes.byteLength, offset + chunk)), offset + chunk >= bytes.byteLength);
  }
  if (failure instanceof ExtractionError) throw failure;
  if (failure) throw corrupt(`the ZIP container is damaged (${(failure as Error).message})`);
  checkSize(actual, bytes.byteLength, limits);
  return names;
}

function checkSize(total: number, compressed: number, limits: ZipLimits): void {
  if (total > limits.maxTotalBytes) throw tooLarge(`it expands to ${mib(total)} (more than ${mib(limits.maxTotalBytes)})`);
  if (total > 64 * 2 ** 20 && total > compressed * limits.maxRatio) throw tooLarge(`it expands ${Math.round(total / compressed)}-fold to ${mib(total)}: a decompression bomb`);
}

const tooLarge = (why: string) => new ExtractionError('too_large', `refused to unpack: ${why}`);
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
