import { closeSync, openSync, readSync } from 'node:fs';

/** The first `bytes` of a file (all of it when shorter): enough to sniff its type. */
export function readHead(path: string, bytes = 64 * 1024): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}
