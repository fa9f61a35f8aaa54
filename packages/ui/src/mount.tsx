import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import type { StoreApi } from 'zustand/vanilla';
import { App } from './components/App.js';
import { StoreContext } from './components/StoreContext.js';
import { createEngineClient } from './engine/engineClient.js';
import type { EngineTransport } from './engine/transport.js';
import { createI18n } from './i18n/i18n.js';
import { createAppStore } from './store/appStore.js';
import type { AppStore } from './store/state.js';
import './styles/app.css';

export interface MountedApp {
  readonly store: StoreApi<AppStore>;
  unmount(): void;
}

/**
 * Starts the UI on `element` over `transport`. It renders at once (calls wait in the transport until the
 * engine's hello); the hello names the engine's methods, which decide what the UI offers. Every shell
 * (web mode, desktop) mounts the app this way.
 */
export async function mountCairn(element: HTMLElement, transport: EngineTransport): Promise<MountedApp> {
  const engine = createEngineClient(transport);
  const store = createAppStore(engine, { storage: safeLocalStorage(), navigatorLanguage: navigator.language });
  const i18n = createI18n(store.getState().prefs.language);
  const applyMethods = (methods: readonly string[]) => store.getState().engineReady(methods);
  transport.onState((state) => {
    if (state === 'open') void transport.ready().then(applyMethods);
  });
  void transport.ready().then(applyMethods);
  await store.getState().start();
  const root: Root = createRoot(element);
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <I18nextProvider i18n={i18n}>
          <App host={transport.host} />
        </I18nextProvider>
      </StoreContext.Provider>
    </StrictMode>,
  );
  return {
    store,
    unmount() {
      root.unmount();
      store.getState().stop();
      transport.close();
    },
  };
}

function safeLocalStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
