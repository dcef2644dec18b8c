import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateInfo } from '../../src/shared/analysis';
import type { NetState } from '../../src/shared/tensors';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import type { Dataset } from '../../src/main/engine/data/index';
import { netFromState } from '../../src/main/engine/analysis/net';
import { attributeNet, runSubcircuit } from '../../src/main/engine/analysis/subcircuit';
import type { AnalysisContext, LoadedState } from '../../src/main/engine/analysis/types';
import { buildNet } from '../../src/main/engine/nets/factory';
import { MaskedDense, netHelpers, stagedForward } from '../../src/main/engine/nets/masked';
import type { MaskedNet } from '../../src/main/engine/nets/masked';
import { Rng } from '../../src/main/engine/rng';
import { captureState } from '../../src/main/engine/state';

const SYN = { validation: 100, synthetic: { train: 400, test: 300 } } as const;

function info(label: string, arch: string): StateInfo {
  return {
    ref: `${label}:0:trained`,
    runId: label,
    round: 0,
    which: 'trained',
    kind: 'imp',
    seed: 0,
    experimentName: 'test',
    arch,
    dataset: 'synthetic',
    density: 1,
    hasWeights: true,
    label,
  } as StateInfo;
}

function ctxOf(data: Dataset, cls: number): AnalysisContext {
  return { data, cls: { index: cls, name: data.classNames?.[cls] ?? String(cls) }, progress: () => {} };
}

/** Prune a pseudo-random `fraction` of every layer (zeroing the weights), sparing the positions `keep` says. */
function prune(state: NetState, fraction: number, seed: number, keep: (layer: number, i: number) => boolean = () => false): void {
  const rng = new Rng(seed);
  state.layers.forEach((l, li) => {
    for (let i = 0; i < l.mask.length; i++) {
      if (rng.uniform() < fraction && !keep(li, i)) {
        l.mask[i] = 0;
        l.weight[i] = 0;
      }
    }
  });
}

/**
 * LeNet-300-100 where class `cls` is carried by one path: pixels in rows [r0, r1) → fc1 unit `h1` (bias 5, so always
 * active) → fc2 unit `h2` → logit `cls`; every other weight is small and random, and no other unit reaches the logit.
 */
async function pathLenet(data: Dataset, cls: number, h1: number, h2: number, r0: number, r1: number, seed: number): Promise<LoadedState> {
  const net = buildNet({ arch: 'lenet-300-100', seed, inputShape: data.inputShape, numClasses: data.numClasses });
  const state = await captureState(net);
  net.dispose();
  const [f1, f2, f3] = state.layers as [NetState['layers'][number], NetState['layers'][number], NetState['layers'][number]];
  for (const l of state.layers) for (let i = 0; i < l.weight.length; i++) l.weight[i]! *= 0.1;
  for (let p = 0; p < 784; p++) f1.weight[p * 300 + h1] = Math.floor(p / 28) >= r0 && Math.floor(p / 28) < r1 ? 0.1 : 0;
  f1.bias[h1] = 5;
  for (let j = 0; j < 300; j++) f2.weight[j * 100 + h2] = j === h1 ? 1 : 0;
  for (let j = 0; j < 100; j++) f3.weight[j * 10 + cls] = j === h2 ? 1 : 0;
  for (const l of state.layers) for (let i = 0; i < l.mask.length; i++) if (l.weight[i] === 0) l.mask[i] = 0;
  // Prune a third of everything else (the path's own weights are spared).
  prune(state, 1 / 3, seed + 1, (li, i) => (li === 0 && i % 300 === h1) || (li === 1 && i === h1 * 100 + h2) || (li === 2 && i === h2 * 10 + cls));
  return { info: info(`path-${h1}`, 'lenet-300-100'), state };
}

