// The renderer's way to the engine: the session protocol over the preload's bridge.
import { createSessionTransport, type EngineTransport } from '@cairn/ui';
import { originalUrl, type CairnBridge } from '../ipc/contract.js';

export function createIpcTransport(bridge: CairnBridge): EngineTransport {
  return createSessionTransport({
    callTimeoutMs: 120_000,
    host: {
      kind: 'desktop',
      pathForFile: (file) => bridge.pathForFile(file) || undefined,
      onOpenFiles: (listener) => bridge.onOpenFiles(listener),
      onCommand: (listener) => bridge.onCommand(listener),
      openOriginal: (entryId) => bridge.openOriginal(entryId),
      originalUrl: (entryId) => originalUrl(entryId),
    },
    connect(handlers) {
      const off = bridge.onEngineFrame((frame) => handlers.onFrame(frame));
      // The main process opens this window's session when the page has loaded; the hello follows.
      return {
        send: (frame) => bridge.sendToEngine(frame),
        close: () => {
          off();
          handlers.onClose();
        },
      };
    },
  });
}
