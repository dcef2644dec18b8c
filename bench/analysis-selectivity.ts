// Benchmark of the class-selectivity analysis (`node bench/run-ts.mjs bench/analysis-selectivity.ts`): every unit of
// a random-init Conv-6 over 10,000 synthetic CIFAR-shaped test images, 20 label permutations, on the wasm backend.
// Prints the data set build time, the forward pass (features pooled per batch) and the statistics (ranks, AUROCs,
// the permutation null and, unless --no-probe, the logistic probe per layer), split per layer from the progress
// reports. Target: under 60 s in all on a 2-core machine.
//
// Options: --arch conv-6   --images 10000   --permutations 20   --no-probe   --backend wasm
import { selectBackend } from '../src/main/engine/backend';
import { loadDataset } from '../src/main/engine/data/index';
import { buildNet } from '../src/main/engine/nets/factory';
import { captureState } from '../src/main/engine/state';
import { runSelectivity } from '../src/main/engine/analysis/selectivity';
import type { StateInfo } from '../src/shared/analysis';
import type { ArchName } from '../src/shared/config';
import type { BackendName } from '../src/shared/contract';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const arch = arg('arch', 'conv-6') as ArchName;
const images = Number(arg('images', '10000'));
const permutations = Number(arg('permutations', '20'));
const probe = !process.argv.includes('--no-probe');
const backend = arg('backend', 'wasm') as BackendName;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const report = await selectBackend(backend);
  const t0 = performance.now();
  const data = loadDataset({ dataset: 'synthetic-cifar', validation: 1000, synthetic: { train: 2000, test: images } });
  const tData = performance.now() - t0;
  const net = buildNet({ arch, seed: 0, inputShape: data.inputShape, numClasses: data.numClasses });
  const state = await captureState(net);
  net.dispose();
  const info: StateInfo = {
    ref: 'bench:0:init',
    runId: 'bench',
    round: 0,
    which: 'init',
    kind: 'dense',
    seed: 0,
    experimentName: 'bench',
    arch,
    dataset: 'synthetic-cifar',
    density: 1,
    hasWeights: true,
    label: `${arch} init`,
  };
  const cls = { index: 5, name: data.classNames?.[5] ?? '5' };

  const start = performance.now();
  let forwardEnd = 0;
  let lastStat = 0;
  const layerMs: number[] = [];
  const res = await runSelectivity([{ info, state }], {
    data,
    cls,
    progress: (stage, done) => {
      const now = performance.now();
      if (stage.startsWith('statistics')) {
        if (done === 0) {
          forwardEnd = now;
          lastStat = now;
        } else {
          layerMs.push(now - lastStat);
          lastStat = now;
        }
      }
    },
  }, { permutations, threshold: 0.9, split: 'test', probe, seed: 0 });
  const end = performance.now();
  const forwardMs = forwardEnd - start;
  const statsMs = end - forwardEnd;
  const s = res.states[0]!;
  const units = s.layers.reduce((a, l) => a + l.units * l.pools.length, 0);
  process.stdout.write(`backend ${report.name}; ${arch} on ${res.images} images (${res.positives} of class ${cls.name}), ${permutations} permutations, probe ${probe ? 'on' : 'off'}\n`);
  process.stdout.write(`data set build ${seconds(tData)} (not part of the analysis)\n`);
  process.stdout.write(`forward ${seconds(forwardMs)} (${((res.images / forwardMs) * 1000).toFixed(0)} images/s)\n`);
  process.stdout.write(`statistics ${seconds(statsMs)} for ${units} unit-poolings\n`);
  s.layers.forEach((l, i) => {
    const best = l.pools.map((p) => `${p.pooling} best ${p.best.auroc.toFixed(3)} p ${p.pValue.toFixed(3)}`).join(', ');
    const pr = l.probe ? `, probe auroc ${l.probe.auroc.toFixed(3)}` : '';
    process.stdout.write(`  ${l.layer.padEnd(6)} ${String(l.units).padStart(4)} units ${seconds(layerMs[i] ?? 0).padStart(8)}  ${best}${pr}\n`);
  });
  process.stdout.write(`total ${seconds(forwardMs + statsMs)} (accuracy ${s.accuracy.toFixed(3)})\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
