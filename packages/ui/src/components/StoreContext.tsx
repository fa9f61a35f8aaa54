import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { HostBridge } from '../engine/transport.js';
import type { AppActions, AppStore } from '../store/state.js';

export const StoreContext = createContext<StoreApi<AppStore> | undefined>(undefined);

/** What the shell adds beyond the engine (uploads and originals in web mode, the OS on desktop). */
export const HostContext = createContext<HostBridge | undefined>(undefined);

export function useHost(): HostBridge | undefined {
  return useContext(HostContext);
}

/** Reads from the app store; re-renders only when the selected value changes. */
export function useApp<T>(selector: (state: AppStore) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside <StoreContext.Provider>');
  return useStore(store, selector);
}

export function useAppStore(): StoreApi<AppStore> {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside <StoreContext.Provider>');
  return store;
}

/** The store's actions: stable functions, read without subscribing to any state. */
export function useActions(): AppActions {
  return useAppStore().getState();
}