describe('subcircuits', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await selectBackend('wasm');
  });

  it('is complete for a linear net with zero biases: every layer sums to the mean class logit', async () => {
    const rng = new Rng(7);
    const sizes = [20, 8, 4];
    const layers = sizes.slice(1).map((out, i) => new MaskedDense(`fc${i + 1}`, sizes[i]!, out, 'glorot-normal', rng));
    await layers[0]!.setMask(Float32Array.from({ length: 20 * 8 }, () => (rng.uniform() < 0.6 ? 1 : 0)));
    const net: MaskedNet = {
      arch: 'linear-2',
      inputShape: [1, 1, 20],
      layers,
      ...stagedForward(layers.map((l, i) => (h: tf.Tensor) => l.apply(h as tf.Tensor2D, i > 0))),
      ...netHelpers(layers),
    };
    const n = 10;
    const x = Float32Array.from({ length: n * 20 }, () => rng.normal());
    const cls = 2;
    const att = await attributeNet(net, x, n, cls);
    const logits = tf.tidy(() => net.forward(tf.tensor2d(x, [n, 20])).arraySync() as number[][]);
    net.dispose();
    const meanLogit = logits.reduce((a, r) => a + r[cls]!, 0) / n;
    expect(att.logit).toBeCloseTo(meanLogit, 5);
    expect(att.layers.map((l) => l.name)).toEqual(['input', 'fc1', 'fc2']);
    expect(att.layers.map((l) => l.size)).toEqual([20, 8, 4]);
    const out = att.layers[2]!.units;
    expect(out[cls]).toBeCloseTo(meanLogit, 5);
    for (let j = 0; j < 4; j++) if (j !== cls) expect(out[j]).toBe(0);
    for (const l of att.layers) expect(l.units.reduce((a, b) => a + b, 0)).toBeCloseTo(meanLogit, 4);
    // Edges sum to their targets' attributions (zero biases), and pruned weights carry nothing.
    const e0 = att.edges[0]!;
    for (let j = 0; j < 8; j++) {
      let s = 0;
      for (let i = 0; i < 20; i++) s += e0.attribution[i * 8 + j]!;
      expect(s).toBeCloseTo(att.layers[1]!.units[j]!, 5);
    }
  });

  it('finds the hand-set path of a lenet, never shows pruned connections, and keeps to the edge budget', async () => {
    const data = loadDataset({ dataset: 'synthetic-mnist', ...SYN });
    const cls = 4;
    const st = await pathLenet(data, cls, 7, 13, 0, 14, 1);
    const res = await runSubcircuit([st], ctxOf(data, cls), { units: 5, edges: 12, images: 20, split: 'test' });
    expect(res.images).toBe(20);
    expect(res.shared).toBeNull();
    const c = res.circuits[0]!;
    expect(c.layers.map((l) => [l.name, l.size])).toEqual([
      ['input', 784],
      ['fc1', 300],
      ['fc2', 100],
      ['fc3', 10],
    ]);
    expect(c.layers[1]!.units[0]!.unit).toBe(7);
    expect(c.layers[2]!.units[0]!.unit).toBe(13);
    expect(c.layers[3]!.units.map((u) => u.unit)).toEqual([cls]);
    expect(c.layers[3]!.units[0]!.attribution).toBeCloseTo(c.logit, 4);
    // Nothing else reaches the logit: the path carries all of it (the class logit is fc2 unit 13, itself fc1 unit 7).
    expect(c.layers[1]!.units[0]!.attribution).toBeCloseTo(c.logit, 3);
    for (const l of c.layers.slice(0, 3)) {
      expect(l.units).toHaveLength(5);
      for (let k = 1; k < l.units.length; k++) expect(Math.abs(l.units[k - 1]!.attribution)).toBeGreaterThanOrEqual(Math.abs(l.units[k]!.attribution));
    }
    // The top input pixels lie in the rows fc1 unit 7 reads.
    for (const u of c.layers[0]!.units) expect(Math.floor(u.unit / 28)).toBeLessThan(14);
    expect(c.edges.length).toBeLessThanOrEqual(12);
    for (let k = 1; k < c.edges.length; k++) expect(Math.abs(c.edges[k - 1]!.attribution)).toBeGreaterThanOrEqual(Math.abs(c.edges[k]!.attribution));
    expect(c.edges.some((e) => e.layer === 1 && e.from === 7 && e.to === 13)).toBe(true);
    expect(c.edges.some((e) => e.layer === 2 && e.from === 13 && e.to === cls)).toBe(true);
    for (const e of c.edges) {
      const l = st.state.layers[e.layer]!;
      const out = l.shape[1]!;
      expect(l.mask[e.from * out + e.to]).toBe(1);
      expect(e.weights).toBe(1);
      expect(c.layers[e.layer]!.units.some((u) => u.unit === e.from)).toBe(true);
      expect(c.layers[e.layer + 1]!.units.some((u) => u.unit === e.to)).toBe(true);
    }
    // A larger budget lists every kept connection between selected units, and no pruned one.
    const all = (await runSubcircuit([st], ctxOf(data, cls), { units: 5, edges: 10_000, images: 20, split: 'test' })).circuits[0]!;
    let possible = 0;
    for (let k = 0; k < 3; k++) {
      const l = st.state.layers[k]!;
      for (const a of all.layers[k]!.units) for (const b of all.layers[k + 1]!.units) possible += l.mask[a.unit * l.shape[1]! + b.unit]!;
    }
    expect(all.edges).toHaveLength(possible);
    // Input attributions are input × gradient (mean over the class images), checked with plain tfjs ops.
    const idx = Array.from({ length: data.test.n }, (_, i) => i).filter((i) => data.test.y[i] === cls).slice(0, 20);
    const L = st.state.layers;
    const ixg = tf.tidy(() => {
      const x = tf.tensor2d(idx.flatMap((i) => Array.from(data.test.x.subarray(i * 784, (i + 1) * 784))), [idx.length, 784]);
      const W = L.map((l) => tf.tensor2d(l.weight, l.shape as [number, number]));
      const B = L.map((l) => tf.tensor1d(l.bias));
      const f = (xi: tf.Tensor): tf.Scalar => {
        let h = tf.relu(tf.add(tf.matMul(xi as tf.Tensor2D, W[0]!), B[0]!));
        h = tf.relu(tf.add(tf.matMul(h, W[1]!), B[1]!));
        return tf.sum(tf.slice(tf.add(tf.matMul(h, W[2]!), B[2]!), [0, cls], [-1, 1]));
      };
      return tf.mean(tf.mul(x, tf.grad(f)(x)), 0).dataSync();
    });
    for (const u of all.layers[0]!.units) expect(u.attribution).toBeCloseTo(ixg[u.unit]!, 4);
  });

  it('compares subcircuits: a state with itself shares everything, disjoint paths share nothing', async () => {
    const data = loadDataset({ dataset: 'synthetic-mnist', ...SYN });
    const cls = 4;
    const a = await pathLenet(data, cls, 7, 13, 0, 14, 1);
    const b = await pathLenet(data, cls, 100, 50, 14, 28, 2);
    const opts = { units: 1, edges: 100, images: 30, split: 'test' as const };
    const self = await runSubcircuit([a, a], ctxOf(data, cls), opts);
    const ca = self.circuits[0]!;
    expect(ca.edges).toHaveLength(3);
    expect(self.shared).toEqual({
      units: 3,
      expectedUnits: expect.closeTo(1 / 784 + 1 / 300 + 1 / 100, 10),
      unitJaccard: 1,
      edges: 3,
      expectedEdges: expect.closeTo(1 / (784 * 300) + 1 / (300 * 100) + 1 / 100, 10),
      edgeJaccard: 1,
    });
    const cmp = await runSubcircuit([a, b], ctxOf(data, cls), opts);
    expect(cmp.circuits[1]!.layers.map((l) => l.units[0]!.unit).slice(1)).toEqual([100, 50, cls]);
    expect(cmp.shared!.units).toBe(0);
    expect(cmp.shared!.unitJaccard).toBe(0);
    expect(cmp.shared!.edges).toBe(0);
    expect(cmp.shared!.edgeJaccard).toBe(0);
    // Different architectures cannot be compared.
    const conv = buildNet({ arch: 'conv-2', seed: 0, inputShape: data.inputShape, numClasses: 10 });
    const cs: LoadedState = { info: info('conv', 'conv-2'), state: await captureState(conv) };
    conv.dispose();
    await expect(runSubcircuit([a, cs], ctxOf(data, cls), opts)).rejects.toThrow('lenet-300-100 vs conv-2');
  });

  it('folds conv kernels and fc1 positions into channel connections (Conv-2 on synthetic-cifar)', async () => {
    const data = loadDataset({ dataset: 'synthetic-cifar', ...SYN });
    const net0 = buildNet({ arch: 'conv-2', seed: 3, inputShape: data.inputShape, numClasses: data.numClasses });
    const state = await captureState(net0);
    net0.dispose();
    prune(state, 0.8, 9);
    for (const l of state.layers) for (let i = 0; i < l.bias.length; i++) l.bias[i] = 0.01 * ((i % 7) - 3);
    const st: LoadedState = { info: info('conv', 'conv-2'), state };
    const cls = 5;
    const t0 = performance.now();
    const res = await runSubcircuit([st], ctxOf(data, cls), { units: 12, edges: 2000, images: 256, split: 'test' });
    console.log(`conv-2 subcircuit on ${data.test.n} test images (${res.images} of the class): ${(performance.now() - t0).toFixed(0)} ms`);
    const c = res.circuits[0]!;
    expect(c.layers.map((l) => [l.name, l.size])).toEqual([
      ['input', 3],
      ['conv1', 64],
      ['conv2', 64],
      ['fc1', 256],
      ['fc2', 256],
      ['fc3', 10],
    ]);
    expect(c.layers.map((l) => l.units.length)).toEqual([3, 12, 12, 12, 12, 1]);
    expect(c.layers[5]!.units[0]!.attribution).toBeCloseTo(c.logit, 3);
    // Kept-weight counts: 3x3 kernel positions for convs, the 16x16 pooled positions for fc1.
    const count = (k: number, from: number, to: number): number => {
      const l = state.layers[k]!;
      const out = l.shape[l.shape.length - 1]!;
      if (l.kind === 'conv') {
        const cin = l.shape[2]!;
        let s = 0;
        for (let p = 0; p < 9; p++) s += l.mask[(p * cin + from) * out + to]!;
        return s;
      }
      if (k === 2) {
        let s = 0;
        for (let p = 0; p < 256; p++) s += l.mask[(p * 64 + from) * out + to]!;
        return s;
      }
      return l.mask[from * out + to]!;
    };
    expect(c.edges.length).toBeGreaterThan(0);
    for (const e of c.edges) {
      expect(e.weights).toBe(count(e.layer, e.from, e.to));
      expect(e.weights).toBeGreaterThan(0);
    }
    // Unit attribution = mean over the class images of Σ_positions z · ∂y/∂z, z the pre-activation (conv2 and fc1),
    // computed here from the layers' outputs and plain tfjs ops.
    const idx = Array.from({ length: data.test.n }, (_, i) => i).filter((i) => data.test.y[i] === cls);
    const net = await netFromState(state, data);
    const [zg2, zg1] = tf.tidy(() => {
      const x = tf.tensor2d(idx.flatMap((i) => Array.from(data.test.x.subarray(i * 3072, (i + 1) * 3072))), [idx.length, 3072]);
      const tr = net.forwardTrace(x);
      const a1 = tr[0] as tf.Tensor4D;
      const a2 = tr[1] as tf.Tensor4D;
      const [c2, f1] = [state.layers[1]!, state.layers[2]!];
      const z2 = tf.add(tf.conv2d(a1, tf.tensor4d(c2.weight, c2.shape as [number, number, number, number]), 1, 'same'), tf.tensor1d(c2.bias));
      const pick = (t: tf.Tensor2D): tf.Scalar => tf.sum(tf.slice(t, [0, cls], [-1, 1]));
      const g2 = tf.mul(tf.grad((h: tf.Tensor) => pick(net.forwardFrom(1, h)))(a2), tf.step(z2));
      const flat = tf.reshape(tf.maxPool(a2, 2, 2, 'valid'), [idx.length, -1]) as tf.Tensor2D;
      const z1 = tf.add(tf.matMul(flat, tf.tensor2d(f1.weight, f1.shape as [number, number])), tf.tensor1d(f1.bias));
      const g1 = tf.mul(tf.grad((h: tf.Tensor) => pick(net.forwardFrom(2, h)))(tr[2]!), tf.step(z1));
      return [tf.div(tf.sum(tf.mul(z2, g2), [0, 1, 2]), idx.length).dataSync(), tf.div(tf.sum(tf.mul(z1, g1), 0), idx.length).dataSync()];
    });
    net.dispose();
    for (const u of c.layers[2]!.units) expect(u.attribution).toBeCloseTo(zg2![u.unit]!, 3);
    for (const u of c.layers[3]!.units) expect(u.attribution).toBeCloseTo(zg1![u.unit]!, 3);
  });
});
