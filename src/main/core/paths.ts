// Where things live. The defaults match Electron's app.getPath('userData') for the product name "Ticketscope", so
// the CLI, serve mode and the desktop app share one database and one data folder.
import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Ticketscope');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Ticketscope');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Ticketscope');
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TICKETSCOPE_DB ?? join(userDataDir(env), 'ticketscope.db');
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TICKETSCOPE_DATA_DIR ?? join(userDataDir(env), 'data');
}

/** The project (or packaged app) root: the nearest folder above this module that holds resources/presets. */
export function appRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'resources', 'presets'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find resources/presets above ${from}`);
    dir = up;
  }
}

export const builtPaths = (root = appRoot()) => ({
  worker: join(root, 'out', 'main', 'worker.js'),
  renderer: join(root, 'out', 'renderer'),
  preload: join(root, 'out', 'preload', 'index.cjs'),
  presets: join(root, 'resources', 'presets'),
});
