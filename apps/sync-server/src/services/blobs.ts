import { createHash, randomUUID } from 'node:crypto';
import { CairnError } from '@cairn/core/domain';
import { bytes } from '../db/db.js';
import type { ServiceContext } from './context.js';
import { requireRole, type Principal } from './identity.js';

/** Bytes per stored chunk: a range read touches at most two chunks more than it returns. */
export const BLOB_CHUNK_BYTES = 1024 * 1024;

export interface BlobInfo {
  readonly sha256: string;
  readonly size: number;
  /** The workspace's log names it (only then may the workspace read it). */
  readonly referenced: boolean;
}

export interface ByteRange {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
}

/**
 * Content-addressed blobs in the database (every instance sees them), in 1 MiB chunks. An upload is hashed as it
 * streams in and kept only if the bytes match the name; identical content is stored once. A workspace reads a blob
 * only if one of its members uploaded it (so proved to have it) and its log references it: nobody reads another
 * team's file by guessing a hash, or by pushing an event that names one.
 */
export class Blobs {
  constructor(private readonly ctx: ServiceContext) {}

  async info(principal: Principal, workspaceId: string, sha256: string): Promise<BlobInfo | undefined> {
    requireRole(principal, workspaceId, 'viewer');
    const rows = await this.ctx.db.query<{ size: number; referenced: boolean }>(
      `SELECT b.size, EXISTS (SELECT 1 FROM blob_refs r WHERE r.workspace_id = wb.workspace_id AND r.sha256 = wb.sha256) AS referenced
       FROM workspace_blobs wb JOIN blobs b ON b.sha256 = wb.sha256 WHERE wb.workspace_id = $1 AND wb.sha256 = $2`,
      [workspaceId, sha256],
    );
    return rows[0] && { sha256, size: rows[0].size, referenced: rows[0].referenced };
  }

