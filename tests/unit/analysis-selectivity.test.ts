// Class selectivity: the numeric helpers against known answers (ranks, AUROC, the permutation null, p-values, the
// logistic probe), then runSelectivity end to end on small real nets, including a planted detector unit.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StateInfo } from '../../src/shared/analysis';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import type { Dataset } from '../../src/main/engine/data/index';
import { buildNet } from '../../src/main/engine/nets/factory';
import { Rng } from '../../src/main/engine/rng';
import { captureState } from '../../src/main/engine/state';
import { runSelectivity } from '../../src/main/engine/analysis/selectivity';
import type { AnalysisContext, LoadedState, SelectivityOptions } from '../../src/main/engine/analysis/types';
import {
  Ranker,
  auroc,
  aurocFromRanks,
  drawPermutations,
  logisticProbe,
  nullBest,
  pValue,
  positiveIndices,
  probeSplit,
  ranks,
} from '../../src/main/engine/analysis/stats';
import type { ArchName } from '../../src/shared/config';

const f32 = (v: number[]): Float32Array => Float32Array.from(v);

/** AUROC by counting pairs (the definition), for cross-checks. */
function pairAuroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j]) continue;
      pairs++;
      if (scores[i]! > scores[j]!) wins++;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

describe('ranks', () => {
  it('gives 1-based average ranks, ties sharing the mean', () => {
    expect(Array.from(ranks(f32([3, 1, 3, 2])))).toEqual([3.5, 1, 3.5, 2]);
    expect(Array.from(ranks(Float64Array.from([3, 1, 3, 2])))).toEqual([3.5, 1, 3.5, 2]);
    expect(Array.from(ranks(f32([5, 5, 5, 5, 5])))).toEqual([3, 3, 3, 3, 3]);
    expect(Array.from(ranks(f32([0, -0, -1, 2, 0])))).toEqual([3, 3, 1, 5, 3]);
    expect(Array.from(ranks(f32([-2.5, 1e30, -1e30, 0.25])))).toEqual([2, 4, 1, 3]);
    expect(Array.from(ranks(f32([])))).toEqual([]);
    // Each NaN is its own value, after every number, in index order (both paths).
    expect(Array.from(ranks(f32([NaN, 1, NaN, -Infinity])))).toEqual([3, 2, 4, 1]);
    expect(Array.from(ranks(Float64Array.from([NaN, 1, NaN, -Infinity])))).toEqual([3, 2, 4, 1]);
    // A view into a larger buffer ranks only its own values.
    expect(Array.from(ranks(f32([9, 9, 2, 1, 2, 9]).subarray(2, 5)))).toEqual([2.5, 1, 2.5]);
  });

  it('agrees between the float32 fast path and the comparator path on data with many ties', () => {
    const rng = new Rng(7);
    const v = new Float32Array(5000);
    for (let i = 0; i < v.length; i++) v[i] = rng.uniform() < 0.4 ? 0 : Math.round(rng.normal() * 20) / 4;
    const a = ranks(v);
    const b = ranks(Float64Array.from(v));
    expect(Array.from(a)).toEqual(Array.from(b));
    // Ranks sum to n(n+1)/2 whatever the ties.
    expect(a.reduce((s, x) => s + x, 0)).toBe((5000 * 5001) / 2);
    // A reused Ranker gives the same answer.
    const ranker = new Ranker(10);
    expect(Array.from(ranker.rank(v))).toEqual(Array.from(a));
  });

  it('orders indices ascending and stably (ties in index order, NaN last), as a comparator sort does', () => {
    const rng = new Rng(11);
    const v = new Float32Array(20_000);
    for (let i = 0; i < v.length; i++) v[i] = rng.uniform() < 0.01 ? NaN : rng.uniform() < 0.3 ? -0 : -Math.round(Math.abs(rng.normal()) * 40) / 8;
    const byComparator = Array.from(v.keys()).sort((p, q) => {
      const [a, b] = [v[p]!, v[q]!];
      if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) === Number.isNaN(b) ? p - q : Number.isNaN(a) ? 1 : -1;
      return a - b || p - q;
    });
    // A Ranker sized for more values (a reused one) returns exactly n indices.
    expect(Array.from(new Ranker(30_000).ascending(v))).toEqual(byComparator);
    expect(Array.from(new Ranker().ascending(f32([2, 1, 2, 0])))).toEqual([3, 1, 0, 2]);
  });
});

