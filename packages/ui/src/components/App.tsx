import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HostBridge } from '../engine/transport.js';
import { canImport } from '../store/importSlice.js';
import type { ImportSource } from '../store/state.js';
import { ActivityFeed } from './ActivityFeed.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { EntryPane } from './EntryPane.js';
import { ImportPanel } from './ImportPanel.js';
import { LibraryList } from './LibraryList.js';
import { SearchPalette } from './SearchPalette.js';
import { SettingsDialog } from './SettingsDialog.js';
import { Sidebar } from './Sidebar.js';
import { SyncDialog } from './SyncDialog.js';
import { HostContext, useApp, useAppStore } from './StoreContext.js';
import { Toasts } from './Toasts.js';
import { useFileDrop } from './useFileDrop.js';
import { useShortcuts } from './useShortcuts.js';

/** Commands the desktop menu sends (and the header buttons use). */
export const appCommands = ['newNote', 'search', 'import', 'settings', 'history', 'save', 'focusLibrary', 'focusEditor'] as const;
export type AppCommand = (typeof appCommands)[number];

/**
 * Focuses the element once it is on the page (the entry pane may still be loading its code on a slow machine), trying
 * each frame for up to two seconds.
 */
function focus(selector: string, options: { select?: boolean } = {}): void {
  const until = Date.now() + 2_000;
  const attempt = () => {
    const element = document.querySelector<HTMLElement>(selector);
    if (!element) {
      if (Date.now() < until) requestAnimationFrame(attempt);
      return;
    }
    element.focus();
    if (options.select && element instanceof HTMLInputElement) element.select();
  };
  attempt();
}

/** The whole window. `host` is what the shell adds (the desktop app's file paths, menu commands). */
export function App({ host }: { readonly host?: HostBridge | undefined }) {
  const { t, i18n } = useTranslation();
  const store = useAppStore();
  const view = useApp((s) => s.view);
  const theme = useApp((s) => s.prefs.theme);
  const language = useApp((s) => s.prefs.language);
  const searchAvailable = useApp((s) => s.methods.includes('search'));
  const importAvailable = useApp((s) => canImport(s.has));
  const [systemDark, setSystemDark] = useState(() => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false);

  useEffect(() => {
    const query = window.matchMedia?.('(prefers-color-scheme: dark)');
    const onChange = (event: MediaQueryListEvent) => setSystemDark(event.matches);
    query?.addEventListener('change', onChange);
    return () => query?.removeEventListener('change', onChange);
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme === 'system' ? (systemDark ? 'dark' : 'light') : theme;
  }, [theme, systemDark]);

  useEffect(() => {
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
  }, [i18n, language]);

  const run = useCallback(
    (command: AppCommand) => {
      const state = store.getState();
      switch (command) {
        case 'newNote':
          // A note needs a title, so it starts as "Untitled" — selected, so typing replaces it with exactly what was typed.
          void state.createNote(t('editor.untitled')).then((id) => {
            if (id) setTimeout(() => focus('.title-input', { select: true }), 0);
          });
          return;
        case 'search':
          if (state.has('search')) state.openSearch(true);
          else state.toast({ kind: 'info', key: 'search.unavailable' });
          return;
        case 'import':
          if (canImport(state.has)) state.openImport(true);
          else state.toast({ kind: 'info', key: 'import.unavailable' });
          return;
        case 'settings':
          state.openSettings(true);
          return;
        case 'history':
          if (state.selectedId !== undefined) void state.openHistory(!state.historyOpen);
          return;
        case 'save':
          void state.saveDraft();
          return;
        case 'focusLibrary':
          focus('.library-scroll');
          return;
        case 'focusEditor':
          focus('.cm-content');
          return;
        default: {
          const unknown: never = command;
          return unknown;
        }
      }
    },
    [store, t],
  );

  const shortcuts = useMemo(
    () => ({
      'Mod+k': () => run('search'),
      'Alt+n': () => run('newNote'),
      'Mod+s': () => run('save'),
      'Mod+,': () => run('settings'),
      'Alt+h': () => run('history'),
      'Mod+i': () => run('import'),
      'Alt+1': () => focus('.sidebar .nav-item'),
      'Alt+2': () => run('focusLibrary'),
      'Alt+3': () => run('focusEditor'),
    }),
    [run],
  );
  useShortcuts(shortcuts);

  const pathFor = useMemo(() => host?.pathForFile?.bind(host), [host]);
  const onFiles = useCallback(
    (sources: ImportSource[]) => {
      if (sources.length === 0) return;
      if (canImport(store.getState().has)) store.getState().importFiles(sources);
      else store.getState().toast({ kind: 'info', key: 'import.unavailable' });
    },
    [store],
  );
  const dragging = useFileDrop(onFiles, pathFor);

  useEffect(() => {
    const offCommand = host?.onCommand?.((command) => {
      if ((appCommands as readonly string[]).includes(command)) run(command as AppCommand);
    });
    const offOpen = host?.onOpenFiles?.((paths) => onFiles(paths.map((path) => ({ name: path.split(/[\\/]/).pop() ?? path, size: 0, path }))));
    return () => {
      offCommand?.();
      offOpen?.();
    };
  }, [host, run, onFiles]);

  return (
    <HostContext.Provider value={host}>
    <div className="app">
      <a className="skip-link" href="#main" onClick={() => run('focusLibrary')}>
        {t('app.skip')}
      </a>
      <header className="app-header">
        <h1 className="brand">Cairn</h1>
        <span className="spacer" />
        {searchAvailable ? (
          <button type="button" className="search-button" aria-keyshortcuts="Control+K Meta+K" onClick={() => run('search')}>
            {t('search.button')} <kbd>Ctrl K</kbd>
          </button>
        ) : null}
        <button type="button" className="primary" aria-keyshortcuts="Alt+N" onClick={() => run('newNote')}>
          {t('editor.new')}
        </button>
        {importAvailable ? (
          <button type="button" onClick={() => run('import')}>
            {t('import.button')}
          </button>
        ) : null}
        <button type="button" className="icon-button" aria-label={t('settings.open')} aria-keyshortcuts="Control+Comma" onClick={() => run('settings')}>
          ⚙
        </button>
      </header>
      <ConnectionBanner />
      <div className="app-body">
        <Sidebar />
        <main id="main" className="main">
          {view === 'activity' ? (
            <ActivityFeed />
          ) : (
            <>
              <LibraryList />
              <EntryPane />
            </>
          )}
        </main>
      </div>
      {dragging ? (
        <div className="drop-overlay" aria-hidden="true">
          <p>{importAvailable ? t('import.dropHere') : t('import.unavailable')}</p>
        </div>
      ) : null}
      <SettingsDialog />
      <SyncDialog />
      <SearchPalette />
      <ImportPanel />
      <Toasts />
    </div>
    </HostContext.Provider>
  );
}
