import { Readable } from 'node:stream';
import { CairnError, SyncTransportError, type SyncTransport } from '@cairn/core';
import { pullResponseSchema, pushRequestSchema, pushResponseSchema } from '@cairn/core/protocol';
import type { App } from '@cairn/sync-server';

/** How a request held by the network is let through. */
export type Delivery =
  /** Reaches the server, and its answer reaches the device. */
  | 'ok'
  /** Lost on the way: the server never sees it. */
  | 'lost_request'
  /** The server does it, and the connection drops before the answer arrives (an acknowledgement lost after commit). */
  | 'lost_response';

interface Held {
  run(): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const unreachable = () => new SyncTransportError('unavailable', 'the network dropped the connection');

/** A server's own failures, as a device would see them over HTTP. */
function asTransportError(error: unknown): unknown {
  if (error instanceof SyncTransportError) return error;
  if (error instanceof CairnError) return new SyncTransportError(error.code, error.message, undefined, error.details);
  return error;
}

/**
 * Devices talking to a sync server's services in this process, through a network the test drives by hand: each
 * device's requests wait until the test delivers them (in the order it chooses, with the faults it chooses), or
 * fail at once while the device is offline. A sync client makes one request at a time, so a device holds at most one.
 * With `auto` on, requests go straight through.
 */
export class ManualNetwork {
  auto = false;
  private readonly held = new Map<string, Held>();
  private readonly offline = new Set<string>();

  constructor(private readonly app: App) {}

  setOnline(device: string, online: boolean): void {
    if (online) this.offline.delete(device);
    else this.offline.add(device);
  }

  isOnline(device: string): boolean {
    return !this.offline.has(device);
  }

  /** The device has a request waiting for delivery. */
  holds(device: string): boolean {
    return this.held.has(device);
  }

  async deliver(device: string, how: Delivery): Promise<void> {
    const request = this.held.get(device);
    if (!request) throw new Error(`${device} has no request waiting`);
    this.held.delete(device);
    if (how === 'lost_request') return request.reject(unreachable());
    let result: unknown;
    try {
      result = await request.run();
    } catch (error) {
      return request.reject(asTransportError(error));
    }
    if (how === 'lost_response') request.reject(unreachable());
    else request.resolve(result);
  }

  /** A transport for one device, signed in with `token`. */
  transport(device: string, token: string): SyncTransport {
    const app = this.app;
    const principal = () => app.identity.authenticate(`Bearer ${token}`);
    return {
      push: (workspace, request) =>
        this.send(device, async () => {
          const checked = pushRequestSchema.parse(JSON.parse(JSON.stringify(request)));
          // Through JSON both ways, as over HTTP: nothing the device holds is shared with the server.
          return pushResponseSchema.parse(JSON.parse(JSON.stringify(await app.eventLog.push(await principal(), workspace, checked.events))));
        }),
      pull: (workspace, after, limit) =>
        this.send(device, async () => {
          let text = '';
          for await (const piece of await app.eventLog.pull(await principal(), workspace, { after, limit })) text += typeof piece === 'string' ? piece : piece.toString('utf8');
          return pullResponseSchema.parse(JSON.parse(text));
        }),
      hasBlob: (workspace, sha256) => this.send(device, async () => (await app.blobs.info(await principal(), workspace, sha256)) !== undefined),
      putBlob: (workspace, sha256, size, body) =>
        this.send(device, async () => {
          await app.blobs.put(await principal(), workspace, sha256, body(), size);
        }),
      getBlob: (workspace, sha256, offset) =>
        this.send(device, async () => {
          const blob = await app.blobs.open(await principal(), workspace, sha256);
          const chunks: Buffer[] = [];
          if (offset < blob.size) for await (const chunk of blob.read({ start: offset, end: blob.size - 1 })) chunks.push(Buffer.from(chunk));
          return Readable.from(chunks) as AsyncIterable<Uint8Array>;
        }),
    };
  }

  private send<T>(device: string, run: () => Promise<T>): Promise<T> {
    if (this.offline.has(device)) return Promise.reject(unreachable());
    if (this.auto)
      return run().catch((error: unknown) => {
        throw asTransportError(error);
      });
    if (this.held.has(device)) return Promise.reject(new Error(`${device} sent a second request while one was waiting`));
    return new Promise<T>((resolve, reject) => {
      this.held.set(device, { run, resolve: (value) => resolve(value as T), reject });
    });
  }
}
