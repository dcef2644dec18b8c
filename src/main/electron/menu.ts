// The application menu as data (Electron's MenuItemConstructorOptions), built from plain options and callbacks so
// tests can read it without Electron; index.ts passes it to Menu.buildFromTemplate and rebuilds it when the recent
// databases change.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openDatabase(): void;
  newDatabase(): void;
  openRecent(path: string): void;
  clearRecent(): void;
  importSnapshot(): void;
  mergeDatabases(): void;
  exportSnapshot(): void;
  openDataFolder(): void;
  showDatabaseFile(): void;
  about(): void;
}

export interface MenuOptions {
  appName: string;
  isMac: boolean;
  /** Development build: adds force reload and the developer tools. */
  isDev: boolean;
  /** Recent databases, most recent first (existing files only). */
  recent: readonly string[];
  currentDb: string;
  actions: MenuActions;
}

/** Menu labels treat & as a mnemonic marker on Windows and Linux. */
const label = (text: string) => text.replace(/&/g, '&&');

export function buildMenuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const a = o.actions;
  const sep: MenuItemConstructorOptions = { type: 'separator' };
  const recent: MenuItemConstructorOptions[] = o.recent.length
    ? [
        ...o.recent.map((p): MenuItemConstructorOptions => ({
          label: label(p),
          type: 'checkbox',
          checked: p === o.currentDb,
          click: () => a.openRecent(p),
        })),
        sep,
        { label: 'Clear recent', click: () => a.clearRecent() },
      ]
    : [{ label: 'No recent databases', enabled: false }];

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Open database…', accelerator: 'CmdOrCtrl+O', click: () => a.openDatabase() },
      { label: 'New database…', accelerator: 'CmdOrCtrl+Shift+N', click: () => a.newDatabase() },
      { label: 'Recent databases', submenu: recent },
      { label: 'Merge databases…', click: () => a.mergeDatabases() },
      sep,
      { label: 'Import snapshot…', accelerator: 'CmdOrCtrl+I', click: () => a.importSnapshot() },
      { label: 'Export snapshot…', accelerator: 'CmdOrCtrl+E', click: () => a.exportSnapshot() },
      sep,
      o.isMac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' },
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { role: 'reload' },
      ...(o.isDev ? ([{ role: 'forceReload' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
      sep,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      sep,
      { role: 'togglefullscreen' },
    ],
  };

  const help: MenuItemConstructorOptions = {
    label: '&Help',
    role: 'help',
    submenu: [
      ...(o.isMac ? [] : ([{ label: `About ${o.appName}`, click: () => a.about() }, sep] as MenuItemConstructorOptions[])),
      { label: 'Open data folder', click: () => a.openDataFolder() },
      { label: 'Show database file', click: () => a.showDatabaseFile() },
    ],
  };

  const appMenu: MenuItemConstructorOptions = {
    label: o.appName,
    submenu: [
      { label: `About ${o.appName}`, click: () => a.about() },
      sep,
      { role: 'services' },
      sep,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      sep,
      { role: 'quit' },
    ],
  };

  return [
    ...(o.isMac ? [appMenu] : []),
    file,
    { role: 'editMenu' },
    view,
    ...(o.isMac ? ([{ role: 'windowMenu' }] as MenuItemConstructorOptions[]) : []),
    help,
  ];
}
