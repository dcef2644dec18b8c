// Electron entry: one hardened window, the contract over IPC, the engine in a utilityProcess, native menus and file
// dialogs. Everything else lives in the transport-agnostic core (src/main/core), which the CLI and serve mode share;
// the testable parts of the shell (IPC gate, menu, settings, window state, dialogs) are in src/main/electron.
import { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, shell, utilityProcess } from 'electron';
import type { MessageBoxOptions, OpenDialogOptions, SaveDialogOptions, WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Core } from './core';
import { APP_VERSION } from './core/version';
import { builtPaths, defaultDataDir, userDataDir } from './core/paths';
import { CSP } from './server/serve';
import { CHANNEL_PREFIX, snapshotFormatOfPath, type EventName, type Events, type ImportSnapshotResult, type Params, type RunSummary } from '../shared/contract';
import { oneLine } from '../shared/errors';
import type { SpawnWorker, WorkerToHost } from './core';
import { registerContract, trustedUrlChecker } from './electron/ipc';
import { buildMenuTemplate } from './electron/menu';
import { existingRecent, loadSettings, saveSettings, withRecent, type Settings } from './electron/settings';
import { captureWindow, MIN_SIZE, restoreWindow } from './electron/window-state';
import { databaseProblem } from './electron/database-check';
import * as dialogs from './electron/dialogs';
import type { MergeProgress } from './core/merge';
import { mergeProgressFraction, mergeProgressText, mergeSummaryText } from './electron/merge-messages';

// One data folder for the app, the CLI and serve mode (core/paths.ts; the README's table). Set before anything reads
// userData, the single-instance lock included.
app.setName('Ticketscope');
app.setPath('userData', userDataDir());
app.enableSandbox();

const paths = builtPaths(app.getAppPath());
const isDev = !app.isPackaged;
// The dev server URL is honoured in development only: a packaged app never loads a page named by the environment.
const devServerUrl = isDev ? process.env.ELECTRON_RENDERER_URL : undefined;
const isTrustedUrl = trustedUrlChecker(devServerUrl, paths.renderer);
const userData = app.getPath('userData');
const dataDir = process.env.TICKETSCOPE_DATA_DIR ?? defaultDataDir();
const defaultDb = join(userData, 'ticketscope.db');

const spawnUtility: SpawnWorker = () => {
  const child = utilityProcess.fork(paths.worker, [], { serviceName: 'Ticketscope engine', stdio: 'inherit' });
  return {
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => child.on('message', (m: WorkerToHost) => cb(m)),
    onExit: (cb) => child.on('exit', (code) => cb(code)),
    kill: () => void child.kill(),
  };
};

let settings: Settings = loadSettings(userData);
let core: Core | null = null;
let currentDb = '';
let unsubscribe: () => void = () => undefined;
let win: BrowserWindow | null = null;
let lastSnapshotDir = safePath('documents');

function safePath(name: 'documents' | 'home'): string {
  try {
    return app.getPath(name);
  } catch {
    return app.getPath('home');
  }
}

function persist(patch: Partial<Settings>): void {
  settings = { ...settings, ...patch };
  try {
    saveSettings(userData, settings);
  } catch (err) {
    console.error(`ticketscope: cannot save settings: ${oneLine(err)}`);
  }
}

const openDialog = (o: OpenDialogOptions) => (win ? dialog.showOpenDialog(win, o) : dialog.showOpenDialog(o));
const saveDialog = (o: SaveDialogOptions) => (win ? dialog.showSaveDialog(win, o) : dialog.showSaveDialog(o));
const messageBox = (o: MessageBoxOptions) => (win ? dialog.showMessageBox(win, o) : dialog.showMessageBox(o));

function send<E extends EventName>(event: E, payload: Events[E]): void {
  if (win && !win.isDestroyed()) win.webContents.send(`${CHANNEL_PREFIX}event`, event, payload);
}

async function chooseSnapshotPath(p: Params<'chooseSnapshotPath'>): Promise<string | null> {
  let chosen: string | undefined;
  if (p.mode === 'open') {
    const r = await openDialog(dialogs.snapshotOpenOptions(lastSnapshotDir));
    chosen = r.canceled ? undefined : r.filePaths[0];
  } else {
    const r = await saveDialog(dialogs.snapshotSaveOptions(lastSnapshotDir, p.defaultName));
    chosen = r.canceled || !r.filePath ? undefined : dialogs.withSnapshotExtension(r.filePath, snapshotFormatOfPath(p.defaultName ?? ''));
  }
  if (!chosen) return null;
  lastSnapshotDir = dirname(chosen);
  return chosen;
}

