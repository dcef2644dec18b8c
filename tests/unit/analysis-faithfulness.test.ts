// Faithfulness and completeness (src/main/engine/analysis/faithfulness.ts): the curve's ends are 0 and 1 by
// definition, a planted circuit is faithful and its complement is not, the edge attributions of the logit difference
// against their closed form on a linear net, pinned circuits, and bad input.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { causalImages, classSubset } from '../../src/main/engine/analysis/ablate';
import { faithfulnessCurve, logSizes, rankEdges, scoreCircuit } from '../../src/main/engine/analysis/faithfulness';
import type { CircuitSpec } from '../../src/main/engine/analysis/geometry';
import { Intervener } from '../../src/main/engine/analysis/intervene';
import { captureState } from '../../src/main/engine/state';
import { CLS, SYN, denseNet, detectorLenet, randomNet, randomSplit } from './causal-fixtures';


beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(() => {
  tf.disposeVariables();
});

/** The planted detector's path: the template into fc1 unit 7, fc1 7 → fc2 13, fc2 13 → the class logit. */
const PATH: CircuitSpec = {
  connections: [
    ...Array.from({ length: 784 }, (_, p) => ({ layer: 'fc1', from: p, to: 7 })),
    { layer: 'fc2', from: 7, to: 13 },
    { layer: 'fc3', from: 13, to: 3 },
  ],
};

