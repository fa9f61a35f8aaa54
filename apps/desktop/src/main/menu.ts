// The application menu as data (Electron's template shape), so it can be tested without Electron.
import type { MenuCommand } from '../ipc/contract.js';

export interface MenuItemSpec {
  readonly label?: string;
  readonly role?: string;
  readonly type?: 'separator' | 'submenu';
  readonly accelerator?: string;
  readonly submenu?: readonly MenuItemSpec[];
  readonly command?: MenuCommand;
}

export interface MenuLabels {
  readonly file: string;
  readonly edit: string;
  readonly view: string;
  readonly window: string;
  readonly help: string;
  readonly newNote: string;
  readonly importFiles: string;
  readonly settings: string;
  readonly search: string;
  readonly history: string;
  readonly save: string;
}

export const englishMenuLabels: MenuLabels = {
  file: 'File',
  edit: 'Edit',
  view: 'View',
  window: 'Window',
  help: 'Help',
  newNote: 'New Note',
  importFiles: 'Import Files…',
  settings: 'Settings…',
  search: 'Search…',
  history: 'History',
  save: 'Save',
};

/** The menu for a platform. Items with a `command` are sent to the renderer when chosen. */
export function buildMenu(platform: string, labels: MenuLabels, options: { readonly importAvailable: boolean; readonly devTools: boolean }): MenuItemSpec[] {
  const mac = platform === 'darwin';
  const sep: MenuItemSpec = { type: 'separator' };
  const file: MenuItemSpec[] = [
    { label: labels.newNote, accelerator: 'CmdOrCtrl+N', command: 'newNote' },
    ...(options.importAvailable ? [{ label: labels.importFiles, accelerator: 'CmdOrCtrl+I', command: 'import' as const }] : []),
    { label: labels.save, accelerator: 'CmdOrCtrl+S', command: 'save' },
    ...(mac ? [] : [sep, { label: labels.settings, accelerator: 'CmdOrCtrl+,', command: 'settings' as const }, sep, { role: 'quit' }]),
  ];
  return [
    ...(mac ? [{ role: 'appMenu', submenu: [{ role: 'about' }, sep, { label: labels.settings, accelerator: 'Cmd+,', command: 'settings' as const }, sep, { role: 'hide' }, { role: 'hideOthers' }, sep, { role: 'quit' }] }] : []),
    { label: labels.file, submenu: file },
    { label: labels.edit, role: 'editMenu' },
    {
      label: labels.view,
      submenu: [
        { label: labels.search, accelerator: 'CmdOrCtrl+K', command: 'search' },
        { label: labels.history, accelerator: 'Alt+H', command: 'history' },
        sep,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        sep,
        { role: 'togglefullscreen' },
        ...(options.devTools ? [sep, { role: 'reload' }, { role: 'toggleDevTools' }] : []),
      ],
    },
    { label: labels.window, role: 'windowMenu' },
  ];
}
