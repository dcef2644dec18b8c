import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/main/engine/backend';
import { maskedMatMul } from '../../src/main/engine/nets/masked';
import { createLenet300100 } from '../../src/main/engine/nets/lenet';
import type { MaskedNet } from '../../src/main/engine/nets/lenet';
import { Rng } from '../../src/main/engine/rng';

/** A mask keeping round(keep * n) of the weights at random places, from a seeded generator. */
function randomMask(n: number, keep: number, rng: Rng): Float32Array {
  const m = new Float32Array(n);
  const perm = rng.permutation(n);
  const k = Math.round(keep * n);
  for (let i = 0; i < k; i++) m[perm[i]!] = 1;
  return m;
}

async function maskNet(net: MaskedNet, keep: number, seed: number): Promise<Float32Array[]> {
  const rng = new Rng(seed);
  const masks: Float32Array[] = [];
  for (const l of net.layers) {
    const m = randomMask(l.inSize * l.outSize, keep, rng);
    await l.setMask(m);
    masks.push(m);
  }
  return masks;
}

/** A small classification stream: random inputs, labels from a fixed random linear teacher. */
function batchStream(features: number, classes: number, seed: number): () => { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rng = new Rng(seed);
  const teacher = Float32Array.from({ length: features * classes }, () => rng.normal());
  return () => {
    const n = 32;
    const x = Float32Array.from({ length: n * features }, () => rng.normal());
    const y = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestV = -Infinity;
      for (let c = 0; c < classes; c++) {
        let v = 0;
        for (let f = 0; f < features; f++) v += x[i * features + f]! * teacher[f * classes + c]!;
        if (v > bestV) [best, bestV] = [c, v];
      }
      y[i * classes + best] = 1;
    }
    return { x: tf.tensor2d(x, [n, features]), y: tf.tensor2d(y, [n, classes]) };
  };
}

