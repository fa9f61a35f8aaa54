// The preload: exposes one typed object, `window.cairn`, and nothing else. It speaks only the
// contract's channels; the renderer never sees ipcRenderer itself.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ClientFrame, HostFrame } from '@cairn/core';
import { ipcChannels, mainToRendererChannels, menuCommands, type CairnBridge, type MenuCommand } from '../ipc/contract.js';

function listen<T>(channel: (typeof mainToRendererChannels)[number], listener: (payload: T) => void): () => void {
  if (!mainToRendererChannels.includes(channel)) throw new Error(`channel ${channel} is not allowed`);
  const wrapped = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => void ipcRenderer.removeListener(channel, wrapped);
}

const bridge: CairnBridge = {
  platform: process.platform,
  sendToEngine: (frame: ClientFrame) => ipcRenderer.send(ipcChannels.toEngine, frame),
  onEngineFrame: (listener: (frame: HostFrame) => void) => listen(ipcChannels.fromEngine, listener),
  onOpenFiles: (listener) => listen<unknown>(ipcChannels.openFiles, (paths) => listener(Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : [])),
  onCommand: (listener) =>
    listen<unknown>(ipcChannels.command, (command) => {
      if ((menuCommands as readonly unknown[]).includes(command)) listener(command as MenuCommand);
    }),
  pathForFile: (file) => webUtils.getPathForFile(file),
  openOriginal: (entryId) => {
    if (typeof entryId === 'string') ipcRenderer.send(ipcChannels.openOriginal, entryId);
  },
};

contextBridge.exposeInMainWorld('cairn', bridge);
