import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CairnError } from '../errors/cairnError.js';
import { makeTempDir } from '../testing/tempDir.js';
import { BlobStore } from './blobStore.js';

let dir: { path: string; remove: () => void };
let blobs: BlobStore;
beforeEach(() => {
  dir = makeTempDir();
  blobs = new BlobStore(dir.path);
});
afterEach(() => dir.remove());

describe('blob store', () => {
  it('stores identical content once, under its SHA-256', () => {
    const first = blobs.putText('数据 同步');
    const second = blobs.putBytes(Buffer.from('数据 同步'));
    expect(first.sha256).toBe(createHash('sha256').update('数据 同步').digest('hex'));
    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    expect(blobs.pathOf(first.sha256)).toContain(join('blobs', first.sha256.slice(0, 2), first.sha256.slice(2, 4), first.sha256));
    expect(blobs.readText(first.sha256)).toBe('数据 同步');
  });

  it('streams files in, and refuses files over the limit without leaving anything behind', async () => {
    const file = join(dir.path, 'in.bin');
    writeFileSync(file, Buffer.alloc(100_000, 7));
    const stored = await blobs.putFile(file);
    expect(stored.size).toBe(100_000);
    expect(blobs.verify(stored.sha256)).toBe(true);
    await expect(blobs.putFile(file, 1_000)).rejects.toMatchObject({ code: 'validation' });
    expect(readdirSync(join(blobs.root, 'tmp'))).toEqual([]);
  });

  it('detects content that no longer matches its name', () => {
    const { sha256 } = blobs.putText('original');
    writeFileSync(blobs.pathOf(sha256), 'tampered');
    expect(blobs.verify(sha256)).toBe(false);
  });

  it('says clearly when a blob is missing or a name is not a digest', () => {
    expect(() => blobs.readText('0'.repeat(64))).toThrow(CairnError);
    expect(() => blobs.pathOf('../../etc/passwd')).toThrow(/not a SHA-256/);
  });
});