describe('masked layers', () => {
  afterAll(async () => {
    await selectBackend('wasm');
  });

  it('keeps every pruned weight exactly zero through 1000 Adam steps, and trains the kept ones', async () => {
    await selectBackend('wasm');
    const net = createLenet300100(3, 'glorot-normal', 64, 10);
    const masks = await maskNet(net, 0.2, 99);
    for (const m of masks) expect(m.reduce((a, b) => a + b, 0) / m.length).toBeCloseTo(0.2, 3);
    expect(net.density()).toBeCloseTo(0.2, 3);
    const before = net.layers.map((l) => l.weight.dataSync().slice());
    const opt = tf.train.adam(0.01);
    const next = batchStream(64, 10, 5);
    let firstLoss = 0;
    let lastLoss = 0;
    for (let step = 0; step < 1000; step++) {
      const { x, y } = next();
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, true, net.variables());
      if (step < 20) firstLoss += loss!.dataSync()[0]! / 20;
      if (step >= 980) lastLoss += loss!.dataSync()[0]! / 20;
      loss!.dispose();
      x.dispose();
      y.dispose();
      net.applyMasks();
    }
    opt.dispose();
    expect(lastLoss).toBeLessThan(firstLoss * 0.7);
    net.layers.forEach((l, li) => {
      const w = l.weight.dataSync();
      const m = masks[li]!;
      let moved = 0;
      let kept = 0;
      for (let i = 0; i < w.length; i++) {
        if (m[i] === 0) {
          // Exactly +0 (not -0): pruned weights are canonical zeros in snapshots too.
          expect(w[i]).toBe(0);
        } else {
          kept++;
          if (w[i] !== before[li]![i]) moved++;
        }
      }
      // Most kept weights moved (a few feed ReLU units that never fire on this stream).
      expect(moved / kept).toBeGreaterThan(0.5);
    });
    net.dispose();
  });

  it('computes the same masked gradient on wasm as on cpu, zero at pruned positions', async () => {
    const grads = async (backend: 'cpu' | 'wasm'): Promise<{ custom: Float32Array[]; reference: Float32Array[] }> => {
      await selectBackend(backend);
      const net = createLenet300100(21);
      const masks = await maskNet(net, 0.3, 4);
      const rng = new Rng(8);
      const x = tf.tensor2d(Float32Array.from({ length: 16 * 784 }, () => rng.normal()), [16, 784]);
      const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10).toFloat() as tf.Tensor2D;
      const ws = net.layers.map((l) => l.weight);
      const custom = tf.tidy(() => {
        const { grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, net.forward(x)) as tf.Scalar, ws);
        return ws.map((w) => g[w.name]!.dataSync() as Float32Array);
      });
      // Reference: plain autodiff through x · (w ⊙ m) with tfjs' own matMul gradient.
      const reference = tf.tidy(() => {
        const { grads: g } = tf.variableGrads(() => {
          let h: tf.Tensor2D = x;
          net.layers.forEach((l, i) => {
            const z = tf.add(tf.matMul(h, tf.mul(l.weight, l.mask)), l.bias) as tf.Tensor2D;
            h = i < net.layers.length - 1 ? tf.relu(z) : z;
          });
          return tf.losses.softmaxCrossEntropy(labels, h) as tf.Scalar;
        }, ws);
        return ws.map((w) => g[w.name]!.dataSync() as Float32Array);
      });
      custom.forEach((g, li) => {
        const m = masks[li]!;
        for (let i = 0; i < g.length; i++) if (m[i] === 0) expect(g[i] === 0).toBe(true);
      });
      x.dispose();
      labels.dispose();
      net.dispose();
      return { custom, reference };
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    const close = (a: Float32Array, b: Float32Array): void => {
      let maxAbs = 0;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      }
      expect(maxAbs).toBeGreaterThan(0);
      expect(maxDiff).toBeLessThanOrEqual(1e-4 * maxAbs);
    };
    for (let li = 0; li < 3; li++) {
      close(cpu.custom[li]!, wasm.custom[li]!);
      close(cpu.custom[li]!, cpu.reference[li]!);
      close(wasm.custom[li]!, wasm.reference[li]!);
    }
  });

  it('masked matMul matches x · (w ⊙ m) in the forward pass', async () => {
    await selectBackend('wasm');
    const rng = new Rng(1);
    const x = tf.tensor2d(Float32Array.from({ length: 6 * 5 }, () => rng.normal()), [6, 5]);
    const w = tf.tensor2d(Float32Array.from({ length: 5 * 4 }, () => rng.normal()), [5, 4]);
    const m = tf.tensor2d(randomMask(20, 0.5, rng), [5, 4]);
    const a = maskedMatMul(x, w, m).dataSync();
    const b = tf.matMul(x, tf.mul(w, m)).dataSync();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    tf.dispose([x, w, m]);
  });

  it('rejects a mask of the wrong size', async () => {
    const net = createLenet300100(0, 'glorot-normal', 8, 2);
    await expect(net.layers[0]!.setMask(new Float32Array(7))).rejects.toThrow(/expected 2400/);
    await expect(net.layers[0]!.setMask(tf.ones([3, 3]))).rejects.toThrow(/mask shape \[3, 3\] is not \[8, 300\]/);
    net.dispose();
  });

  it('counts the kept weights when the mask is set, from an array or a tensor (read back asynchronously)', async () => {
    const net = createLenet300100(0, 'glorot-normal', 8, 2);
    const l = net.layers[1]!;
    expect(l.counts()).toEqual({ kept: l.size, total: l.size });
    const m = Float32Array.from({ length: l.size }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const kept = m.reduce((a, b) => a + b, 0);
    await l.setMask(m);
    expect(l.counts()).toEqual({ kept, total: l.size });
    const before = tf.memory().numTensors;
    const t = tf.tensor(Float32Array.from(m, (v) => v * 0.5), [...l.shape]); // any non-zero value keeps a weight
    await l.setMask(t);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(l.counts()).toEqual({ kept, total: l.size });
    expect(Array.from(await l.mask.data())).toEqual(Array.from(m));
    expect(net.density()).toBeCloseTo((net.layers[0]!.size + kept + net.layers[2]!.size) / (net.layers[0]!.size + l.size + net.layers[2]!.size), 12);
    net.dispose();
  });
});
