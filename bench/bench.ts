// Ticketscope's training and inference benchmark (`npm run bench`; bench/run.mjs builds this file and runs it).
// Per network and backend: training throughput at batch 60 (the trainer's own step: masked forward, softmax
// cross-entropy, backward, Adam, re-apply masks; random inputs, fixed labels), achieved GFLOP/s, inference throughput.
//
// FLOPs: 2 per multiply-add. Forward MACs per example are counted layer by layer (conv: h·w·kh·kw·in·out at the
// output resolution; dense: in·out; pooling, ReLU, bias and the loss are not counted). A training step computes, per
// layer, the forward product and the weight gradient (as many MACs each) and the input gradient for every layer but
// the first (its input is data: the trainer skips it, and PyTorch computes no gradient for an input that does not
// require one). So train MACs = 3 · forward MACs − the first layer's, and train GFLOP/s = samples/s · 2 · train MACs
// / 1e9. (Until 2026-12 the bench counted 3 · forward MACs, which also charged fc1's or conv1's input gradient.)
//
// Options (src/main/cli/bench-options.ts, also `ticketscope bench --help`): --nets lenet-300-100,conv-2,conv-4,conv-6
//          --backends wasm,cpu(,webgpu)   --seconds 8   --infer-batch 500
//          --parallel 2 (also measure N independent runs in N worker threads, aggregate samples/s)
//          --profile (per-kernel times of one training step)   --cpu-conv (also conv nets on the plain JS cpu
//          backend: one step each, about a minute)   --no-reference (read by bench/run.mjs). Bad usage exits 2.
// webgpu: read back asynchronously (it cannot read synchronously in Node); on a machine with only a software adapter
// (llvmpipe) it needs TICKETSCOPE_WEBGPU_SOFTWARE=1.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/main/engine/backend';
import { buildNet } from '../src/main/engine/nets/factory';
import type { MaskedNet } from '../src/main/engine/nets/masked';
import { Rng } from '../src/main/engine/rng';
import type { ArchName } from '../src/shared/config';
import type { BackendName } from '../src/shared/contract';
import { ValidationError } from '../src/shared/errors';
import { optionValues, splitOptions } from '../src/main/cli/args';
import { BENCH_DEFAULTS, BENCH_OPTIONS } from '../src/main/cli/bench-options';

export const BATCH = 60;

export interface NetBench {
  net: string;
  backend: string;
  /** Forward multiply-adds per example. */
  macs: number;
  /** Multiply-adds of one training step per example: forward, weight gradients, input gradients but the first layer's. */
  trainMacs: number;
  trainSamplesPerSec: number;
  trainGflops: number;
  trainSteps: number;
  inferSamplesPerSec: number;
  /** N independent runs in N worker threads: summed samples/s (when --parallel). */
  parallel?: { workers: number; trainSamplesPerSec: number };
}

interface Options {
  nets: string[];
  backends: BackendName[];
  seconds: number;
  inferBatch: number;
  parallel: number;
  profile: boolean;
  /** Also time conv nets on the plain JS cpu backend (one step). */
  cpuConv: boolean;
}

export function inputShapeOf(net: string): [number, number, number] {
  return net === 'lenet-300-100' ? [28, 28, 1] : [32, 32, 3];
}

/** Forward multiply-adds per example of each prunable layer (see the header). */
export function layerMacs(net: MaskedNet): number[] {
  let [h, w] = net.inputShape;
  let convIndex = 0;
  return net.layers.map((l) => {
    if (l.kind !== 'conv') return l.size;
    const macs = h * w * l.size;
    convIndex++;
    if (convIndex % 2 === 0) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    return macs;
  });
}

/** Forward multiply-adds per example. */
export const forwardMacs = (net: MaskedNet): number => layerMacs(net).reduce((a, b) => a + b, 0);

/** Multiply-adds of a training step per example: 3 · forward, less the first layer's input gradient (see the header). */
export function trainMacs(net: MaskedNet): number {
  const l = layerMacs(net);
  return 3 * l.reduce((a, b) => a + b, 0) - (l[0] ?? 0);
}

function randomBatch(net: MaskedNet, n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const features = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * features }, () => rng.normal());
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + rng.int(0, 10)] = 1;
  return { x: tf.tensor2d(x, [n, features]), y: tf.tensor2d(y, [n, 10]) };
}