describe('AUROC', () => {
  it('is 1 for a perfect detector, 0 for a perfect anti-detector, 0.5 for a constant', () => {
    const labels = [0, 0, 0, 1, 1];
    expect(auroc(f32([0.1, 0.2, 0.3, 0.8, 0.9]), labels)).toBe(1);
    expect(auroc(f32([0.9, 0.8, 0.7, 0.1, 0.2]), labels)).toBe(0);
    expect(auroc(f32([1, 1, 1, 1, 1]), labels)).toBe(0.5);
  });

  it('matches hand-computed cases, ties counting one half', () => {
    // Positives 0.35, 0.8 against negatives 0.1, 0.4: 3 of 4 pairs won.
    expect(auroc(f32([0.1, 0.4, 0.35, 0.8]), [0, 0, 1, 1])).toBe(0.75);
    // Positives 2, 3 against negatives 1, 2: 1 + 0.5 + 1 + 1 = 3.5 of 4.
    expect(auroc(f32([1, 2, 2, 3]), [0, 1, 0, 1])).toBe(0.875);
    // From ranks directly: ranks [1, 2.5, 2.5, 4], positives at 1 and 3.
    expect(aurocFromRanks(Float64Array.from([1, 2.5, 2.5, 4]), [1, 3], 2, 2)).toBe(0.875);
  });

  it('equals the pair-counting definition on random data with ties', () => {
    const rng = new Rng(3);
    const n = 300;
    const s = new Float32Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = rng.uniform() < 0.2 ? 1 : 0;
      s[i] = Math.round((rng.normal() + y[i]!) * 3) / 3;
    }
    expect(auroc(s, y)).toBeCloseTo(pairAuroc(s, y), 12);
  });
});

describe('permutation null', () => {
  it('draws K distinct stand-in positive sets, reproducibly from the seed', () => {
    const perms = drawPermutations(100, 12, 5, 42);
    expect(perms).toHaveLength(5);
    for (const p of perms) {
      expect(p).toHaveLength(12);
      expect(new Set(p).size).toBe(12);
      for (const i of p) expect(i).toBeLessThan(100);
    }
    expect(drawPermutations(100, 12, 5, 42)).toEqual(perms);
    expect(drawPermutations(100, 12, 5, 43)).not.toEqual(perms);
  });

  it('finds a planted detector and keeps the null best of 50 noise units near chance', () => {
    const rng = new Rng(11);
    const n = 2000;
    const units = 50;
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) labels[i] = rng.uniform() < 0.1 ? 1 : 0;
    const pos = positiveIndices(labels);
    const nPos = pos.length;
    const nNeg = n - nPos;
    const unitValues: Float32Array[] = [];
    for (let u = 0; u < units; u++) {
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = u === 3 ? labels[i]! + 0.1 * rng.normal() : rng.normal();
      unitValues.push(v);
    }
    const unitRanks = unitValues.map((v) => ranks(v));
    const observed = unitRanks.map((r) => aurocFromRanks(r, pos, nPos, nNeg));
    const bestUnit = observed.indexOf(Math.max(...observed));
    expect(bestUnit).toBe(3);
    expect(observed[3]).toBeGreaterThan(0.95);
    const K = 99;
    const perms = drawPermutations(n, nPos, K, 0);
    const nb = nullBest(unitRanks, perms, nPos, nNeg);
    expect(nb).toHaveLength(K);
    for (const v of nb) {
      expect(v).toBeGreaterThan(0.5);
      expect(v).toBeLessThan(0.65);
    }
    const mean = nb.reduce((a, b) => a + b, 0) / K;
    expect(mean).toBeGreaterThan(0.52);
    expect(mean).toBeLessThan(0.6);
    expect(pValue(observed[3]!, nb)).toBe(1 / (K + 1));
    // Each null value is the best over units of the AUROC with the permuted positives as labels.
    for (const k of [0, 17, 98]) {
      const permLabels = new Uint8Array(n);
      for (const i of perms[k]!) permLabels[i] = 1;
      const direct = Math.max(...unitValues.map((v) => auroc(v, permLabels)));
      expect(nb[k]).toBeCloseTo(direct, 12);
    }
  });

  it('computes p-values as (1 + #{null ≥ observed}) / (1 + K)', () => {
    expect(pValue(0.7, [0.5, 0.6, 0.7, 0.8])).toBe(3 / 5);
    expect(pValue(0.9, [0.5, 0.6])).toBe(1 / 3);
    expect(pValue(0.1, [0.5, 0.6])).toBe(1);
    expect(pValue(0.9, [])).toBe(1);
  });
});

