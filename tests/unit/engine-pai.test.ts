// Pruning at initialisation: top-k selection, and each criterion's scores against known answers on tiny nets.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/shared/config';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { createConvNet } from '../../src/main/engine/nets/conv';
import { createLenet300100 } from '../../src/main/engine/nets/lenet';
import { MaskedDense, netHelpers, stagedForward, type MaskedNet } from '../../src/main/engine/nets/masked';
import { graspScores, hessianGradientProduct, magnitudeScores, pruneAtInitMasks, snipScores, synflowMasks, synflowScores } from '../../src/main/engine/pai';
import { Rng } from '../../src/main/engine/rng';
import { keepTop, keepTopPooled, selectInPlace } from '../../src/main/engine/select';

/** A net of dense layers with the given weights ([in][out] row-major, tfjs layout), optional ReLU between. */
function tinyNet(weights: number[][][], relu: boolean): MaskedNet<MaskedDense> {
  const rng = new Rng(1);
  const layers = weights.map((w, i) => {
    const l = new MaskedDense(`fc${i + 1}`, w.length, w[0]!.length, 'glorot-normal', rng);
    tf.tidy(() => l.weight.assign(tf.tensor2d(w)));
    return l;
  });
  return {
    arch: 'tiny',
    inputShape: [1, 1, weights[0]!.length],
    layers,
    ...stagedForward(
      layers.map((l, i) => (h: tf.Tensor) => {
        const z = l.apply(h as tf.Tensor2D, i > 0);
        return relu && i < layers.length - 1 ? tf.relu(z) : z;
      }),
    ),
    ...netHelpers(layers),
  };
}

function randomMatrix(rows: number, cols: number, rng: Rng, scale = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal(0, scale)));
}

function oneHot(labels: number[], classes: number): number[][] {
  return labels.map((c) => Array.from({ length: classes }, (_, j) => (j === c ? 1 : 0)));
}

