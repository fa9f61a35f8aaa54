import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, StorageError, ValidationError } from '../errors/cairnError.js';

const shaPattern = /^[0-9a-f]{64}$/;

export function isSha256(value: string): boolean {
  return shaPattern.test(value);
}

export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
  /** False when identical content was already stored. */
  readonly created: boolean;
}

/**
 * Content-addressed blobs under `<data>/blobs/ab/cd/<sha256>`: identical content is stored once, files
 * are written to a temporary name and renamed into place (never half-written), and reads can verify
 * the content still matches its name.
 */
export class BlobStore {
  readonly root: string;
  /** Folders known to exist, so storing many blobs does not ask the file system again each time. */
  private readonly folders = new Set<string>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'blobs');
  }

  pathOf(sha256: string): string {
    if (!isSha256(sha256)) throw new ValidationError(`${sha256} is not a SHA-256 hex digest`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  size(sha256: string): number {
    try {
      return statSync(this.pathOf(sha256)).size;
    } catch {
      throw new NotFoundError(`blob ${sha256} is not stored`, { sha256 });
    }
  }

  /** Stores bytes held in memory. */
  putBytes(bytes: Uint8Array): StoredBlob {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = this.pathOf(sha256);
    if (existsSync(target)) return { sha256, size: bytes.byteLength, created: false };
    const temp = this.tempPath();
    try {
      writeFileSync(temp, bytes);
      this.moveIntoPlace(temp, target);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new StorageError('storage', `cannot store blob: ${(error as Error).message}`, { sha256 }, error);
    }
    return { sha256, size: bytes.byteLength, created: true };
  }

  putText(text: string): StoredBlob {
    return this.putBytes(Buffer.from(text, 'utf8'));
  }

  /** Streams a file into the store, hashing on the way, without holding it in memory. */
  putFile(path: string, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredBlob> {
    return this.putStream(createReadStream(path), maxBytes);
  }

  /** Streams bytes (a file, an upload) into the store, hashing on the way, without holding them in memory. */
  async putStream(source: Readable, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredBlob> {
    const temp = this.tempPath();
    const hash = createHash('sha256');
    let size = 0;
    const out = await open(temp, 'w');
    try {
      await pipeline(source, async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > maxBytes) throw new ValidationError(`file is larger than the limit of ${maxBytes} bytes`, { maxBytes });
          hash.update(chunk);
          yield chunk;
        }
      }, out.createWriteStream());
    } catch (error) {
      await out.close().catch(() => undefined);
      rmSync(temp, { force: true });
      throw error;
    }
    const sha256 = hash.digest('hex');
    const target = this.pathOf(sha256);
    if (existsSync(target)) {
      rmSync(temp, { force: true });
      return { sha256, size, created: false };
    }
    this.moveIntoPlace(temp, target);
    return { sha256, size, created: true };
  }

  /**
   * Downloads a blob whose hash is known, resumably: the bytes so far wait in `blobs/partial/<sha256>`, `source` is
   * asked for the rest from that offset, and the whole is hashed before it takes its place — bytes that do not match
   * their name are thrown away (a {@link ValidationError}), never stored.
   */
  async putResumable(sha256: string, source: (offset: number) => Promise<AsyncIterable<Uint8Array>>, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredBlob> {
    const target = this.pathOf(sha256);
    if (existsSync(target)) return { sha256, size: statSync(target).size, created: false };
    const folder = join(this.root, 'partial');
    this.ensureFolder(folder);
    const partial = join(folder, sha256);
    let size = existsSync(partial) ? statSync(partial).size : 0;
    const out = await open(partial, 'a');
    try {
      for await (const chunk of await source(size)) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new ValidationError(`the download is larger than the limit of ${maxBytes} bytes`, { maxBytes });
        await out.write(chunk);
      }
    } catch (error) {
      await out.close().catch(() => undefined);
      // What arrived is kept for the next try, unless it is already too much.
      if (size > maxBytes) rmSync(partial, { force: true });
      throw error;
    }
    await out.close();
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(partial) as AsyncIterable<Buffer>) hash.update(chunk);
    if (hash.digest('hex') !== sha256) {
      rmSync(partial, { force: true });
      throw new ValidationError(`the downloaded bytes do not match their SHA-256 (${sha256}): they were not kept`, { sha256 });
    }
    this.moveIntoPlace(partial, target);
    return { sha256, size, created: true };
  }

  /** Drops what an interrupted {@link putResumable} kept (to start over). */
  discardPartial(sha256: string): void {
    if (!isSha256(sha256)) throw new ValidationError(`${sha256} is not a SHA-256 hex digest`);
    rmSync(join(this.root, 'partial', sha256), { force: true });
  }

  readBytes(sha256: string): Buffer {
    try {
      return readFileSync(this.pathOf(sha256));
    } catch {
      throw new NotFoundError(`blob ${sha256} is not stored`, { sha256 });
    }
  }

  readText(sha256: string): string {
    return this.readBytes(sha256).toString('utf8');
  }

  /** True when the stored bytes still hash to their name. */
  verify(sha256: string): boolean {
    return createHash('sha256').update(this.readBytes(sha256)).digest('hex') === sha256;
  }

  private tempPath(): string {
    const dir = join(this.root, 'tmp');
    this.ensureFolder(dir);
    return join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  private moveIntoPlace(temp: string, target: string): void {
    const folder = join(target, '..');
    this.ensureFolder(folder);
    try {
      renameSync(temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The folder went away since we made it (e.g. blobs removed by hand): make it again.
      this.folders.delete(folder);
      this.ensureFolder(folder);
      renameSync(temp, target);
    }
  }

  private ensureFolder(folder: string): void {
    if (this.folders.has(folder)) return;
    mkdirSync(folder, { recursive: true });
    this.folders.add(folder);
  }
}
