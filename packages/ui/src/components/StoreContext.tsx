import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { AppActions, AppStore } from '../store/state.js';

export const StoreContext = createContext<StoreApi<AppStore> | undefined>(undefined);

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
