// Mask-overlap benchmark (`node bench/run-ts.mjs bench/analysis-overlap.ts [--reps 20]`): two independent random
// Conv-6 masks (density 0.2 each, tfjs layer shapes on 32x32x3 inputs, 2,261,184 prunable weights) and the time of
// maskOverlap over them (per-layer and overall statistics plus unit liveness, no weights), median of the repetitions
// after one warm-up run. Also times overlapStats alone over the concatenated masks, and with sign agreement.
import { maskOverlap, overlapStats, type MaskLayer } from '../src/main/engine/analysis/overlap';
import { Rng } from '../src/main/engine/rng';

const SHAPES: [string, 'dense' | 'conv', number[]][] = [
  ['conv1', 'conv', [3, 3, 3, 64]],
  ['conv2', 'conv', [3, 3, 64, 64]],
  ['conv3', 'conv', [3, 3, 64, 128]],
  ['conv4', 'conv', [3, 3, 128, 128]],
  ['conv5', 'conv', [3, 3, 128, 256]],
  ['conv6', 'conv', [3, 3, 256, 256]],
  ['fc1', 'dense', [4096, 256]],
  ['fc2', 'dense', [256, 256]],
  ['fc3', 'dense', [256, 10]],
];

const argReps = process.argv.indexOf('--reps');
const reps = argReps >= 0 ? Number(process.argv[argReps + 1]) : 20;
const rng = new Rng(2024);

function randomLayers(density: number): MaskLayer[] {
  return SHAPES.map(([name, kind, shape]) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const mask = new Uint8Array(n);
    const weight = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      mask[i] = rng.uniform() < density ? 1 : 0;
      weight[i] = rng.range(-1, 1);
    }
    return { name, kind, shape, mask, weight };
  });
}

function median(f: () => void): number {
  f();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((x, y) => x - y);
  return t[t.length >> 1]!;
}

const A = randomLayers(0.2);
const B = randomLayers(0.2);
const size = A.reduce((s, l) => s + l.mask.length, 0);
const concat = (ls: MaskLayer[], key: 'mask' | 'weight') => {
  const out = key === 'mask' ? new Uint8Array(size) : new Float32Array(size);
  let o = 0;
  for (const l of ls) {
    out.set(l[key]!, o);
    o += l.mask.length;
  }
  return out;
};
const [ma, mb] = [concat(A, 'mask') as Uint8Array, concat(B, 'mask') as Uint8Array];
const [wa, wb] = [concat(A, 'weight') as Float32Array, concat(B, 'weight') as Float32Array];

const overall = maskOverlap(A, B, false).overall;
console.log(`Conv-6 masks: ${size} weights, densities ${(overall.keptA / size).toFixed(3)} and ${(overall.keptB / size).toFixed(3)}, Jaccard ${overall.jaccard!.toFixed(4)} (expected ${overall.expectedJaccard!.toFixed(4)})`);
console.log(`maskOverlap (no weights):     median ${median(() => maskOverlap(A, B, false)).toFixed(2)} ms over ${reps} runs`);
console.log(`maskOverlap (sign agreement): median ${median(() => maskOverlap(A, B, true)).toFixed(2)} ms over ${reps} runs`);
console.log(`overlapStats (flat masks):    median ${median(() => overlapStats(ma, mb)).toFixed(2)} ms over ${reps} runs`);
console.log(`overlapStats (with weights):  median ${median(() => overlapStats(ma, mb, wa, wb)).toFixed(2)} ms over ${reps} runs`);