/** Softmax regression (one layer, zero bias): gradient and Hessian-vector product of the mean CE at temperature T, in float64. */
function softmaxRegression(W: number[][], X: number[][], Y: number[][], T: number) {
  const n = X.length;
  const inD = W.length;
  const outD = W[0]!.length;
  const probs = X.map((x) => {
    const z = Array.from({ length: outD }, (_, c) => x.reduce((a, xi, i) => a + xi * W[i]![c]!, 0) / T);
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
  const g = Array.from({ length: inD }, (_, i) => Array.from({ length: outD }, (_, c) => X.reduce((a, x, k) => a + (x[i]! * (probs[k]![c]! - Y[k]![c]!)) / T, 0) / n));
  const hv = (V: number[][]) =>
    Array.from({ length: inD }, (_, i) =>
      Array.from({ length: outD }, (_, c) =>
        X.reduce((acc, x, k) => {
          const p = probs[k]!;
          const a = Array.from({ length: outD }, (_, d) => x.reduce((s, xj, j) => s + xj * V[j]![d]!, 0) / T);
          const pa = p.reduce((s, pd, d) => s + pd * a[d]!, 0);
          return acc + ((x[i]! / T) * (p[c]! * a[c]! - p[c]! * pa));
        }, 0) / n,
      ),
    );
  return { g, hg: hv(g) };
}

/** Mean CE at temperature T of x → relu(x·W1)·W2 (zero biases) and its exact gradient [dW1, dW2], in float64. */
function twoLayerGradient(W1: number[][], W2: number[][], X: number[][], Y: number[][], T: number) {
  const n = X.length;
  const [inD, hD, outD] = [W1.length, W2.length, W2[0]!.length];
  const z1 = X.map((x) => Array.from({ length: hD }, (_, j) => x.reduce((a, xi, i) => a + xi * W1[i]![j]!, 0)));
  const a1 = z1.map((r) => r.map((v) => Math.max(v, 0)));
  const dz2 = a1.map((a, k) => {
    const z = Array.from({ length: outD }, (_, c) => a.reduce((s, aj, j) => s + aj * W2[j]![c]!, 0) / T);
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const sum = e.reduce((x, y) => x + y, 0);
    return e.map((v, c) => (v / sum - Y[k]![c]!) / (n * T));
  });
  const g2 = Array.from({ length: hD }, (_, j) => Array.from({ length: outD }, (_, c) => a1.reduce((s, a, k) => s + a[j]! * dz2[k]![c]!, 0)));
  const dz1 = z1.map((z, k) => z.map((v, j) => (v > 0 ? dz2[k]!.reduce((s, d, c) => s + d * W2[j]![c]!, 0) : 0)));
  const g1 = Array.from({ length: inD }, (_, i) => Array.from({ length: hD }, (_, j) => X.reduce((s, x, k) => s + x[i]! * dz1[k]![j]!, 0)));
  return { g: [...g1.flat(), ...g2.flat()], z1 };
}

const flat = (m: number[][]) => m.flat();
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const bitDiffs = (a: Float32Array, b: Float32Array) => a.filter((v, j) => !Object.is(v, b[j])).length;

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('top-k selection', () => {
  it('quickselect agrees with sorting, duplicates included', () => {
    const rng = new Rng(3);
    for (const n of [1, 2, 7, 100, 1001]) {
      const v = Float64Array.from({ length: n }, () => Math.floor(rng.uniform() * 20));
      const sorted = Float64Array.from(v).sort();
      for (const k of [0, n >> 1, n - 1]) expect(selectInPlace(Float64Array.from(v), k)).toBe(sorted[k]);
    }
  });

  it('keeps exactly k, ties at the threshold in order of array then position, never a non-candidate', () => {
    const masks = keepTopPooled([Float32Array.of(1, 3, 2), Float32Array.of(2, 2, 5)], 3);
    expect(masks.map((m) => Array.from(m))).toEqual([[0, 1, 1], [0, 0, 1]]);
    const ties = keepTopPooled([Float32Array.of(1, 1, 1), Float32Array.of(1, 1)], 4);
    expect(ties.map((m) => Array.from(m))).toEqual([[1, 1, 1], [1, 0]]);
    const cand = keepTopPooled([Float32Array.of(9, 8, 7)], 2, [Uint8Array.of(0, 1, 1)]);
    expect(Array.from(cand[0]!)).toEqual([0, 1, 1]);
    expect(Array.from(keepTopPooled([Float32Array.of(NaN, 0)], 1)[0]!)).toEqual([0, 1]);
  });

  it('density counts all weights: global keeps round(d·N), layerwise round(d·n) per layer', () => {
    const rng = new Rng(4);
    const scores = [Float32Array.from({ length: 100 }, () => rng.uniform()), Float32Array.from({ length: 10 }, () => rng.uniform() * 10)];
    const kept = (ms: Uint8Array[]) => ms.map((m) => m.reduce((a, b) => a + b, 0));
    const g = kept(keepTop(scores, 0.2, 'global'));
    expect(g[0]! + g[1]!).toBe(22);
    expect(g[1]).toBe(10); // the second layer's scores are all larger
    expect(kept(keepTop(scores, 0.2, 'layerwise'))).toEqual([20, 2]);
  });
});

describe('scores on tiny nets with known answers', () => {
  const nets: MaskedNet[] = [];
  afterAll(() => nets.forEach((n) => n.dispose()));

  it('SNIP keeps the weights that dominate the loss gradient; magnitude keeps the largest weights', async () => {
    // Input feature 0 is large, feature 2 tiny; the weights out of feature 2 are the largest.
    const W = [[0.1, -0.1], [0.5, 0.4], [5, -4]];
    const net = tinyNet([W], false);
    nets.push(net);
    const X = [[10, 0.3, 0.01], [-8, 0.2, -0.02], [12, -0.1, 0.01], [-9, 0.1, 0.02]];
    const Y = oneHot([0, 1, 0, 1], 2);
    const batch = { x: tf.tensor2d(X), y: tf.tensor2d(Y) };
    const snip = await snipScores(net, [batch]);
    const { g } = softmaxRegression(W, X, Y, 1);
    const expected = flat(W).map((w, i) => Math.abs(w * flat(g)[i]!));
    expect(maxAbsDiff(snip[0]!, expected)).toBeLessThan(1e-5 * maxAbs(expected));
    expect(Array.from(keepTop(snip, 2 / 6, 'global')[0]!)).toEqual([1, 1, 0, 0, 0, 0]);
    expect(Array.from(keepTop(await magnitudeScores(net), 2 / 6, 'global')[0]!)).toEqual([0, 0, 0, 0, 1, 1]);
    batch.x.dispose();
    batch.y.dispose();
  });

  it('GraSP: H g matches the exact Hessian-gradient product of softmax regression; S = -w ⊙ Hg', async () => {
    const rng = new Rng(5);
    const W = randomMatrix(6, 4, rng, 0.5);
    const net = tinyNet([W], false);
    nets.push(net);
    const X = randomMatrix(16, 6, rng);
    const Y = oneHot(Array.from({ length: 16 }, (_, i) => i % 4), 4);
    const batch = { x: tf.tensor2d(X), y: tf.tensor2d(Y) };
    const before = Float32Array.from(net.layers[0]!.weight.dataSync());
    for (const T of [1, 200]) {
      const exact = softmaxRegression(W, X, Y, T);
      const { g, hg } = await hessianGradientProduct(net, [batch], T);
      expect(maxAbsDiff(g[0]!, flat(exact.g))).toBeLessThan(1e-5 * maxAbs(flat(exact.g)));
      // Exact (double backpropagation), so float32 rounding only.
      expect(maxAbsDiff(hg[0]!, flat(exact.hg))).toBeLessThan(1e-5 * maxAbs(flat(exact.hg)));
      const s = (await graspScores(net, [batch], T))[0]!;
      const expectedS = flat(W).map((w, i) => -w * flat(exact.hg)[i]!);
      expect(maxAbsDiff(s, expectedS)).toBeLessThan(1e-5 * maxAbs(expectedS));
    }
    expect(net.layers[0]!.weight.dataSync()).toEqual(before);
    batch.x.dispose();
    batch.y.dispose();
  });

  it('GraSP: H g of a two-layer ReLU net matches the brute-force Hessian (differences of exact float64 gradients)', async () => {
    const rng = new Rng(8);
    const W1 = randomMatrix(5, 4, rng, 0.7);
    const W2 = randomMatrix(4, 3, rng, 0.7);
    const X = randomMatrix(6, 5, rng);
    const Y = oneHot([0, 1, 2, 0, 1, 2], 3);
    const theta = [...flat(W1), ...flat(W2)];
    const unflat = (t: number[]) => [
      Array.from({ length: 5 }, (_, i) => t.slice(i * 4, i * 4 + 4)),
      Array.from({ length: 4 }, (_, j) => t.slice(20 + j * 3, 20 + j * 3 + 3)),
    ] as const;
    for (const T of [1, 200]) {
      const { g, z1 } = twoLayerGradient(W1, W2, X, Y, T);
      // H column by column, central differences of the exact gradient with step h: exact up to O(h²) while no
      // pre-activation changes sign. A step h in one weight of W1 moves a pre-activation by at most h·max|x|, less
      // than the smallest |pre-activation| here (checked); W2 does not move them.
      const h = 1e-6;
      expect(h * maxAbs(X.flat())).toBeLessThan(Math.min(...z1.flat().map(Math.abs)));
      const H = theta.map((_, i) => {
        const at = (d: number) => {
          const t = [...theta];
          t[i]! += d;
          const [a, b] = unflat(t);
          return twoLayerGradient(a, b, X, Y, T).g;
        };
        const [plus, minus] = [at(h), at(-h)];
        return plus.map((p, j) => (p - minus[j]!) / (2 * h));
      });
      // H is symmetric (a check on the brute force), and it is not block-diagonal: the cross terms matter.
      H.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - H[j]![i]!)).toBeLessThan(1e-6 * maxAbs(H.flat()))));
      const Hg = theta.map((_, j) => H.reduce((s, col, i) => s + col[j]! * g[i]!, 0));
      const net = tinyNet([W1, W2], true);
      nets.push(net);
      const batch = { x: tf.tensor2d(X), y: tf.tensor2d(Y) };
      const r = await hessianGradientProduct(net, [batch], T);
      const ours = [...r.hg[0]!, ...r.hg[1]!];
      const err = Math.sqrt(ours.reduce((s, v, j) => s + (v - Hg[j]!) ** 2, 0) / Hg.reduce((s, v) => s + v * v, 0));
      expect(err).toBeLessThan(1e-5);
      console.log(`two-layer ReLU net, T = ${T}: Hg relative error ${err.toExponential(2)}`);
      // Without the second layer's dependence on W1 (block-diagonal H) the product would be far off.
      const blockOnly = theta.map((_, j) => H.reduce((s, col, i) => s + ((i < 20) === (j < 20) ? col[j]! * g[i]! : 0), 0));
      const blockErr = Math.sqrt(blockOnly.reduce((s, v, j) => s + (v - Hg[j]!) ** 2, 0) / Hg.reduce((s, v) => s + v * v, 0));
      expect(blockErr).toBeGreaterThan(0.05);
      console.log(`  (block-diagonal H would be off by ${blockErr.toFixed(3)})`);
      batch.x.dispose();
      batch.y.dispose();
    }
  });

  it('SynFlow: |w ⊙ dR/dw| matches the brute-force path sums, and each layer conserves R', async () => {
    const rng = new Rng(6);
    const W1 = randomMatrix(4, 3, rng);
    const W2 = randomMatrix(3, 2, rng);
    const net = tinyNet([W1, W2], true);
    nets.push(net);
    const saved = net.layers.map((l) => Float32Array.from(l.weight.dataSync()));
    for (const l of net.layers) tf.tidy(() => l.weight.assign(tf.abs(l.weight)));
    const [s1, s2] = (await synflowScores(net)) as [Float32Array, Float32Array];
    // R = Σ_i Σ_j Σ_k |W1_ij| |W2_jk| on an all-ones input.
    const abs = (m: number[][]) => m.map((r) => r.map(Math.abs));
    const A1 = abs(W1);
    const A2 = abs(W2);
    const out2 = A2.map((r) => r.reduce((a, b) => a + b, 0)); // Σ_k |W2_jk|
    const in1 = [0, 1, 2].map((j) => A1.reduce((a, r) => a + r[j]!, 0)); // Σ_i |W1_ij|
    const e1 = A1.flatMap((r) => r.map((w, j) => w * out2[j]!));
    const e2 = A2.flatMap((r, j) => r.map((w) => w * in1[j]!));
    const R = e1.reduce((a, b) => a + b, 0);
    expect(maxAbsDiff(s1, e1)).toBeLessThan(1e-5 * R);
    expect(maxAbsDiff(s2, e2)).toBeLessThan(1e-5 * R);
    expect(s1.reduce((a, b) => a + b, 0)).toBeCloseTo(R, 4);
    expect(s2.reduce((a, b) => a + b, 0)).toBeCloseTo(R, 4);
    net.layers.forEach((l, i) => tf.tidy(() => l.weight.assign(tf.tensor(saved[i]!, l.weight.shape))));

    // Iterative pruning reaches the density and restores weights, biases and masks exactly.
    const masks = await synflowMasks(net, 0.5, 5, 'global');
    expect(masks.reduce((a, m) => a + m.reduce((x, y) => x + y, 0), 0)).toBe(9);
    net.layers.forEach((l, i) => {
      expect(l.weight.dataSync()).toEqual(saved[i]);
      expect(l.counts().kept).toBe(l.size);
    });
  });
});

