import { CairnError } from '@cairn/core/domain';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** One tuple of a binary COPY: its fields' bytes (null for NULL). */
export type CopyTuple = (Buffer | null)[];

/**
 * Reads Postgres's binary COPY format (a signature, flags and header extension, then per tuple a 16-bit field count
 * and per field a 32-bit length and the bytes, then -1) from a stream of chunks, yielding each tuple. Field bytes
 * are slices of the chunks where possible: nothing is decoded.
 */
export async function* binaryCopyTuples(chunks: AsyncIterable<Buffer>): AsyncGenerator<CopyTuple> {
  let buffer: Buffer = Buffer.alloc(0);
  let offset = 0;
  let headerDone = false;
  const need = (n: number) => buffer.length - offset >= n;
  for await (const chunk of chunks) {
    buffer = offset === buffer.length ? chunk : Buffer.concat([buffer.subarray(offset), chunk]);
    offset = 0;
    if (!headerDone) {
      if (!need(19)) continue;
      if (!buffer.subarray(0, 11).equals(SIGNATURE)) throw new CairnError('internal', 'the database sent a COPY stream without its signature');
      const extension = buffer.readInt32BE(15);
      if (!need(19 + extension)) continue;
      offset = 19 + extension;
      headerDone = true;
    }
    for (;;) {
      if (!need(2)) break;
      const count = buffer.readInt16BE(offset);
      if (count === -1) return;
      // A tuple is yielded only when all of it has arrived.
      let at = offset + 2;
      const fields: CopyTuple = [];
      let complete = true;
      for (let i = 0; i < count; i++) {
        if (buffer.length - at < 4) {
          complete = false;
          break;
        }
        const length = buffer.readInt32BE(at);
        at += 4;
        if (length === -1) {
          fields.push(null);
          continue;
        }
        if (buffer.length - at < length) {
          complete = false;
          break;
        }
        fields.push(buffer.subarray(at, at + length));
        at += length;
      }
      if (!complete) break;
      offset = at;
      yield fields;
    }
  }
  throw new CairnError('internal', 'the database ended a COPY stream early');
}
