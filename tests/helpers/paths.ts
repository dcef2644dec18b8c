// Where things are in the repository, for every test.
import { join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(__dirname, '..', '..');
export const PRESETS_DIR = join(ROOT, 'resources', 'presets');
export const BIN = join(ROOT, 'bin', 'ticketscope.mjs');
export const BUILT = {
  cli: join(ROOT, 'out', 'main', 'cli.js'),
  worker: join(ROOT, 'out', 'main', 'worker.js'),
  renderer: join(ROOT, 'out', 'renderer'),
} as const;