describe('faithfulness', () => {
  it('spaces circuit sizes evenly in log, with 0 and every edge always included', () => {
    expect(logSizes(1000, 12)).toEqual([0, 1, 2, 4, 8, 16, 32, 63, 126, 251, 501, 1000]);
    expect(logSizes(3, 12)).toEqual([0, 1, 2, 3]);
    expect(logSizes(50, 2)).toEqual([0, 50]);
    expect(logSizes(0, 5)).toEqual([0]);
    expect(() => logSizes(10, 1)).toThrow(/at least 2 points/);
  });

  it('is 0 for the empty circuit and 1 for the whole net (completeness the reverse), for every ablation', async () => {
    const data = loadDataset(SYN);
    const { net, state } = await detectorLenet(data, 3, 7, 13, 1);
    const surviving = state.layers.reduce((a, l) => a + l.mask.reduce((s, m) => s + m, 0), 0);
    const images = causalImages(data, 3, { reference: 100, evaluation: 300, attribution: 40, seed: 1 });
    const ranking = await rankEdges(net, images.attribution, 3, 'logit');
    expect(ranking.order.length).toBe(surviving);
    for (const kind of ['zero', 'mean', 'resample'] as const) {
      const iv = await Intervener.create(net, { evaluation: classSubset(images.evaluation, 3, 784), reference: images.reference }, { kind, seed: 2 });
      const res = await faithfulnessCurve(iv, ranking, CLS, { metric: 'logit', points: 6, attributionImages: 40 });
      expect(res.edges).toBe(surviving);
      expect(res.points.map((p) => p.edges)).toEqual(logSizes(surviving, 6));
      const [first, last] = [res.points[0]!, res.points[res.points.length - 1]!];
      expect([first.fraction, first.faithfulness, first.completeness]).toEqual([0, 0, 1]);
      expect([last.fraction, last.faithfulness, last.completeness]).toEqual([1, 1, 0]);
      expect(first.circuit).toBe(res.empty);
      expect(last.circuit).toBe(res.full);
      expect(res.images).toEqual({ evaluation: iv.evaluation.n, attribution: 40, reference: kind === 'zero' ? 0 : 100 });
      for (const p of res.points) expect(Number.isFinite(p.faithfulness!) && Number.isFinite(p.completeness!)).toBe(true);
      iv.dispose();
    }
    net.dispose();
  });

  it('finds a planted circuit faithful (F ≈ 1) and its complement not (≈ 0)', async () => {
    const data = loadDataset(SYN);
    const { net } = await detectorLenet(data, 3, 7, 13, 1);
    const images = causalImages(data, 3, { reference: 150, evaluation: 300, attribution: 40, seed: 1 });
    const evaluation = classSubset(images.evaluation, 3, 784);
    for (const kind of ['zero', 'mean', 'resample'] as const) {
      const iv = await Intervener.create(net, { evaluation, reference: images.reference }, { kind, seed: 3 });
      const pinned = await scoreCircuit(iv, PATH, CLS, 'logit');
      expect(pinned.faithfulness!).toBeGreaterThan(0.999);
      expect(Math.abs(pinned.completeness!)).toBeLessThan(1e-3);
      expect(pinned.edges).toBeGreaterThan(700);
      expect(pinned.units).toBe(0);
      expect(pinned.full - pinned.empty).toBeGreaterThan(1);
      // The curve: only the path reaches the class logit, so attribution ranks its weights first, and a circuit of
      // at least that many edges is faithful.
      const ranking = await rankEdges(net, images.attribution, 3, 'logit');
      const res = await faithfulnessCurve(iv, ranking, CLS, { metric: 'logit', points: 12, attributionImages: 40 });
      for (const p of res.points) if (p.edges >= pinned.edges!) expect(p.faithfulness!).toBeGreaterThan(0.999);
      iv.dispose();
    }
    net.dispose();
  });

  it("attributes the logit difference per weight as w · Σ x · ∂m/∂z (closed form for a linear net)", async () => {
    const net = await denseNet([5, 4], 3, 0.6);
    const imgs = randomSplit(7, 5, 4, 8);
    const cls = 2;
    const ranking = await rankEdges(net, imgs, cls, 'logit-diff');
    const st = await captureState(net);
    const w = st.layers[0]!.weight;
    const expected = new Float64Array(20);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 4; j++) {
        let sx = 0;
        for (let n = 0; n < 7; n++) sx += imgs.x[n * 5 + i]!;
        expected[i * 4 + j] = (w[i * 4 + j]! * sx * (j === cls ? 1 : -1 / 3)) / 7;
      }
    for (let k = 0; k < 20; k++) expect(ranking.attribution[0]![k]).toBeCloseTo(expected[k]!, 5);
    // Ranked by |attribution|, surviving weights only.
    const kept = [...st.layers[0]!.mask.keys()].filter((k) => st.layers[0]!.mask[k]);
    expect([...ranking.order].sort((a, b) => a - b)).toEqual(kept);
    for (let r = 1; r < ranking.order.length; r++) expect(Math.abs(expected[ranking.order[r - 1]!]!)).toBeGreaterThanOrEqual(Math.abs(expected[ranking.order[r]!]!) - 1e-6);
    net.dispose();
  });

  it('scores pinned units: a whole layer is the whole net (F = 1, completeness 0)', async () => {
    const net = await randomNet('conv-2', [6, 6, 2], 3, 51);
    const ev = randomSplit(24, 72, 3, 52);
    const iv = await Intervener.create(net, { evaluation: ev, reference: randomSplit(10, 72, 3, 53) }, { kind: 'mean', seed: 1 });
    const cls = { index: 1, name: '1' };
    const all = await scoreCircuit(iv, { units: [{ layer: 'conv2', units: Array.from({ length: 64 }, (_, u) => u) }] }, cls, 'logit-diff');
    expect([all.faithfulness, all.completeness, all.units, all.edges]).toEqual([1, 0, 64, null]);
    const half = await scoreCircuit(iv, { units: [{ layer: 'conv2', units: Array.from({ length: 32 }, (_, u) => u) }] }, cls, 'logit-diff');
    expect(Number.isFinite(half.faithfulness!)).toBe(true);
    // The curve on a conv net: its ends, and finite points in between.
    const res = await faithfulnessCurve(iv, await rankEdges(net, classSubset(ev, 1, 72), 1, 'logit-diff'), cls, { metric: 'logit-diff', points: 5, attributionImages: 8 });
    expect(res.points[0]!.faithfulness).toBe(0);
    expect(res.points[res.points.length - 1]!.faithfulness).toBe(1);
    for (const p of res.points) expect(Number.isFinite(p.circuit) && Number.isFinite(p.complement)).toBe(true);
    await expect(scoreCircuit(iv, {}, cls, 'logit')).rejects.toThrow(/names no unit and no edge/);
    await expect(scoreCircuit(iv, { units: [{ layer: 'conv1', units: [1] }, { layer: 'conv1', units: [2] }] }, cls, 'logit')).rejects.toThrow(/named twice/);
    await expect(scoreCircuit(iv, { connections: [{ layer: 'conv2', from: 64, to: 0 }] }, cls, 'logit')).rejects.toThrow(/source 64 out of range/);
    iv.dispose();
    net.dispose();
  });
});