describe('logistic probe', () => {
  function data(n: number, d: number, seed: number): Float32Array {
    const rng = new Rng(seed);
    const x = new Float32Array(n * d);
    // Features on different scales and offsets: standardisation must cope.
    for (let i = 0; i < n * d; i++) x[i] = rng.normal() * (1 + (i % d)) + (i % 7);
    return x;
  }

  it('splits in halves stratified by class', () => {
    const labels = new Uint8Array(101);
    for (let i = 0; i < 101; i += 5) labels[i] = 1; // 21 positives
    const { train, test } = probeSplit(labels, 0);
    expect(train.length + test.length).toBe(101);
    expect(new Set([...train, ...test]).size).toBe(101);
    expect(Array.from(train).filter((i) => labels[i]).length).toBe(10);
    expect(Array.from(test).filter((i) => labels[i]).length).toBe(11);
    expect(probeSplit(labels, 0)).toEqual({ train, test });
  });

  it('reads a linearly separable class (10% of images) almost perfectly', () => {
    const n = 3000;
    const d = 30;
    const x = data(n, d, 1);
    const rng = new Rng(2);
    const w = Array.from({ length: d }, () => rng.normal());
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let j = 0; j < d; j++) t += (w[j]! * (x[i * d + j]! - (j % 7))) / (1 + j);
      s[i] = t;
    }
    const cut = Float32Array.from(s).sort()[Math.floor(0.9 * n)]!;
    const labels = Uint8Array.from(s, (v) => (v >= cut ? 1 : 0));
    const p = logisticProbe(x, labels, 0);
    expect(p.trainN + p.testN).toBe(n);
    expect(p.chance).toBeCloseTo(0.9, 2);
    expect(p.accuracy).toBeGreaterThan(0.95);
    expect(p.balancedAccuracy).toBeGreaterThan(0.95);
    expect(p.auroc).toBeGreaterThan(0.99);
  });

  it('stays near chance on random labels', () => {
    const n = 3000;
    const d = 40;
    const x = data(n, d, 4);
    const rng = new Rng(5);
    const half = Uint8Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 1 : 0));
    const p = logisticProbe(x, half, 0);
    expect(Math.abs(p.accuracy - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(p.auroc - 0.5)).toBeLessThan(0.05);
    const rare = Uint8Array.from({ length: n }, () => (rng.uniform() < 0.1 ? 1 : 0));
    const q = logisticProbe(x, rare, 0);
    expect(Math.abs(q.accuracy - q.chance)).toBeLessThan(0.03);
    expect(Math.abs(q.balancedAccuracy - 0.5)).toBeLessThan(0.06);
    expect(Math.abs(q.auroc - 0.5)).toBeLessThan(0.07);
  });
});