function openCore(dbPath: string): Core {
  return new Core({
    dbPath,
    dataDir,
    backend: 'auto',
    presetsDir: paths.presets,
    spawnWorker: spawnUtility,
    transport: 'ipc',
    watchExternalMs: 1000,
    host: { chooseSnapshotPath },
  });
}

/** Makes `next` the open core. A database named by TICKETSCOPE_DB joins the recent list but is not reopened later. */
function attach(next: Core, dbPath: string, fromEnv = false): void {
  core = next;
  currentDb = dbPath;
  unsubscribe = next.subscribe((event, payload) => send(event, payload));
  persist({ ...(fromEnv ? {} : { lastDatabase: dbPath }), recentDatabases: withRecent(settings.recentDatabases, dbPath) });
  rebuildMenu();
  if (win) win.setTitle(`Ticketscope — ${basename(dbPath)}`);
}

let switching = false;
let merging = false;

/** Closes the open database and opens another; the window reloads to show it. Runs this window started are cancelled. */
async function switchDatabase(dbPath: string): Promise<void> {
  if (!core || switching || merging || dbPath === currentDb) return;
  switching = true;
  try {
    await replaceCore(core, dbPath);
  } catch (err) {
    dialog.showErrorBox('Cannot open database', `${dbPath}: ${oneLine(err)}`);
  } finally {
    switching = false;
  }
}