/** One training step as train.ts does it (minus the bookkeeping): Adam on softmax cross-entropy, then the masks. */
function step(net: MaskedNet, opt: tf.Optimizer, x: tf.Tensor2D, y: tf.Tensor2D): void {
  opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.variables());
  net.applyMasks();
}

/** Wait for `t`'s value: dataSync, or `await data()` on webgpu, which cannot read synchronously in Node. */
async function readBack(t: tf.Tensor): Promise<void> {
  if (tf.getBackend() === 'webgpu') await t.data();
  else t.dataSync();
}

/** Runs `f` until `seconds` have passed (at least `minReps`, at most `maxReps` times); returns reps and seconds. */
async function timed(f: () => void | Promise<void>, seconds: number, minReps: number, maxReps: number): Promise<{ reps: number; secs: number }> {
  minReps = Math.min(minReps, maxReps);
  const t0 = performance.now();
  let reps = 0;
  while (reps < maxReps) {
    await f();
    reps++;
    const secs = (performance.now() - t0) / 1000;
    if (reps >= minReps && secs >= seconds) return { reps, secs };
  }
  return { reps, secs: (performance.now() - t0) / 1000 };
}

async function trainThroughput(arch: string, backend: BackendName, seconds: number, maxSteps: number): Promise<{ samplesPerSec: number; steps: number }> {
  await selectBackend(backend);
  const net = buildNet({ arch: arch as ArchName, seed: 0, inputShape: inputShapeOf(arch), numClasses: 10 });
  const opt = tf.train.adam(0.0012, 0.9, 0.999, 1e-8);
  const { x, y } = randomBatch(net, BATCH, 1);
  const sync = (): Promise<void> => readBack(net.layers[0]!.weight);
  // Warm-up (kernel set-up, XNNPACK operators, optimizer slots), except for the slow plain-JS conv runs.
  if (maxSteps > 1) {
    step(net, opt, x, y);
    await sync();
  }
  const { reps, secs } = await timed(
    async () => {
      step(net, opt, x, y);
      await sync();
    },
    seconds,
    2,
    maxSteps,
  );
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
  return { samplesPerSec: (reps * BATCH) / secs, steps: reps };
}

async function benchOne(arch: string, backend: BackendName, o: Options): Promise<NetBench> {
  // The plain JS cpu backend needs seconds per conv step: cap its repetitions.
  const slow = backend === 'cpu' && arch !== 'lenet-300-100';
  const train = await trainThroughput(arch, backend, slow ? 0 : o.seconds, slow ? 1 : 100000);
  const net = buildNet({ arch: arch as ArchName, seed: 0, inputShape: inputShapeOf(arch), numClasses: 10 });
  const macs = forwardMacs(net);
  const stepMacs = trainMacs(net);
  const inferBatch = slow ? Math.min(o.inferBatch, 60) : o.inferBatch;
  const { x } = randomBatch(net, inferBatch, 2);
  const infer = async (): Promise<void> => {
    const logits = tf.tidy(() => net.forward(x));
    await readBack(logits);
    logits.dispose();
  };
  if (!slow) await infer();
  const inf = await timed(infer, slow ? 0 : o.seconds / 2, slow ? 1 : 2, slow ? 1 : 100000);
  x.dispose();
  net.dispose();
  return {
    net: arch,
    backend,
    macs,
    trainMacs: stepMacs,
    trainSamplesPerSec: train.samplesPerSec,
    trainGflops: (train.samplesPerSec * 2 * stepMacs) / 1e9,
    trainSteps: train.steps,
    inferSamplesPerSec: (inf.reps * inferBatch) / inf.secs,
  };
}

/** Kernel time of one training step, summed by kernel name, largest first. */
async function profileStep(arch: string, backend: BackendName): Promise<{ kernel: string; ms: number; calls: number }[]> {
  await selectBackend(backend);
  const net = buildNet({ arch: arch as ArchName, seed: 0, inputShape: inputShapeOf(arch), numClasses: 10 });
  const opt = tf.train.adam(0.0012, 0.9, 0.999, 1e-8);
  const { x, y } = randomBatch(net, BATCH, 1);
  step(net, opt, x, y);
  const info = await tf.profile(() => step(net, opt, x, y));
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byName.set(k.name, e);
  }
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
  return [...byName.entries()].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
}

