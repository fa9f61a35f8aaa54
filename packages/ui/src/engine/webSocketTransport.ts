import type { HostFrame } from '@cairn/core';
import { createSessionTransport } from './sessionTransport.js';
import type { EngineTransport } from './transport.js';
import { originalUrl, uploadFile } from './webFiles.js';

/**
 * Web mode: the session protocol over `/api/ws` on the page's own origin. The browser sends the
 * session cookie set when the printed link was opened; the server refuses anything else.
 */
export function createWebSocketTransport(url = defaultSocketUrl()): EngineTransport {
  return createSessionTransport({
    reconnect: true,
    host: { kind: 'web', uploadFile, originalUrl },
    connect(handlers) {
      const socket = new WebSocket(url);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        handlers.onClose();
      };
      socket.addEventListener('message', (event: MessageEvent<unknown>) => {
        if (typeof event.data !== 'string') return;
        let frame: HostFrame;
        try {
          frame = JSON.parse(event.data) as HostFrame;
        } catch {
          return;
        }
        handlers.onFrame(frame);
      });
      socket.addEventListener('close', finish);
      socket.addEventListener('error', finish);
      return {
        send: (frame) => socket.send(JSON.stringify(frame)),
        close: () => socket.close(),
      };
    },
  });
}

function defaultSocketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/ws`;
}
