import { createWebSocketTransport } from '../engine/webSocketTransport.js';
import { mountCairn } from '../mount.js';

// Web mode (`cairn serve`): the engine is across the WebSocket on this page's origin.
const root = document.getElementById('root')!;
mountCairn(root, createWebSocketTransport()).catch((error: unknown) => {
  root.textContent = `Cairn could not start: ${error instanceof Error ? error.message : String(error)}`;
});
