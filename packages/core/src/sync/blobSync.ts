import { createReadStream } from 'node:fs';
import { isSha256, type BlobStore } from '../blobs/blobStore.js';
import { CairnError } from '../errors/cairnError.js';
import type { PulledEvent, WireEvent } from '../protocol/index.js';
import type { LocalSyncLog } from './localSyncLog.js';
import { SyncTransportError, type SyncTransport } from './transport.js';

/** The blobs an event names: a document's original (DocumentImported) or its extracted text (DocumentProcessed). */
export function blobsOf(event: Pick<WireEvent, 'type' | 'data'>): { readonly original?: { sha256: string; size: number }; readonly text?: string } {
  const data = event.data as Record<string, unknown>;
  if (event.type === 'DocumentImported') {
    const file = data.file as { sha256?: unknown; size?: unknown } | undefined;
    if (typeof file?.sha256 === 'string' && typeof file.size === 'number') return { original: { sha256: file.sha256, size: file.size } };
  }
  if (event.type === 'DocumentProcessed' && typeof data.textSha256 === 'string') return { text: data.textSha256 };
  return {};
}

const UPLOAD = 'upload:';
const MISSING_TEXT = 'text_missing:';

export interface BlobProgress {
  readonly sha256: string;
  readonly done: number;
  readonly total: number;
}

/**
 * Documents across devices. The extracted text goes up before the event that names it, so a device that pulls a
 * processed document can search it at once and never extracts or OCRs it again; texts a pulled page names are
 * downloaded before the page is applied. Originals go up after the round, one at a time, and come down only when
 * someone opens one — resumably, verified against their hash. What waits is in the sync state, so a crash or a
 * server that is down loses none of it.
 */
export class BlobSync {
  constructor(
    private readonly log: LocalSyncLog,
    private readonly blobs: BlobStore,
    private readonly transport: SyncTransport,
  ) {}

  /** Before a batch is pushed: its texts uploaded, its originals queued for upload after the round. */
  async beforePush(workspace: string, events: readonly WireEvent[]): Promise<void> {
    for (const event of events) {
      const { original, text } = blobsOf(event);
      if (original && this.blobs.has(original.sha256)) this.log.setValue(`${UPLOAD}${original.sha256}`, String(original.size));
      if (!text || !this.blobs.has(text)) continue;
      try {
        await this.upload(workspace, text);
      } catch (error) {
        // A text larger than the server takes: the event goes anyway; other devices index the document without it.
        if (!(error instanceof SyncTransportError && error.code === 'too_large')) throw error;
      }
    }
  }

  /**
   * Before a pulled page is applied: the texts it names that are not here, downloaded. One the server cannot give
   * (a peer that never uploaded it) does not hold sync up: the document is indexed without it, and each round asks
   * again until it arrives.
   */
  async beforeApply(workspace: string, events: readonly PulledEvent[]): Promise<void> {
    for (const { event } of events) {
      const { text } = blobsOf(event);
      // Not checked yet (applying the page does that): anything that is not a hash is left to it.
      if (!text || !isSha256(text) || typeof event.aggregateId !== 'string' || this.blobs.has(text)) continue;
      if (!(await this.downloadText(workspace, text))) this.log.setValue(`${MISSING_TEXT}${text}`, event.aggregateId);
    }
  }

  /** After a round: texts that were missing asked for again (their documents reindexed), then the originals uploaded. */
  async afterRound(workspace: string): Promise<{ uploaded: number; texts: number }> {
    const arrived: string[] = [];
    for (const [key, entryId] of this.log.valuesWithPrefix(MISSING_TEXT)) {
      const sha256 = key.slice(MISSING_TEXT.length);
      if (this.blobs.has(sha256) || (await this.downloadText(workspace, sha256))) {
        arrived.push(entryId);
        this.log.removeValue(key);
      }
    }
    if (arrived.length > 0) this.log.refold(arrived);
    let uploaded = 0;
    for (const [key] of this.log.valuesWithPrefix(UPLOAD)) {
      const sha256 = key.slice(UPLOAD.length);
      if (this.blobs.has(sha256)) {
        try {
          await this.upload(workspace, sha256);
          uploaded++;
        } catch (error) {
          // The server is down or busy: the rest waits for the next round. Refused for good (too large, a viewer): dropped.
          const refused = error instanceof SyncTransportError && !['unavailable', 'rate_limited', 'busy'].includes(error.code);
          if (!refused) throw error;
        }
      }
      this.log.removeValue(key);
    }
    return { uploaded, texts: arrived.length };
  }

  /**
   * Downloads an original that is not on this device, resuming what an earlier attempt left, and verifies it. A
   * server that cannot resume is asked for the whole again.
   */
  async fetchOriginal(workspace: string, sha256: string, size: number, onProgress?: (progress: BlobProgress) => void): Promise<void> {
    if (this.blobs.has(sha256)) return;
    const source = async (offset: number) => {
      const body = await this.transport.getBlob(workspace, sha256, offset);
      return (async function* () {
        let done = offset;
        for await (const chunk of body) {
          done += chunk.byteLength;
          onProgress?.({ sha256, done, total: size });
          yield chunk;
        }
      })();
    };
    try {
      await this.blobs.putResumable(sha256, source, size);
    } catch (error) {
      if (!(error instanceof SyncTransportError && error.code === 'unsupported')) throw error;
      this.blobs.discardPartial(sha256);
      await this.blobs.putResumable(sha256, source, size);
    }
  }

  private async upload(workspace: string, sha256: string): Promise<void> {
    if (await this.transport.hasBlob(workspace, sha256)) return;
    const path = this.blobs.pathOf(sha256);
    await this.transport.putBlob(workspace, sha256, this.blobs.size(sha256), () => createReadStream(path) as AsyncIterable<Uint8Array>);
  }

  /** False when the server does not have it (or will not give it); transient failures throw. */
  private async downloadText(workspace: string, sha256: string): Promise<boolean> {
    try {
      await this.blobs.putResumable(sha256, (offset) => this.transport.getBlob(workspace, sha256, offset));
      return true;
    } catch (error) {
      if (error instanceof SyncTransportError && (error.code === 'not_found' || error.code === 'forbidden')) return false;
      if (error instanceof CairnError && error.code === 'validation' && !(error instanceof SyncTransportError)) return false; // bytes that did not match
      throw error;
    }
  }
}