async function replaceCore(current: Core, dbPath: string): Promise<void> {
  const problem = databaseProblem(dbPath);
  if (problem) return void dialog.showErrorBox('Cannot open database', `${dbPath}: ${problem}`);
  const active = ((await current.call('listRuns', {})) as RunSummary[]).filter((r) => r.status === 'running' || r.status === 'queued');
  if (active.length) {
    const answer = await messageBox({
      type: 'warning',
      buttons: ['Switch database', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: `${active.length} run(s) are queued or training`,
      detail: 'Switching databases cancels the runs this window started; resume them later from the same database.',
    });
    if (answer.response !== 0) return;
  }
  const next = openCore(dbPath); // throws (and changes nothing) when the file cannot be opened or migrated
  const old = current;
  core = null;
  unsubscribe();
  const closed = old.close().catch((err: unknown) => console.error(`ticketscope: closing ${currentDb}: ${oneLine(err)}`));
  await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
  attach(next, dbPath);
  win?.webContents.reload();
}

async function importSnapshotFromMenu(): Promise<void> {
  const path = await chooseSnapshotPath({ mode: 'open' });
  if (!path || !core) return;
  try {
    const r = (await core.call('importSnapshot', { path })) as ImportSnapshotResult;
    send('menu', { action: 'showRun', runId: r.runId });
    const detail = `${basename(path)} is now run ${r.runId}: round ${r.round}, ${(r.density * 100).toFixed(2)}% of weights remaining${r.withWeights ? '' : ', masks only'}.`;
    void messageBox({ type: 'info', message: 'Snapshot imported', detail });
  } catch (err) {
    dialog.showErrorBox('Import failed', oneLine(err));
  }
}

/** File > Merge databases…: shard databases (docs/cluster.md) into the open one, with progress; a conflict changes nothing. */
async function mergeFromMenu(): Promise<void> {
  if (!core || merging) return;
  const r = await openDialog(dialogs.mergeOpenOptions(dirname(currentDb)));
  if (r.canceled || !r.filePaths.length || !core) return;
  merging = true;
  const onProgress = (p: MergeProgress) => {
    win?.setProgressBar(mergeProgressFraction(p));
    send('menu', { action: 'notice', message: mergeProgressText(p) });
  };
  try {
    const result = await core.mergeDatabases(r.filePaths, onProgress);
    send('menu', { action: 'merged', message: mergeSummaryText(result) });
  } catch (err) {
    send('menu', { action: 'notice', message: `Merge failed: ${oneLine(err)}` });
    dialog.showErrorBox('Merge failed', oneLine(err));
  } finally {
    merging = false;
    win?.setProgressBar(-1);
  }
}

function rebuildMenu(): void {
  const template = buildMenuTemplate({
    appName: 'Ticketscope',
    isMac: process.platform === 'darwin',
    isDev,
    recent: existingRecent(settings.recentDatabases),
    currentDb,
    actions: {
      openDatabase: async () => {
        const r = await openDialog(dialogs.databaseOpenOptions(dirname(currentDb)));
        if (!r.canceled && r.filePaths[0]) await switchDatabase(r.filePaths[0]);
      },
      newDatabase: async () => {
        const r = await saveDialog(dialogs.databaseSaveOptions(dirname(currentDb)));
        if (!r.canceled && r.filePath) await switchDatabase(dialogs.withDatabaseExtension(r.filePath));
      },
      openRecent: (p) => void switchDatabase(p),
      clearRecent: () => {
        persist({ recentDatabases: currentDb ? [currentDb] : [] });
        rebuildMenu();
      },
      importSnapshot: () => void importSnapshotFromMenu(),
      mergeDatabases: () => void mergeFromMenu(),
      exportSnapshot: () => {
        win?.focus();
        send('menu', { action: 'exportSnapshot' });
      },
      openDataFolder: () => void shell.openPath(existsSync(dataDir) ? dataDir : userData),
      showDatabaseFile: () => shell.showItemInFolder(currentDb),
      about: () =>
        void messageBox({
          type: 'info',
          title: 'About Ticketscope',
          message: `Ticketscope ${APP_VERSION}`,
          detail: `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}\nDatabase: ${currentDb}\nData sets: ${dataDir}`,
        }),
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Navigation, new windows and webviews are refused for every web contents the app ever creates. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // External https links open in the system browser; nothing opens inside the app.
    if (URL.canParse(url) && new URL(url).protocol === 'https:') void shell.openExternal(url);
    return { action: 'deny' };
  });
}

function createWindow(): BrowserWindow {
  const place = restoreWindow(settings.window, screen.getAllDisplays().map((d) => d.workArea));
  const w = new BrowserWindow({
    ...(place.x !== undefined && place.y !== undefined ? { x: place.x, y: place.y } : {}),
    width: place.width,
    height: place.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: `Ticketscope — ${basename(currentDb)}`,
    show: false,
    ...(process.platform === 'linux' ? { icon: join(app.getAppPath(), 'resources', 'icons', '512x512.png') } : {}),
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: isDev,
      spellcheck: false,
    },
  });
  w.once('ready-to-show', () => {
    if (place.maximized) w.maximize();
    if (place.fullScreen) w.setFullScreen(true);
    w.show();
  });
  w.on('page-title-updated', (e) => e.preventDefault());
  w.on('closed', () => {
    if (win === w) win = null;
  });
  let timer: ReturnType<typeof setTimeout> | null = null;
  const remember = () => persist({ window: captureWindow(w.getNormalBounds(), w.isMaximized(), w.isFullScreen()) });
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(remember, 1000);
  };
  w.on('resize', later);
  w.on('move', later);
  w.on('maximize', later);
  w.on('unmaximize', later);
  w.on('enter-full-screen', later);
  w.on('leave-full-screen', later);
  w.on('close', () => {
    if (timer) clearTimeout(timer);
    remember();
  });
  if (devServerUrl) void w.loadURL(devServerUrl);
  else void w.loadFile(join(paths.renderer, 'index.html'));
  return w;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_e, contents) => lockDown(contents));

  void app.whenReady().then(() => {
    session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
    });
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    session.defaultSession.setPermissionCheckHandler(() => false);

    const env = process.env.TICKETSCOPE_DB;
    const last = settings.lastDatabase && existsSync(settings.lastDatabase) && !databaseProblem(settings.lastDatabase) ? settings.lastDatabase : null;
    // The database named by TICKETSCOPE_DB, else the one last opened, else the default; the default when one fails.
    for (const db of [...new Set([env ?? last ?? defaultDb, defaultDb])]) {
      try {
        attach(openCore(db), db, db === env);
        break;
      } catch (err) {
        const fallback = db !== defaultDb;
        dialog.showErrorBox(fallback ? 'Cannot open database' : 'Ticketscope cannot start', `${db}: ${oneLine(err)}${fallback ? `\nOpening ${defaultDb} instead.` : ''}`);
        if (!fallback) return app.exit(1);
      }
    }
    registerContract(ipcMain, { getCore: () => core, isTrustedUrl });
    win = createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closing = false;
  app.on('before-quit', (e) => {
    // Cancel running jobs and close the database before exiting (a run resumes from its last committed round).
    if (closing || !core) return;
    e.preventDefault();
    closing = true;
    const c = core;
    core = null;
    unsubscribe();
    void Promise.race([c.close(), new Promise((r) => setTimeout(r, 5000))]).finally(() => app.quit());
  });
}
