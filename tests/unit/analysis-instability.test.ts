// Instability analysis (src/main/engine/analysis/instability.ts): two copies trained with the same data order have
// no barrier at all; on a convex problem (softmax regression) two data orders end linearly connected (Frankle et al.'s
// 2% criterion) and the loss along any segment of one trajectory lies under its chord; the barrier arithmetic on
// planted curves; bad input.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/shared/config';
import type { NetState } from '../../src/shared/tensors';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { alphas, barriers, interpolationCurve, runInstability } from '../../src/main/engine/analysis/instability';
import { buildNet } from '../../src/main/engine/nets/factory';
import { MaskedDense, netHelpers, stagedForward } from '../../src/main/engine/nets/masked';
import type { MaskedNet } from '../../src/main/engine/nets/masked';
import { Rng } from '../../src/main/engine/rng';
import { captureState } from '../../src/main/engine/state';
import { trainRound } from '../../src/main/engine/train';

const CONFIG = parseExperimentConfig({
  version: 1,
  name: 'instability',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  // Adam: tfjs' momentum optimizer keeps one scalar after dispose(), which the leak check below would count.
  optimizer: { name: 'adam', lr: 0.002 },
  batchSize: 32,
  iterations: 60,
  evalEvery: 60,
  validation: 100,
  seeds: [0],
  method: { kind: 'dense' },
  synthetic: { train: 600, test: 300 },
});
const data = () => loadDataset(CONFIG);
const quiet = { onMetrics: () => {}, onProgress: () => {}, isCancelled: () => false };

/** Softmax regression as a masked net: one dense layer, no activation (a convex loss in its weights). */
function softmaxRegression(): MaskedNet {
  const layers = [new MaskedDense('fc1', 784, 10, 'glorot-normal', new Rng(1))];
  return { arch: 'softmax-regression', inputShape: [28, 28, 1], layers, ...stagedForward([(h) => layers[0]!.apply(h as tf.Tensor2D, false)]), ...netHelpers(layers) };
}

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(() => {
  tf.disposeVariables();
});

describe('instability', () => {
  it('computes the barriers of planted curves', () => {
    expect(alphas(5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(() => alphas(1)).toThrow(/at least 2 points/);
    const rise = barriers([
      { alpha: 0, value: 0.1 },
      { alpha: 0.5, value: 0.3 },
      { alpha: 1, value: 0.2 },
    ]);
    expect(rise.barrier).toBeCloseTo(0.15, 12);
    expect(rise.linear).toBeCloseTo(0.15, 12);
    // A straight descent: no rise above the chord, but the paper's barrier is half the endpoints' difference.
    const descent = barriers([
      { alpha: 0, value: 0.4 },
      { alpha: 0.5, value: 0.2 },
      { alpha: 1, value: 0 },
    ]);
    expect(descent.barrier).toBeCloseTo(0.2, 12);
    expect(descent.linear).toBeCloseTo(0, 12);
  });

  it("is exactly 0 for two copies trained with the same data order, and at least half the endpoints' gap otherwise", async () => {
    const net = buildNet({ arch: 'lenet-300-100', seed: 2, inputShape: [28, 28, 1], numClasses: 10 });
    const rng = new Rng(3);
    for (const l of net.layers) await l.setMask(Float32Array.from({ length: l.size }, () => (rng.uniform() < 0.5 ? 1 : 0)));
    const start = await captureState(net);
    net.dispose();
    const tensors = tf.memory().numTensors;
    const same = await runInstability({ start, data: data(), config: CONFIG, seeds: [5, 5], round: 1, points: 5 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(same.barrier).toBe(0);
    expect(same.linearBarrier).toBe(0);
    expect(same.points.map((p) => p.alpha)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    for (const p of same.points) expect([p.testError, p.testLoss]).toEqual([same.points[0]!.testError, same.points[0]!.testLoss]);
    expect(same.copies[0]!.testError).toBe(same.copies[1]!.testError);
    expect(same.points[0]!.testError).toBeLessThan(0.7); // it trained (chance is 0.9)
    const two = await runInstability({ start, data: data(), config: CONFIG, seeds: [5, 6], round: 1, points: 5 });
    expect(two.points.some((p) => p.testLoss !== two.points[0]!.testLoss)).toBe(true);
    expect(two.barrier).toBeGreaterThanOrEqual(Math.abs(two.copies[0]!.testError - two.copies[1]!.testError) / 2 - 1e-12);
    expect(two.seeds).toEqual([5, 6]);
  });

  it('finds a convex problem stable: two data orders of softmax regression are linearly connected', async () => {
    const config = { ...CONFIG, iterations: 300, evalEvery: 300, optimizer: { name: 'sgd' as const, lr: 0.05 } };
    const n0 = softmaxRegression();
    const start = await captureState(n0);
    n0.dispose();
    const res = await runInstability({ start, data: data(), config, seeds: [1, 2], round: 0, points: 11, makeNet: softmaxRegression });
    expect(res.barrier).toBeLessThan(0.02); // Frankle et al.'s threshold for "stable"
    expect(res.linearLossBarrier).toBeLessThan(1e-5); // convexity: the loss lies under its chord
    expect(res.copies[0]!.testError).toBeLessThan(0.5);
  });

  it('the loss between two points of one trajectory of a convex problem lies under the chord', async () => {
    const d = data();
    const net = softmaxRegression();
    let early: NetState | null = null;
    await trainRound({ net, data: d, config: { ...CONFIG, iterations: 200, evalEvery: 200 }, seed: 4, round: 0, callbacks: quiet, onStep: async (it) => void (it === 10 ? (early = await captureState(net)) : null) });
    const late = await captureState(net);
    const curve = await interpolationCurve(net, late, early!, d, 11);
    expect(curve.linearLossBarrier).toBeLessThan(1e-5);
    expect(curve.linearBarrier).toBeLessThan(0.02);
    // The paper's barrier is at least half the difference of the endpoints: not a measure for unequal points.
    const [e0, e1] = [curve.points[0]!.testError, curve.points[10]!.testError];
    expect(curve.barrier).toBeGreaterThanOrEqual(Math.abs(e0 - e1) / 2 - 1e-12);
    expect(e0).toBeGreaterThan(e1);
    net.dispose();
  });

  it('refuses states with different masks', async () => {
    const net = softmaxRegression();
    const a = await captureState(net);
    const b: NetState = { ...a, layers: a.layers.map((l) => ({ ...l, mask: l.mask.map((v, i) => (i === 0 ? 1 - v : v)) })) };
    await expect(interpolationCurve(net, a, b, data(), 3)).rejects.toThrow(/different masks in fc1/);
    net.dispose();
  });
});
