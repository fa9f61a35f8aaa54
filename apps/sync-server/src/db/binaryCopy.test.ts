import { describe, expect, it } from 'vitest';
import { binaryCopyTuples } from './binaryCopy.js';

function encode(tuples: (string | null)[][]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.from([0, 0, 0, 0]), Buffer.from([0, 0, 0, 0])];
  for (const tuple of tuples) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(tuple.length);
    parts.push(count);
    for (const field of tuple) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(field === null ? -1 : Buffer.byteLength(field));
      parts.push(length);
      if (field !== null) parts.push(Buffer.from(field));
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

async function* inPieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield await Promise.resolve(bytes.subarray(i, i + size));
}

describe('binaryCopyTuples', () => {
  const tuples = [['1', '{"a":"é"}'], ['2', null], ['3', 'x'.repeat(5000)]];
  it('reads every tuple whatever the chunk boundaries', async () => {
    for (const size of [1, 3, 7, 64, 100_000]) {
      const out: (string | null)[][] = [];
      for await (const tuple of binaryCopyTuples(inPieces(encode(tuples), size))) out.push(tuple.map((f) => (f === null ? null : f.toString())));
      expect(out, `chunks of ${size}`).toEqual(tuples);
    }
  });
  it('refuses a stream without the signature, and one that ends early', async () => {
    const read = async (bytes: Buffer) => {
      for await (const _ of binaryCopyTuples(inPieces(bytes, 10))) void _;
    };
    await expect(read(Buffer.from('not a copy stream at all'))).rejects.toThrow(/signature/);
    await expect(read(encode(tuples).subarray(0, 40))).rejects.toThrow(/early/);
  });
});
