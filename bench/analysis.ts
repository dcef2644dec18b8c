// The analysis benchmark (`npm run bench:analysis`, after `npm run build`): times the analyses the way the app runs
// them, through the core with its engine workers, on Conv-6 states stored in a temporary database:
// - mask overlap of two Conv-6 masks (an IMP round-1 mask against its random-pruning control's), computed and cached;
// - the class-selectivity scan of every unit of Conv-6 over the 10,000 CIFAR-shaped synthetic test images with 20
//   label permutations (target: under 60 s on 2 cores with wasm), with and without the linear probes.
// Options: --images N (test images, default 10000)   --permutations K (default 20)   --backend NAME (default wasm)
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Core } from '../src/main/core/service';
import { forkWorker } from '../src/main/worker/host';
import type { OverlapResult, SelectivityResult } from '../src/shared/analysis';
import type { BackendChoice } from '../src/shared/contract';

const root = resolve(process.cwd());
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const images = Number(arg('images', '10000'));
const permutations = Number(arg('permutations', '20'));
const backend = arg('backend', 'wasm') as BackendChoice;

const tmp = mkdtempSync(join(tmpdir(), 'ticketscope-bench-analysis-'));
const core = new Core({
  dbPath: join(tmp, 'bench.db'),
  dataDir: join(tmp, 'data'),
  backend,
  presetsDir: join(root, 'resources', 'presets'),
  spawnWorker: forkWorker(join(root, 'out', 'main', 'worker.js')),
  transport: 'ipc',
});
const log = (s: string) => process.stderr.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

try {
  log(`bench:analysis: storing Conv-6 states (2 training iterations; synthetic CIFAR-shaped, ${images} test images) ...`);
  const { runIds } = (await core.call('startRun', {
    config: {
      version: 1,
      name: 'bench-analysis-conv6',
      dataset: 'synthetic-cifar',
      arch: 'conv-6',
      optimizer: { name: 'adam', lr: 0.0003 },
      batchSize: 60,
      iterations: 2,
      evalEvery: 2,
      validation: 100,
      seeds: [0],
      synthetic: { train: 500, test: images },
      method: { kind: 'imp', rounds: 1, rates: { conv: 0.15, fc: 0.2, output: 0.1 }, rewindIteration: 0, controls: ['random-prune'] },
    },
  })) as { runIds: string[] };
  const runs = await Promise.all(runIds.map((id) => core.waitForRun(id)));
  for (const r of runs) if (r.status !== 'done') throw new Error(`run ${r.runId} ${r.status}: ${r.error ?? ''}`);
  const [ticket, control] = runIds as [string, string];

  const lines: string[] = [];
  const t0 = performance.now();
  const ov = (await core.call('analyzeOverlap', { a: `${ticket}:1:mask`, b: `${control}:1:mask` })) as OverlapResult;
  const overlapMs = performance.now() - t0;
  const t1 = performance.now();
  await core.call('analyzeOverlap', { a: `${ticket}:1:mask`, b: `${control}:1:mask` });
  const cachedMs = performance.now() - t1;
  lines.push(
    `mask overlap, two Conv-6 masks (${ov.overall.size.toLocaleString('en')} weights): computation ${ov.meta.computeMs.toFixed(1)} ms, ` +
      `call ${overlapMs.toFixed(1)} ms (loading both masks from the database included); cached call ${cachedMs.toFixed(1)} ms`,
  );

  for (const probe of [false, true]) {
    log(`bench:analysis: selectivity, ${images} images, ${permutations} permutations, probe ${probe ? 'on' : 'off'} ...`);
    const t = performance.now();
    const sel = (await core.call('analyzeSelectivity', { states: [`${ticket}:1:trained`], permutations, probe })) as SelectivityResult;
    const ms = performance.now() - t;
    const units = sel.states[0]!.layers.reduce((a, l) => a + l.units * l.pools.length, 0);
    lines.push(
      `selectivity scan, Conv-6, ${sel.images} images (${sel.positives} of ${sel.class.name}), ${units} unit-poolings, ${sel.permutations} permutations, ` +
        `probe ${probe ? 'on' : 'off'}: ${secs(ms)} wall (${Math.min(availableParallelism(), 4)} workers for the forward passes)`,
    );
  }
  process.stdout.write(`Ticketscope analysis benchmark, backend ${backend}, ${availableParallelism()} cores\n${lines.join('\n')}\n`);
} finally {
  await core.close();
  rmSync(tmp, { recursive: true, force: true });
}