/** N worker threads, each training its own net on `backend`; summed samples/s. */
async function parallelThroughput(arch: string, backend: BackendName, workers: number, seconds: number): Promise<number> {
  const runs = Array.from({ length: workers }, () => {
    const w = new Worker(new URL(import.meta.url), { workerData: { arch, backend, seconds } });
    return new Promise<number>((resolve, reject) => {
      w.once('message', (m: { samplesPerSec: number }) => resolve(m.samplesPerSec));
      w.once('error', reject);
      w.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`bench worker exited with ${code}`))));
    });
  });
  const rates = await Promise.all(runs);
  return rates.reduce((a, b) => a + b, 0);
}

/** The options (src/main/cli/bench-options.ts, parsed as the CLI parses them); bad usage throws a ValidationError. */
export function parseOptions(argv: readonly string[]): Options {
  const split = splitOptions(argv, BENCH_OPTIONS, 'bench');
  if (split.positional.length) throw new ValidationError(`bench takes no arguments (got ${split.positional[0]})`);
  const v = optionValues(split, BENCH_OPTIONS);
  return {
    nets: ((v.get('nets') as string | undefined) ?? BENCH_DEFAULTS.nets).split(','),
    backends: ((v.get('backends') as string | undefined) ?? BENCH_DEFAULTS.backends).split(',') as BackendName[],
    seconds: (v.get('seconds') as number | undefined) ?? BENCH_DEFAULTS.seconds,
    inferBatch: (v.get('infer-batch') as number | undefined) ?? BENCH_DEFAULTS.inferBatch,
    parallel: (v.get('parallel') as number | undefined) ?? BENCH_DEFAULTS.parallel,
    profile: v.get('profile') === true,
    cpuConv: v.get('cpu-conv') === true,
  };
}

async function main(argv: string[]): Promise<void> {
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(2);
  }
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const results: NetBench[] = [];
  const profiles: Record<string, { kernel: string; ms: number; calls: number }[]> = {};
  for (const arch of o.nets) {
    for (const backend of o.backends) {
      if (backend === 'cpu' && arch !== 'lenet-300-100' && !o.cpuConv) {
        log(`${arch} on cpu: skipped (plain JS: about a minute per training step; --cpu-conv measures one step)`);
        continue;
      }
      try {
        await selectBackend(backend);
      } catch (e) {
        log(`${arch} on ${backend}: skipped (${(e as Error).message})`);
        continue;
      }
      const r = await benchOne(arch, backend, o);
      if (o.parallel > 1 && backend !== 'cpu') {
        r.parallel = { workers: o.parallel, trainSamplesPerSec: await parallelThroughput(arch, backend, o.parallel, o.seconds) };
      }
      results.push(r);
      log(
        `${arch} on ${backend}: train ${r.trainSamplesPerSec.toFixed(1)} samples/s (${r.trainGflops.toFixed(2)} GFLOP/s, ${r.trainSteps} steps), ` +
          `infer ${r.inferSamplesPerSec.toFixed(1)} samples/s` +
          (r.parallel ? `, ${r.parallel.workers} parallel runs ${r.parallel.trainSamplesPerSec.toFixed(1)} samples/s` : ''),
      );
      if (o.profile && backend !== 'cpu') {
        const p = await profileStep(arch, backend);
        profiles[`${arch}/${backend}`] = p;
        const total = p.reduce((a, k) => a + k.ms, 0);
        log(`  kernels of one step (${total.toFixed(0)} ms): ${p.slice(0, 8).map((k) => `${k.kernel} ${k.ms.toFixed(0)} ms x${k.calls}`).join(', ')}`);
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ batch: BATCH, inferBatch: o.inferBatch, options: o, tfjs: tf.version.tfjs, results, profiles })}\n`);
}

if (parentPort && workerData) {
  const { arch, backend, seconds } = workerData as { arch: string; backend: BackendName; seconds: number };
  const r = await trainThroughput(arch, backend, seconds, 100000);
  parentPort.postMessage(r);
} else {
  await main(process.argv.slice(2));
}