describe('pruning LeNet-300-100 at init on the synthetic set', () => {
  const config = parseExperimentConfig({
    version: 1,
    name: 'pai-unit',
    dataset: 'synthetic-mnist',
    arch: 'lenet-300-100',
    optimizer: { name: 'adam', lr: 0.0012 },
    batchSize: 60,
    iterations: 10,
    evalEvery: 10,
    validation: 300,
    seeds: [0],
    method: { kind: 'dense' },
    synthetic: { train: 1500, test: 300 },
  });
  const data = loadDataset(config);
  const kept = (ms: Uint8Array[]) => ms.map((m) => m.reduce((a, b) => a + b, 0));

  it('every criterion reaches the density (global and layerwise), leaves the net untouched and is reproducible', async () => {
    const net = createLenet300100(0);
    const before = net.layers.map((l) => Float32Array.from(l.weight.dataSync()));
    const tensors = tf.memory().numTensors;
    const results: Record<string, Uint8Array[]> = {};
    try {
      for (const criterion of ['magnitude', 'snip', 'grasp', 'synflow', 'random'] as const) {
        const spec = { criterion, density: 0.05, ranking: 'global' as const, ...(criterion === 'synflow' ? { iterations: 20 } : {}) };
        const masks = await pruneAtInitMasks(net, data, config, 0, spec);
        expect(kept(masks).reduce((a, b) => a + b, 0), criterion).toBe(Math.round(0.05 * 266200));
        expect(await pruneAtInitMasks(net, data, config, 0, spec), criterion).toEqual(masks);
        const layerwise = await pruneAtInitMasks(net, data, config, 0, { ...spec, ranking: 'layerwise' });
        expect(kept(layerwise), criterion).toEqual([11760, 1500, 50]);
        results[criterion] = masks;
      }
      expect(tf.memory().numTensors).toBe(tensors);
      net.layers.forEach((l, i) => expect(bitDiffs(l.weight.dataSync() as Float32Array, before[i]!)).toBe(0));
      expect(results.snip).not.toEqual(results.magnitude);
      expect(results.grasp).not.toEqual(results.snip);
      // Global SynFlow avoids layer collapse: every layer keeps some weights even at 5%.
      expect(kept(results.synflow!).every((k) => k > 0)).toBe(true);
    } finally {
      net.dispose();
    }
  });
});

