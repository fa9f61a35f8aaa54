import chardet from 'chardet';
import iconv from 'iconv-lite';

export interface DecodedText {
  readonly text: string;
  /** The encoding the bytes were read as (lower case, e.g. `utf-8`, `utf-16le`, `gb18030`). */
  readonly encoding: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads bytes as text in whatever common encoding they are in: UTF-8/16/32 with or without a
 * byte-order mark, else a legacy encoding detected from the bytes (single-byte Western, Cyrillic, …,
 * GBK/GB18030, Big5, Shift_JIS, EUC-KR). Returns undefined for bytes that are not text at all.
 */
export function decodeText(bytes: Uint8Array): DecodedText | undefined {
  const bom = byteOrderMark(bytes);
  if (bom) return { text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset + bom.length, bytes.byteLength - bom.length), bom.encoding), encoding: bom.encoding };
  const wide = wideEncoding(bytes);
  if (wide) return { text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), wide), encoding: wide };
  if (looksBinary(bytes)) return undefined;
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    // not UTF-8: a legacy encoding
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const candidates = chardet.analyse(buffer.subarray(0, 64 * 1024));
  for (const candidate of candidates) {
    const encoding = candidate.name.toLowerCase();
    if (encoding.startsWith('utf') || !iconv.encodingExists(encoding)) continue;
    return { text: iconv.decode(buffer, encoding), encoding };
  }
  return { text: iconv.decode(buffer, 'windows-1252'), encoding: 'windows-1252' };
}

function byteOrderMark(b: Uint8Array): { length: number; encoding: string } | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { length: 3, encoding: 'utf-8' };
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return { length: 4, encoding: 'utf-32le' };
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return { length: 4, encoding: 'utf-32be' };
  if (b[0] === 0xff && b[1] === 0xfe) return { length: 2, encoding: 'utf-16le' };
  if (b[0] === 0xfe && b[1] === 0xff) return { length: 2, encoding: 'utf-16be' };
  return undefined;
}

/**
 * UTF-16 or UTF-32 without a byte-order mark: mostly-ASCII text in these encodings has zero bytes in a
 * fixed position of every code unit. Looks at the first 4 KB.
 */
function wideEncoding(b: Uint8Array): string | undefined {
  const n = Math.min(b.length, 4096) & ~3;
  if (n < 8) return undefined;
  const zeros = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) if (b[i] === 0) zeros[i & 3]!++;
  const units = n / 4;
  const mostly = (count: number) => count >= units * 0.6;
  const rarely = (count: number) => count <= units * 0.05;
  if (mostly(zeros[1]!) && mostly(zeros[2]!) && mostly(zeros[3]!) && rarely(zeros[0]!)) return 'utf-32le';
  if (mostly(zeros[0]!) && mostly(zeros[1]!) && mostly(zeros[2]!) && rarely(zeros[3]!)) return 'utf-32be';
  if (mostly(zeros[1]!) && mostly(zeros[3]!) && rarely(zeros[0]!) && rarely(zeros[2]!)) return 'utf-16le';
  if (mostly(zeros[0]!) && mostly(zeros[2]!) && rarely(zeros[1]!) && rarely(zeros[3]!)) return 'utf-16be';
  return undefined;
}

/** NUL bytes, or many control characters that text never has, in the first 64 KB. */
function looksBinary(b: Uint8Array): boolean {
  const n = Math.min(b.length, 64 * 1024);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0) return true;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) || c === 0x7f) controls++;
  }
  return controls > n * 0.02;
}
