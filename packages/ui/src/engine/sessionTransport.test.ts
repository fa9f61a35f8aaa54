// The session transport's call timeout: ordinary calls give up, long-running ones wait for their answer.
import type { ClientFrame, HostFrame } from '@cairn/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSessionTransport } from './sessionTransport.js';

afterEach(() => vi.useRealTimers());

describe('session transport', () => {
  it('times out ordinary calls, never a download or a large import, and fails both when the channel drops', async () => {
    vi.useFakeTimers();
    const sent: ClientFrame[] = [];
    let deliver: (frame: HostFrame) => void = () => undefined;
    let drop: () => void = () => undefined;
    const transport = createSessionTransport({
      callTimeoutMs: 1_000,
      connect(handlers) {
        deliver = (frame) => handlers.onFrame(frame);
        drop = () => handlers.onClose();
        return { send: (frame) => void sent.push(frame), close: () => undefined };
      },
    });
    deliver({ type: 'hello', protocol: 1, methods: ['status', 'downloadModel', 'importPaths'] });
    const status = transport.call('status', {});
    const download = transport.call('downloadModel', {});
    const folder = transport.call('importPaths', { paths: ['/big/folder'] });
    const statusFailed = expect(status).rejects.toMatchObject({ code: 'busy' });
    await vi.advanceTimersByTimeAsync(60_000);
    await statusFailed;
    expect(sent.map((f) => f.type === 'call' && f.method)).toEqual(['status', 'downloadModel', 'importPaths']);
    deliver({ type: 'result', id: (sent[1] as { id: number }).id, ok: true, result: { state: 'ready' } });
    await expect(download).resolves.toEqual({ state: 'ready' });
    const dropped = expect(folder).rejects.toMatchObject({ code: 'disconnected' });
    drop();
    await dropped;
    transport.close();
  });
});
