// Electron's main entry: hands the real Electron to startDesktop. Everything testable lives there.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, protocol, safeStorage, screen, shell, utilityProcess, type MenuItemConstructorOptions } from 'electron';
import { originalScheme, type MenuCommand } from '../ipc/contract.js';
import type { MenuItemSpec } from './menu.js';
import { startDesktop } from './desktopApp.js';

const here = dirname(fileURLToPath(import.meta.url));
const distRoot = dirname(here); // dist/
const stateFile = () => join(app.getPath('userData'), 'window-state.json');

function toElectronMenu(items: readonly MenuItemSpec[], onCommand: (command: MenuCommand) => void): MenuItemConstructorOptions[] {
  return items.map((item) => {
    const { command, submenu, role, ...rest } = item;
    return {
      ...rest,
      ...(role !== undefined && { role: role as MenuItemConstructorOptions['role'] }),
      ...(submenu && { submenu: toElectronMenu(submenu, onCommand) }),
      ...(command && { click: () => onCommand(command) }),
    };
  });
}

// Before the app is ready: the originals' scheme behaves like https for fetch and streaming (the PDF viewer reads it).
protocol.registerSchemesAsPrivileged([{ scheme: originalScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

startDesktop({
  app,
  platform: process.platform,
  argv: process.argv,
  ipcMain,
  createWindow: (spec) => new BrowserWindow(spec),
  workAreas: () => screen.getAllDisplays().map((d) => d.workArea),
  setMenu: (template, onCommand) => Menu.setApplicationMenu(Menu.buildFromTemplate(toElectronMenu(template, onCommand))),
  safeStorage,
  forkEngine: (dataDir) =>
    utilityProcess.fork(join(distRoot, 'engine', 'engineProcess.js'), dataDir === undefined ? [] : ['--data', dataDir], {
      serviceName: 'Cairn engine',
      stdio: 'inherit',
      // In development, `npm start` builds better-sqlite3 for Electron into its own folder.
      env: { ...process.env },
    }),
  openExternal: (url) => void shell.openExternal(url),
  openPath: (path) =>
    void shell.openPath(path).then((error) => {
      if (error) process.stderr.write(`cairn: could not open ${path}: ${error}\n`);
    }),
  originalsDir: join(app.getPath('temp'), 'cairn-originals'),
  handleProtocol: (scheme, handler) => protocol.handle(scheme, handler),
  windowStateFile: {
    read: () => (existsSync(stateFile()) ? readFileSync(stateFile(), 'utf8') : undefined),
    write: (text) => {
      mkdirSync(dirname(stateFile()), { recursive: true });
      writeFileSync(stateFile(), text);
    },
  },
  rendererHtml: join(distRoot, 'renderer', 'index.html'),
  preloadPath: join(distRoot, 'preload', 'preload.cjs'),
  schedule: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  log: (message) => process.stderr.write(`cairn: ${message}\n`),
});
