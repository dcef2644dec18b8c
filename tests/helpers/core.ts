// A Core over a temp database with the real engine worker (the built out/main/worker.js), as the app and CLI run it.
import { join } from 'node:path';
import { Core, type CoreOptions } from '../../src/main/core/service';
import { forkWorker } from '../../src/main/worker/host';
import type { RunSummary } from '../../src/shared/contract';
import { ROOT } from './cli';

export function testCore(dir: string, opts: Partial<CoreOptions> = {}): Core {
  return new Core({
    dbPath: join(dir, 'core.db'),
    dataDir: join(dir, 'data'),
    backend: 'wasm',
    presetsDir: join(ROOT, 'resources', 'presets'),
    spawnWorker: forkWorker(join(ROOT, 'out', 'main', 'worker.js')),
    transport: 'ipc',
    ...opts,
  });
}

/** Starts an experiment from a raw config and waits until every run of it has ended. */
export async function runAll(core: Core, config: unknown): Promise<RunSummary[]> {
  const { runIds } = (await core.call('startRun', { config })) as { runIds: string[] };
  return Promise.all(runIds.map((id) => core.waitForRun(id)));
}