  /**
   * Stores an upload. Returns `existed: true` without reading when the workspace has the blob already. Refuses a body
   * over the limit (`too_large`) or whose bytes do not hash to `sha256` (`validation`), keeping nothing of it.
   */
  async put(principal: Principal, workspaceId: string, sha256: string, body: AsyncIterable<Uint8Array>, declaredLength: number | undefined): Promise<{ size: number; existed: boolean }> {
    requireRole(principal, workspaceId, 'editor');
    const limit = this.ctx.config.maxBlobBytes;
    if (declaredLength !== undefined && declaredLength > limit) throw new CairnError('too_large', `a blob may have at most ${limit} bytes`, { limit });
    const known = await this.ctx.db.query<{ size: number }>('SELECT b.size FROM workspace_blobs wb JOIN blobs b ON b.sha256 = wb.sha256 WHERE wb.workspace_id = $1 AND wb.sha256 = $2', [workspaceId, sha256]);
    if (known[0]) return { size: known[0].size, existed: true };

    const storageId = randomUUID();
    await this.ctx.db.query('INSERT INTO blob_uploads (storage_id, started_at) VALUES ($1, $2)', [storageId, new Date(this.ctx.now())]);
    const hash = createHash('sha256');
    let size = 0;
    let index = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const chunk = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.ctx.db.query('INSERT INTO blob_chunks (storage_id, idx, data) VALUES ($1, $2, $3)', [storageId, index++, chunk]);
    };
    try {
      for await (const piece of body) {
        size += piece.byteLength;
        if (size > limit) throw new CairnError('too_large', `a blob may have at most ${limit} bytes`, { limit });
        hash.update(piece);
        let buffer = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        while (pendingBytes + buffer.length >= BLOB_CHUNK_BYTES) {
          const take = BLOB_CHUNK_BYTES - pendingBytes;
          pending.push(Buffer.from(buffer.subarray(0, take)));
          pendingBytes += take;
          buffer = buffer.subarray(take);
          await flush();
        }
        if (buffer.length > 0) {
          pending.push(Buffer.from(buffer));
          pendingBytes += buffer.length;
        }
      }
      if (declaredLength !== undefined && size !== declaredLength) throw new CairnError('validation', `the upload ended after ${size} of ${declaredLength} bytes`);
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new CairnError('validation', `the bytes hash to ${actual}, not ${sha256}: nothing was stored`, { sha256: actual });
      await flush();
      const existed = await this.ctx.db.transaction(async (tx) => {
        const inserted = await tx.query('INSERT INTO blobs (sha256, storage_id, size, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING RETURNING 1', [
          sha256,
          storageId,
          size,
          new Date(this.ctx.now()),
        ]);
        // Identical content stored before (by any workspace): keep that copy; this upload proved possession.
        if (inserted.length === 0) await tx.query('DELETE FROM blob_chunks WHERE storage_id = $1', [storageId]);
        await tx.query('DELETE FROM blob_uploads WHERE storage_id = $1', [storageId]);
        await tx.query('INSERT INTO workspace_blobs (workspace_id, sha256, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
          workspaceId,
          sha256,
          principal.userId,
          new Date(this.ctx.now()),
        ]);
        return inserted.length === 0;
      });
      return { size, existed };
    } catch (error) {
      await this.discard(storageId).catch((cleanup: unknown) => this.ctx.log.warn({ err: cleanup, storageId }, 'could not remove a failed upload (the janitor will)'));
      throw error;
    }
  }

  /** What a GET may serve: the blob's size and its bytes in `range` (the whole blob without one). */
  async open(principal: Principal, workspaceId: string, sha256: string): Promise<{ size: number; read: (range: ByteRange) => AsyncGenerator<Buffer> }> {
    requireRole(principal, workspaceId, 'viewer');
    const rows = await this.ctx.db.query<{ size: number; storage_id: string }>(
      `SELECT b.size, b.storage_id FROM workspace_blobs wb JOIN blobs b ON b.sha256 = wb.sha256
       JOIN blob_refs r ON r.workspace_id = wb.workspace_id AND r.sha256 = wb.sha256 WHERE wb.workspace_id = $1 AND wb.sha256 = $2`,
      [workspaceId, sha256],
    );
    const row = rows[0];
    if (!row) throw new CairnError('not_found', 'this workspace has no such blob');
    const db = this.ctx.db;
    async function* read(range: ByteRange): AsyncGenerator<Buffer> {
      for (let idx = Math.floor(range.start / BLOB_CHUNK_BYTES); idx * BLOB_CHUNK_BYTES <= range.end; idx++) {
        const chunk = await db.query<{ data: unknown }>('SELECT data FROM blob_chunks WHERE storage_id = $1 AND idx = $2', [row!.storage_id, idx]);
        if (!chunk[0]) throw new CairnError('internal', `blob ${sha256} is missing chunk ${idx}`);
        const data = bytes(chunk[0].data);
        const offset = idx * BLOB_CHUNK_BYTES;
        yield data.subarray(Math.max(0, range.start - offset), Math.min(data.length, range.end - offset + 1));
      }
    }
    return { size: row.size, read };
  }

  /** Removes chunks of uploads that never finished (a crash, a dropped connection) after `olderThanMs`. */
  async collectAbandoned(olderThanMs = 3_600_000): Promise<number> {
    const rows = await this.ctx.db.query<{ storage_id: string }>('SELECT storage_id FROM blob_uploads WHERE started_at < $1', [new Date(this.ctx.now() - olderThanMs)]);
    for (const row of rows) await this.discard(row.storage_id);
    return rows.length;
  }

  private async discard(storageId: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const kept = await tx.query('SELECT 1 FROM blobs WHERE storage_id = $1', [storageId]);
      if (kept.length === 0) await tx.query('DELETE FROM blob_chunks WHERE storage_id = $1', [storageId]);
      await tx.query('DELETE FROM blob_uploads WHERE storage_id = $1', [storageId]);
    });
  }
}

/**
 * A `Range: bytes=…` header against a blob of `size` bytes: the range, `undefined` for the whole blob (no header,
 * or one this server does not split, like several ranges), or `unsatisfiable`.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
