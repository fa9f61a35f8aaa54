import { createWebSocketTransport } from '../engine/webSocketTransport.js';
import { mountCairn } from '../mount.js';

// Web mode (`cairn serve`): the engine is across the WebSocket on this page's origin.
const root = document.getElementById('root')!;
const started = performance.now();
const transport = createWebSocketTransport();
let mounted = false;
const offState = transport.onState((state) => {
  // The server refuses a page without the session cookie: say what to do (the transport keeps trying).
  if (state === 'closed' && !mounted) {
    root.innerHTML = '<p class="boot-message" role="alert"></p>';
    root.firstElementChild!.textContent =
      'Cannot reach the Cairn engine. Open the link that `cairn serve` printed (it carries this launch’s secret), or check that the server is running.';
  }
});
mountCairn(root, transport)
  .then(() => {
    mounted = true;
    offState();
    performance.mark('cairn:mounted');
    root.dataset.mountedMs = String(Math.round(performance.now() - started));
  })
  .catch((error: unknown) => {
    root.textContent = `Cairn could not start: ${error instanceof Error ? error.message : String(error)}`;
  });