describe('runSelectivity', () => {
  let data: Dataset;
  beforeAll(async () => {
    await selectBackend('wasm');
    data = loadDataset({ dataset: 'synthetic-mnist', validation: 100, synthetic: { train: 400, test: 300 } });
  });

  function info(arch: string, label: string): StateInfo {
    return {
      ref: `run1:0:${label}`,
      runId: 'run1',
      round: 0,
      which: 'init',
      kind: 'dense',
      seed: 0,
      experimentName: 'test',
      arch,
      dataset: 'synthetic-mnist',
      density: 1,
      hasWeights: true,
      label,
    };
  }

  async function loaded(arch: ArchName, seed: number, edit?: (net: ReturnType<typeof buildNet>) => void): Promise<LoadedState> {
    const net = buildNet({ arch, seed, inputShape: data.inputShape, numClasses: data.numClasses });
    try {
      edit?.(net);
      return { info: info(arch, `${arch} s${seed}`), state: await captureState(net) };
    } finally {
      net.dispose();
    }
  }

  function ctx(stages: string[]): AnalysisContext {
    return {
      data,
      cls: { index: 5, name: '5' },
      progress: (stage) => {
        if (stages[stages.length - 1] !== stage) stages.push(stage);
      },
    };
  }

  const options: SelectivityOptions = { permutations: 7, threshold: 0.9, split: 'test', probe: true, seed: 0 };

  it('reports every unit of every layer of a conv net and a dense net, with the expected shapes', async () => {
    const states = [await loaded('conv-2', 0), await loaded('lenet-300-100', 1)];
    const stages: string[] = [];
    const before = tf.memory().numTensors;
    const res = await runSelectivity(states, ctx(stages), options);
    expect(tf.memory().numTensors).toBe(before); // nets and batch tensors all disposed
    expect(res.class).toEqual({ index: 5, name: '5' });
    expect(res.images).toBe(300);
    expect(res.positives).toBe(Array.from(data.test.y).filter((y) => y === 5).length);
    expect(res.positives).toBeGreaterThan(0);
    expect(res.permutations).toBe(7);
    expect(res.split).toBe('test');
    expect(res.threshold).toBe(0.9);
    expect(res.states.map((s) => s.state.label)).toEqual(['conv-2 s0', 'lenet-300-100 s1']);
    expect(stages).toEqual(['forward: conv-2 s0', 'forward: lenet-300-100 s1', 'statistics: conv-2 s0', 'statistics: lenet-300-100 s1']);

    const expected = [
      [
        ['conv1', 'conv', 64],
        ['conv2', 'conv', 64],
        ['fc1', 'dense', 256],
        ['fc2', 'dense', 256],
        ['fc3', 'dense', 10],
      ],
      [
        ['fc1', 'dense', 300],
        ['fc2', 'dense', 100],
        ['fc3', 'dense', 10],
      ],
    ];
    res.states.forEach((s, si) => {
      expect(s.accuracy).toBeGreaterThanOrEqual(0);
      expect(s.accuracy).toBeLessThanOrEqual(1);
      expect(s.layers.map((l) => [l.layer, l.kind, l.units])).toEqual(expected[si]);
      for (const l of s.layers) {
        expect(l.pools.map((p) => p.pooling)).toEqual(l.kind === 'conv' ? ['mean', 'max'] : ['none']);
        for (const p of l.pools) {
          expect(p.auroc).toHaveLength(l.units);
          for (const a of p.auroc) {
            expect(a).toBeGreaterThanOrEqual(0);
            expect(a).toBeLessThanOrEqual(1);
          }
          expect(p.best.auroc).toBe(Math.max(...p.auroc));
          expect(p.auroc[p.best.unit]).toBe(p.best.auroc);
          expect(p.nullBest).toHaveLength(7);
          for (const v of p.nullBest) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
          expect(p.pValue).toBeGreaterThanOrEqual(1 / 8);
          expect(p.pValue).toBeLessThanOrEqual(1);
          expect(p.detectors).toBe(p.auroc.filter((a) => a >= 0.9).length);
        }
        expect(l.probe).not.toBeNull();
        expect(l.probe!.trainN + l.probe!.testN).toBe(300);
        for (const v of [l.probe!.accuracy, l.probe!.balancedAccuracy, l.probe!.auroc, l.probe!.chance]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }
    });
    // The state's accuracy is its argmax accuracy on these images.
    const net = buildNet({ arch: 'lenet-300-100', seed: 1, inputShape: data.inputShape, numClasses: data.numClasses });
    const pred = tf.tidy(() => tf.argMax(net.forward(tf.tensor2d(data.test.x, [300, data.features])), 1).dataSync());
    net.dispose();
    const acc = Array.from(pred).filter((p, i) => p === data.test.y[i]).length / 300;
    expect(res.states[1]!.accuracy).toBeCloseTo(acc, 12);

    // The same permutations for every state and the same seed give the same answer; limit, no probe.
    const again = await runSelectivity([states[1]!], ctx([]), { ...options, probe: false, limit: 150 });
    expect(again.images).toBe(150);
    expect(again.states[0]!.layers.every((l) => l.probe === null)).toBe(true);
  });

  it('finds a planted detector unit through the real net path', async () => {
    // fc1 unit 0 of LeNet-300-100 becomes a template matcher for class 5: its weights are the mean training image of
    // the class minus the mean of the others, its bias 0 — it should tell the class from the rest on the test split.
    const f = data.features;
    const sumPos = new Float64Array(f);
    const sumNeg = new Float64Array(f);
    let nPos = 0;
    for (let i = 0; i < data.train.n; i++) {
      const target = data.train.y[i] === 5 ? sumPos : sumNeg;
      if (data.train.y[i] === 5) nPos++;
      for (let j = 0; j < f; j++) target[j] = target[j]! + data.train.x[i * f + j]!;
    }
    const template = new Float32Array(f);
    for (let j = 0; j < f; j++) template[j] = sumPos[j]! / nPos - sumNeg[j]! / (data.train.n - nPos);
    const state = await loaded('lenet-300-100', 2, (net) => {
      const l = net.layers[0]!;
      const w = Float32Array.from(l.weight.dataSync());
      for (let j = 0; j < f; j++) w[j * 300] = template[j]!;
      tf.tidy(() => l.weight.assign(tf.tensor(w, l.weight.shape)));
    });
    const res = await runSelectivity([state], ctx([]), { ...options, permutations: 19, probe: false });
    const fc1 = res.states[0]!.layers[0]!.pools[0]!;
    expect(fc1.best.unit).toBe(0);
    expect(fc1.best.auroc).toBeGreaterThan(0.9);
    expect(fc1.detectors).toBeGreaterThanOrEqual(1);
    expect(fc1.pValue).toBe(1 / 20);
    expect(Math.max(...fc1.nullBest)).toBeLessThan(0.8);
  });

  it('refuses images without the class', async () => {
    const first = new Set(data.test.y.subarray(0, 10));
    const absent = Array.from({ length: 10 }, (_, c) => c).find((c) => !first.has(c))!;
    const c = { ...ctx([]), cls: { index: absent, name: String(absent) } };
    await expect(runSelectivity([await loaded('lenet-300-100', 0)], c, { ...options, limit: 10 })).rejects.toThrow(/no image of class/);
  });
});
