// Checks made before a run is stored: the data set it trains on is installed, and an explicitly requested backend's
// packages are installed. A run that cannot start is refused with one line that says how to fix it (a
// ValidationError: the CLI exits 2), and nothing is written to the database.
// preflightBackend also asks the engine about a requested webgpu backend, whose package may be installed with no
// usable adapter (only a software one). (A native backend whose packages are installed can still fail to initialise,
// e.g. CUDA without a driver: that is found only when the engine starts it, and the run then fails like any runtime
// failure.)
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ExperimentConfig } from '../../shared/config';
import type { BackendChoice } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import { datasetStatus, notFoundMessage } from '../engine/data/folder';
import { isRealDataset } from '../engine/data/registry';

/** The npm packages each backend loads (engine/backend.ts), and what to say about installing them. */
const BACKEND_PACKAGES: Record<Exclude<BackendChoice, 'auto'>, { packages: string[]; note?: string }> = {
  cuda: { packages: ['@tensorflow/tfjs-node-gpu'], note: 'needs an NVIDIA GPU with CUDA' },
  webgpu: { packages: ['webgpu', '@tensorflow/tfjs-backend-webgpu'] },
  node: { packages: ['@tensorflow/tfjs-node'] },
  wasm: { packages: ['@tensorflow/tfjs-backend-wasm'] },
  cpu: { packages: [] },
};

/** Whether an npm package is installed where this module would load it from (found without loading it). */
export function packageInstalled(pkg: string): boolean {
  const req = createRequire(import.meta.url);
  const dirs = req.resolve.paths(pkg) ?? [];
  return dirs.some((d) => existsSync(join(d, pkg, 'package.json')));
}

/** Throws a one-line ValidationError when `backend` names a backend whose packages are not installed. */
export function checkBackend(backend: BackendChoice, installed: (pkg: string) => boolean = packageInstalled): void {
  if (backend === 'auto') return;
  const { packages, note } = BACKEND_PACKAGES[backend];
  const missing = packages.filter((p) => !installed(p));
  if (!missing.length) return;
  throw new ValidationError(
    `backend ${backend} is not available: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed; ` +
      `run \`npm install ${missing.join(' ')}\`${note ? ` (${note})` : ''}, or choose --backend auto`,
  );
}

/** Throws a one-line ValidationError when the config's data set is a real one that is not (or not wholly) installed. */
export function checkDataset(config: Pick<ExperimentConfig, 'dataset'>, dataDir: string): void {
  if (!isRealDataset(config.dataset)) return;
  const s = datasetStatus(dataDir, config.dataset);
  if (s.present) return;
  if (s.problem) {
    throw new ValidationError(
      `data set ${config.dataset} in ${dataDir} is damaged (${s.problem}); run \`ticketscope data fetch ${config.dataset}\` or \`ticketscope data import ${config.dataset} PATH\` again`,
    );
  }
  throw new ValidationError(notFoundMessage(config.dataset, dataDir));
}

/** Everything a run needs before it may be stored. */
export function preflight(config: Pick<ExperimentConfig, 'dataset'>, backend: BackendChoice, dataDir: string): void {
  checkBackend(backend);
  checkDataset(config, dataDir);
}

/**
 * What preflight cannot see without asking the engine: a requested webgpu backend needs an adapter the engine would
 * use (its adapter probe runs in a child process; a software adapter is refused as selectBackend refuses it). The
 * engine (and tfjs) is loaded only then, so other commands do not pay for it.
 */
export async function preflightBackend(backend: BackendChoice): Promise<void> {
  if (backend !== 'webgpu') return;
  const { probeWebgpu, webgpuRefusal } = await import('../engine/backend');
  let problem: string | null;
  try {
    problem = webgpuRefusal(await probeWebgpu(), true);
  } catch (e) {
    problem = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
  }
  if (problem) throw new ValidationError(`backend ${backend} is not available: ${problem}`);
}
