// Electron entry: one hardened window, the contract over IPC, the engine in a utilityProcess. Everything else lives
// in the transport-agnostic core (src/main/core), which the CLI and serve mode share.
import { app, BrowserWindow, ipcMain, shell, utilityProcess, session } from 'electron';
import { join } from 'node:path';
import { Core } from './core/service';
import { builtPaths, defaultDataDir } from './core/paths';
import { CHANNEL_PREFIX, EVENT_NAMES, METHOD_NAMES } from '../shared/contract';
import { oneLine, wireCode } from '../shared/errors';
import { CSP } from './server/serve';
import type { SpawnWorker } from './worker/host';
import type { WorkerToHost } from './worker/protocol';

const paths = builtPaths(app.getAppPath());

const spawnUtility: SpawnWorker = () => {
  const child = utilityProcess.fork(paths.worker, [], { serviceName: 'Ticketscope engine', stdio: 'inherit' });
  return {
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => child.on('message', (m: WorkerToHost) => cb(m)),
    onExit: (cb) => child.on('exit', (code) => cb(code)),
    kill: () => void child.kill(),
  };
};

let core: Core | null = null;
let win: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    title: 'Ticketscope',
    show: false,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  w.once('ready-to-show', () => w.show());
  // No navigation away from the app and no new windows; external links open in the system browser.
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void w.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void w.loadFile(join(paths.renderer, 'index.html'));
  return w;
}

function isOwnFrame(url: string | undefined): boolean {
  if (!url) return false;
  if (process.env.ELECTRON_RENDERER_URL) return url.startsWith(process.env.ELECTRON_RENDERER_URL);
  return url.startsWith('file://');
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

  void app.whenReady().then(() => {
    session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
    });
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    core = new Core({
      dbPath: join(app.getPath('userData'), 'ticketscope.db'),
      dataDir: process.env.TICKETSCOPE_DATA_DIR ?? defaultDataDir(),
      backend: 'auto',
      presetsDir: paths.presets,
      spawnWorker: spawnUtility,
      transport: 'ipc',
      watchExternalMs: 1000,
    });
    for (const method of METHOD_NAMES) {
      ipcMain.handle(`${CHANNEL_PREFIX}${method}`, async (e, params: unknown) => {
        if (!isOwnFrame(e.senderFrame?.url)) return { error: { code: 'invalid', message: 'unexpected sender' } };
        try {
          return { result: await core!.call(method, params) };
        } catch (err) {
          return { error: { code: wireCode(err), message: oneLine(err) } };
        }
      });
    }
    core.subscribe((event, payload) => {
      if (EVENT_NAMES.includes(event)) win?.webContents.send(`${CHANNEL_PREFIX}event`, event, payload);
    });
    win = createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => {
    void core?.close();
  });
}