describe('pruning a conv net at init', () => {
  it('every criterion scores conv and fc layers alike and reaches the density', async () => {
    const config = parseExperimentConfig({
      version: 1,
      name: 'pai-conv',
      dataset: 'synthetic-mnist',
      arch: 'conv-2',
      optimizer: { name: 'adam', lr: 0.0003 },
      batchSize: 8,
      iterations: 10,
      evalEvery: 10,
      validation: 50,
      seeds: [0],
      method: { kind: 'dense' },
      synthetic: { train: 200, test: 50 },
    });
    const data = loadDataset(config);
    const net = createConvNet('conv-2', 0, 'glorot-normal', data.inputShape, data.numClasses);
    const sizes = net.layers.map((l) => l.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const before = net.layers.map((l) => Float32Array.from(l.weight.dataSync()));
    try {
      for (const criterion of ['magnitude', 'snip', 'grasp', 'synflow', 'random'] as const) {
        const spec = { criterion, density: 0.1, ranking: 'global' as const, ...(criterion === 'synflow' ? { iterations: 3 } : {}) };
        const masks = await pruneAtInitMasks(net, data, config, 0, spec);
        const k = masks.map((m) => m.reduce((a, b) => a + b, 0));
        expect(k.reduce((a, b) => a + b, 0), criterion).toBe(Math.round(0.1 * total));
        // The conv layers are ranked with the rest: they keep some weights.
        expect(k[0]! + k[1]!, criterion).toBeGreaterThan(0);
      }
      net.layers.forEach((l, i) => expect(bitDiffs(l.weight.dataSync() as Float32Array, before[i]!)).toBe(0));
    } finally {
      net.dispose();
    }
  });
});
