import { mountCairn } from '@cairn/ui';
import type { CairnBridge } from '../ipc/contract.js';
import { createIpcTransport } from './ipcTransport.js';

// The desktop renderer: the same UI as web mode, over the preload's bridge instead of a WebSocket.
const bridge = (window as unknown as { cairn?: CairnBridge }).cairn;
const root = document.getElementById('root')!;
if (!bridge) root.textContent = 'Cairn: the preload bridge is missing.';
else
  void mountCairn(root, createIpcTransport(bridge)).catch((error: unknown) => {
    root.textContent = `Cairn could not start: ${error instanceof Error ? error.message : String(error)}`;
  });
