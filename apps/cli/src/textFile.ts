import { readFileSync } from 'node:fs';
import { ValidationError } from '@cairn/core';

/**
 * Reads a text file given on the command line (`-` for stdin). UTF-8 (with or without a byte-order
 * mark) and UTF-16 with a byte-order mark are accepted; anything else is refused with a clear error
 * rather than stored as mojibake.
 */
export function readTextArgument(path: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = path === '-' ? readFileSync(0) : readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ValidationError(`cannot read ${what} ${path}: ${reason}`, { path });
  }
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ValidationError(`${what} ${path} is not valid UTF-8 (or UTF-16 with a byte-order mark) text; convert it to UTF-8 first`, { path });
  }
}
