// Ablation of units and edges (src/main/engine/analysis/intervene.ts, ablate.ts): the ablated forward pass against an
// independent float64 computation written from the definitions (a dense net and Conv-2, every kind, per-position and
// channel means), a planted detector, the per-unit scan against one ablation at a time, and bad input.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/shared/errors';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import type { DataSplit } from '../../src/main/engine/data/index';
import { causalImages, classSubset, runAblation, scanLayer } from '../../src/main/engine/analysis/ablate';
import { ablationSet, circuitMembers, foldShape, geometryOf, hiddenLayerIndex, inputUnits, type AblationSet, type NetGeometry } from '../../src/main/engine/analysis/geometry';
import { Intervener, checkPlan, netPlan, type AblationKind, type ConvMean } from '../../src/main/engine/analysis/intervene';
import type { MaskedNet } from '../../src/main/engine/nets/masked';
import { Rng } from '../../src/main/engine/rng';
import { captureState } from '../../src/main/engine/state';
import { trainRound } from '../../src/main/engine/train';
import { parseExperimentConfig } from '../../src/shared/config';
import { buildNet } from '../../src/main/engine/nets/factory';
import { CLS, SYN, denseNet, detectorLenet, meanAct, randomNet, randomSplit, refForward, refLayers, row, type RefAblation } from './causal-fixtures';


beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(() => {
  tf.disposeVariables();
});

/** A random AblationSet: units in `unitLayers` (-1: input) and edges in `edgeLayers`, each with probability p. */
function randomSet(net: MaskedNet, unitLayers: number[], edgeLayers: number[], p: number, seed: number): AblationSet {
  const rng = new Rng(seed);
  const units = new Map<number, Uint8Array>();
  for (const k of unitLayers) {
    const size = k < 0 ? (net.layers[0]!.kind === 'conv' ? net.layers[0]!.shape[2]! : net.layers[0]!.inSize) : net.layers[k]!.outSize;
    units.set(k, Uint8Array.from({ length: size }, () => (rng.uniform() < p ? 1 : 0)));
  }
  const edges = net.layers.map((l, k) => (edgeLayers.includes(k) ? Uint8Array.from({ length: l.size }, () => (rng.uniform() < p ? 1 : 0)) : null));
  return { units, edges };
}

/** The same ablation computed by the reference pass, image by image, with the intervener's resample draws. */
async function reference(net: MaskedNet, evaluation: DataSplit, ref: DataSplit, set: AblationSet, kind: AblationKind, convMean: ConvMean, draws: Uint32Array): Promise<Float64Array> {
  const layers = refLayers(await captureState(net));
  const shape = [...net.inputShape] as [number, number, number];
  const F = shape[0] * shape[1] * shape[2];
  const toSet = (m: Uint8Array): Set<number> => new Set([...m.keys()].filter((i) => m[i]));
  const units = new Map([...set.units].map(([k, m]) => [k, toSet(m)]));
  const edges = new Map(set.edges.flatMap((e, k) => (e ? [[k, toSet(e)] as const] : [])));
  const cleanRefs = Array.from({ length: ref.n }, (_, i) => refForward(layers, row(ref, i, F), shape, null));
  const inputAct = (v: Float64Array) => (layers[0]!.kind === 'dense' ? { h: 1, w: 1, c: F, v } : { h: shape[0], w: shape[1], c: shape[2], v });
  const channel = convMean === 'channel';
  const means =
    kind === 'mean'
      ? {
          image: meanAct(cleanRefs.map((_, i) => inputAct(row(ref, i, F))), channel),
          inputs: layers.map((_, k) => meanAct(cleanRefs.map((r) => r.inputs[k]!), channel)),
          outputs: layers.map((_, k) => meanAct(cleanRefs.map((r) => r.outputs[k]!), channel)),
        }
      : null;
  const classes = layers[layers.length - 1]!.b.length;
  const out = new Float64Array(evaluation.n * classes);
  for (let i = 0; i < evaluation.n; i++) {
    const r = cleanRefs[draws[i]!]!;
    const abl: RefAblation = {
      units,
      edges,
      inputValue: kind === 'zero' ? null : (k) => (k < 0 ? (means ? means.image : inputAct(row(ref, draws[i]!, F))) : means ? means.inputs[k]! : r.inputs[k]!),
      outputValue: kind === 'zero' ? null : (k) => (means ? means.outputs[k]! : r.outputs[k]!),
    };
    out.set(refForward(layers, row(evaluation, i, F), shape, abl).logits, i * classes);
  }
  return out;
}

function expectClose(actual: Float32Array, expected: Float64Array, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol * (1 + scale));
}

describe('interventions', () => {
  it("writes down every architecture's forward pass (the plan reproduces net.forward)", async () => {
    const cases = [
      ['lenet-300-100', [28, 28, 1]],
      ['conv-2', [8, 8, 3]],
      ['conv-4', [8, 8, 1]],
      ['conv-6', [8, 8, 1]],
      ['conv-8', [16, 16, 1]],
    ] as const;
    for (const [arch, shape] of cases) {
      const net = await randomNet(arch, [...shape], 4, 11);
      const F = shape[0] * shape[1] * shape[2];
      await expect(checkPlan(net, netPlan(net), randomSplit(3, F, 4, 5).x, 3)).resolves.toBeUndefined();
      net.dispose();
    }
  });

  it('a state’s stored layer shapes give the net’s geometry: the core checks targets with it before a worker starts', async () => {
    for (const [arch, shape] of [['lenet-300-100', [28, 28, 1]], ['conv-2', [8, 8, 3]], ['conv-6', [8, 8, 1]]] as const) {
      const net = await randomNet(arch, [...shape], 4, 12);
      const stored = geometryOf(arch, net.layers.map((l) => ({ name: l.name, kind: l.kind, shape: [...l.shape] })));
      const facts = (g: NetGeometry) => g.layers.map((l) => [l.name, l.kind, [...l.shape], l.size, l.inSize, l.outSize]);
      expect(facts(stored), arch).toEqual(facts(net));
      expect(inputUnits(stored)).toBe(inputUnits(net));
      // The same target gives the same set (fc1 after a conv folds its weights over the last map's positions).
      const fc1 = net.layers.findIndex((l) => l.name === 'fc1');
      const hidden = net.layers[0]!.name;
      const target = { layer: hidden, units: [0, 2], connections: [{ layer: 'fc1', from: 1, to: 3 }], weights: [{ layer: net.layers.at(-1)!.name, index: 5 }] };
      const a = ablationSet(stored, target);
      const b = ablationSet(net, target);
      expect([...a.units.entries()]).toEqual([...b.units.entries()]);
      expect(a.edges).toEqual(b.edges);
      expect(a.edges[fc1]!.reduce((x, y) => x + y, 0)).toBe(foldShape(net, fc1).positions);
      // Out of range: the engine's own message, from the stored shapes alone.
      expect(() => ablationSet(stored, { layer: hidden, units: [999] })).toThrow(new RegExp(`unit 999 out of range: ${hidden} has \\d+ units`));
      expect(() => circuitMembers(stored, { connections: [{ layer: 'fc1', from: 0, to: 9999 }] })).toThrow(/connection target 9999 out of range/);
      expect(() => circuitMembers(stored, {})).toThrow(/names no unit and no edge/);
      expect(() => hiddenLayerIndex(stored, net.layers.at(-1)!.name)).toThrow(/not a hidden layer/);
      net.dispose();
    }
  });

  it('a plan that is not the net is refused', async () => {
    const net = await denseNet([6, 5, 3], 1);
    const wrong = netPlan(net).map((s) => ({ ...s, relu: false }));
    await expect(Intervener.create(net, { evaluation: randomSplit(4, 6, 3, 2), reference: randomSplit(4, 6, 3, 3) }, { kind: 'zero', seed: 0 }, {}, wrong)).rejects.toThrow(/does not reproduce/);
    net.dispose();
  });

  for (const kind of ['zero', 'mean', 'resample'] as const) {
    it(`${kind}-ablates units and edges of a dense net exactly as defined`, async () => {
      const net = await denseNet([7, 6, 5, 4], 3);
      const evaluation = randomSplit(9, 7, 4, 4);
      const ref = randomSplit(6, 7, 4, 5);
      const iv = await Intervener.create(net, { evaluation, reference: ref }, { kind, seed: 9 });
      const set = randomSet(net, [-1, 0, 1], [0, 1, 2], 0.35, 6);
      const got = await iv.logits(set);
      expectClose(got, await reference(net, evaluation, ref, set, kind, 'position', iv.draws), 1e-5);
      // The clean logits are net.forward's.
      const clean = tf.tidy(() => net.forward(tf.tensor2d(evaluation.x, [9, 7])).dataSync() as Float32Array);
      expectClose(iv.clean, Float64Array.from(clean), 1e-6);
      iv.dispose();
      net.dispose();
    });
  }

  for (const [kind, convMean] of [
    ['zero', 'position'],
    ['mean', 'position'],
    ['mean', 'channel'],
    ['resample', 'position'],
  ] as const) {
    it(`${kind}-ablates conv channels, kernel weights and fc1 edges of Conv-2 as defined (${convMean} means)`, async () => {
      const shape: [number, number, number] = [6, 6, 2];
      const net = await randomNet('conv-2', shape, 3, 21);
      const evaluation = randomSplit(3, 72, 3, 22);
      const ref = randomSplit(4, 72, 3, 23);
      const iv = await Intervener.create(net, { evaluation, reference: ref }, { kind, convMean, seed: 4 });
      const set = randomSet(net, [-1, 0, 1, 2], [0, 1, 2, 3], 0.3, 24);
      expectClose(await iv.logits(set), await reference(net, evaluation, ref, set, kind, convMean, iv.draws), 2e-4);
      iv.dispose();
      net.dispose();
    });
  }

  it('draws resample images uniformly, reproducibly from the seed', async () => {
    const net = await denseNet([4, 3, 2], 2);
    const evaluation = randomSplit(2000, 4, 2, 1);
    const ref = randomSplit(5, 4, 2, 2);
    const a = await Intervener.create(net, { evaluation, reference: ref }, { kind: 'resample', seed: 1 });
    const b = await Intervener.create(net, { evaluation, reference: ref }, { kind: 'resample', seed: 1 });
    const c = await Intervener.create(net, { evaluation, reference: ref }, { kind: 'resample', seed: 2 });
    expect(b.draws).toEqual(a.draws);
    expect(c.draws).not.toEqual(a.draws);
    const counts = new Array<number>(5).fill(0);
    for (const d of a.draws) counts[d]!++;
    for (const k of counts) expect(k).toBeGreaterThan(320); // 400 expected each
    net.dispose();
  });

  it('mean-ablating every edge into fc2 is mean-ablating every unit of fc1 (LeNet: fc2 reads fc1 directly), likewise resample', async () => {
    const net = await randomNet('lenet-300-100', [28, 28, 1], 10, 5);
    const evaluation = randomSplit(20, 784, 10, 6);
    const ref = randomSplit(30, 784, 10, 7);
    for (const kind of ['mean', 'resample'] as const) {
      const iv = await Intervener.create(net, { evaluation, reference: ref }, { kind, seed: 3 });
      const edges = await iv.logits({ units: new Map(), edges: [null, new Uint8Array(300 * 100).fill(1), null] });
      const units = await iv.logits({ units: new Map([[0, new Uint8Array(300).fill(1)]]), edges: [null, null, null] });
      expectClose(edges, Float64Array.from(units), 1e-5);
      iv.dispose();
    }
    net.dispose();
  });
});

describe('ablation', () => {
  it('picks disjoint reference (training) and evaluation (test) images, reproducibly', () => {
    const data = loadDataset(SYN);
    const a = causalImages(data, 3, { reference: 50, evaluation: 40, attribution: 20, seed: 1 });
    const b = causalImages(data, 3, { reference: 50, evaluation: 40, attribution: 20, seed: 1 });
    expect(a.reference.n).toBe(50);
    expect(a.evaluation.n).toBe(40);
    expect(a.attribution.n).toBe(20);
    expect(a.reference.x).toEqual(b.reference.x);
    expect(a.evaluation.x).toEqual(data.test.x.subarray(0, 40 * 784));
    expect([...a.attribution.y].every((y) => y === 3)).toBe(true);
    // No attribution image is a reference image.
    const key = (s: DataSplit, i: number) => s.x.subarray(i * 784, i * 784 + 784).join(',');
    const refs = new Set(Array.from({ length: a.reference.n }, (_, i) => key(a.reference, i)));
    for (let i = 0; i < a.attribution.n; i++) expect(refs.has(key(a.attribution, i))).toBe(false);
  });

  it('ablating a planted detector drops its class logit and leaves the others; a random unit does neither', async () => {
    const data = loadDataset(SYN);
    const cls = 3;
    const { net } = await detectorLenet(data, cls, 7, 13, 1);
    const images = causalImages(data, cls, { reference: 200, evaluation: 300, seed: 2 });
    for (const kind of ['zero', 'mean', 'resample'] as const) {
      const iv = await Intervener.create(net, images, { kind, seed: 5 });
      const det = await runAblation(iv, CLS, { layer: 'fc2', units: [13] });
      expect(det.layer).toBe('fc2');
      expect(det.units).toEqual([13]);
      expect(det.images.class + det.images.other).toBe(300);
      expect(det.targetLogitDrop).toBeGreaterThan(1);
      // h2 feeds no other logit: the other classes' logits on their images do not move at all.
      expect(Math.abs(det.otherLogitDrop!)).toBeLessThan(1e-5);
      // Zero ablation can only lower the class logit (3 · h2 ≥ 0 becomes 0); mean and resample raise it on the class
      // images the detector misses, so only there is the accuracy bound to fall.
      if (kind === 'zero') expect(det.targetAccuracy.after).toBeLessThanOrEqual(det.targetAccuracy.before);
      const fc1 = await runAblation(iv, CLS, { layer: 'fc1', units: [7] });
      expect(fc1.targetLogitDrop).toBeGreaterThan(1);
      expect(Math.abs(fc1.otherLogitDrop!)).toBeLessThan(0.1 * fc1.targetLogitDrop);
      const other = await runAblation(iv, CLS, { layer: 'fc2', units: [40] });
      expect(Math.abs(other.targetLogitDrop)).toBeLessThan(1e-5);
      expect(Math.abs(other.otherLogitDrop!)).toBeLessThan(0.05 * det.targetLogitDrop);
      iv.dispose();
    }
    net.dispose();
  });

  it('mean-ablating every unit of a hidden layer makes the output constant (one class predicted: chance)', async () => {
    const data = loadDataset(SYN);
    const { net } = await detectorLenet(data, 3, 7, 13, 1);
    const images = causalImages(data, 3, { reference: 200, evaluation: 300, seed: 2 });
    const iv = await Intervener.create(net, images, { kind: 'mean', seed: 0 });
    const all = await runAblation(iv, CLS, { layer: 'fc2', units: Array.from({ length: 100 }, (_, u) => u) });
    const logits = await iv.logits(ablationSet(net, { layer: 'fc2', units: Array.from({ length: 100 }, (_, u) => u) }));
    for (let i = 1; i < 300; i++) for (let j = 0; j < 10; j++) expect(logits[i * 10 + j]).toBeCloseTo(logits[j]!, 4);
    let best = 0;
    for (let j = 1; j < 10; j++) if (logits[j]! > logits[best]!) best = j;
    expect(all.accuracy.after).toBeCloseTo([...images.evaluation.y].filter((y) => y === best).length / 300, 10);
    iv.dispose();
    net.dispose();
  });

  it('on a trained LeNet, mean-ablating all of fc2 leaves chance accuracy, and one unit barely matters', async () => {
    const config = parseExperimentConfig({
      version: 1,
      name: 'ablate-trained',
      ...SYN,
      arch: 'lenet-300-100',
      optimizer: { name: 'adam', lr: 0.0012 },
      batchSize: 60,
      iterations: 300,
      evalEvery: 300,
      seeds: [0],
      method: { kind: 'dense' },
    });
    const data = loadDataset(config);
    const net = buildNet({ arch: 'lenet-300-100', seed: 0, inputShape: data.inputShape, numClasses: 10 });
    await trainRound({ net, data, config, seed: 0, round: 0, callbacks: { onMetrics: () => {}, onProgress: () => {}, isCancelled: () => false } });
    const images = causalImages(data, 3, { reference: 300, evaluation: 300, seed: 1 });
    const iv = await Intervener.create(net, images, { kind: 'mean', seed: 0 });
    const all = await runAblation(iv, CLS, { layer: 'fc2', units: Array.from({ length: 100 }, (_, u) => u) });
    expect(all.accuracy.before).toBeGreaterThan(0.6); // it learned (0.79 measured; chance is 0.1)
    // A constant output predicts one class: its share of the 300 images (about 0.1 for 10 balanced classes).
    expect(all.accuracy.after).toBeLessThan(0.2);
    const scan = await scanLayer(iv, CLS, 'fc2');
    const changes = scan.units.map((u) => Math.abs(u.accuracy - scan.before.accuracy));
    expect(Math.max(...changes)).toBeLessThan(0.05);
    expect(changes.reduce((a, b) => a + b, 0) / changes.length).toBeLessThan(0.01);
    iv.dispose();
    net.dispose();
  });

  it('the per-unit scan of a layer gives what ablating each unit alone gives (LeNet fc1, Conv-2 conv2)', async () => {
    const data = loadDataset(SYN);
    const { net } = await detectorLenet(data, 3, 7, 13, 1);
    const images = causalImages(data, 3, { reference: 100, evaluation: 120, seed: 3 });
    for (const kind of ['zero', 'mean', 'resample'] as const) {
      const iv = await Intervener.create(net, images, { kind, seed: 1 });
      const scan = await scanLayer(iv, CLS, 'fc1');
      expect(scan.units).toHaveLength(300);
      for (const u of [0, 7, 123, 299]) {
        const one = await runAblation(iv, CLS, { layer: 'fc1', units: [u] });
        const s = scan.units[u]!;
        expect(s.targetLogitDrop).toBeCloseTo(one.targetLogitDrop, 4);
        expect(s.otherLogitDrop!).toBeCloseTo(one.otherLogitDrop!, 4);
        expect(s.targetAccuracy).toBeCloseTo(one.targetAccuracy.after, 10);
        expect(s.accuracy).toBeCloseTo(one.accuracy.after, 10);
      }
      expect(scan.units[7]!.targetLogitDrop).toBe(Math.max(...scan.units.map((u) => u.targetLogitDrop)));
      iv.dispose();
    }
    net.dispose();
    const conv = await randomNet('conv-2', [6, 6, 2], 3, 31);
    const ev = randomSplit(30, 72, 3, 32);
    const iv = await Intervener.create(conv, { evaluation: ev, reference: randomSplit(10, 72, 3, 33) }, { kind: 'mean', seed: 1 });
    const cls = { index: 1, name: '1' };
    const scan = await scanLayer(iv, cls, 'conv2');
    expect(scan.units).toHaveLength(64);
    for (const u of [0, 31, 63]) {
      const one = await runAblation(iv, cls, { layer: 'conv2', units: [u] });
      expect(scan.units[u]!.targetLogitDrop).toBeCloseTo(one.targetLogitDrop, 4);
      expect(scan.units[u]!.otherLogitDrop!).toBeCloseTo(one.otherLogitDrop!, 4);
    }
    iv.dispose();
    conv.dispose();
  });

  it('ablates edges by weight and by connection, counting only surviving weights', async () => {
    const net = await randomNet('conv-2', [6, 6, 2], 3, 41, 0.5);
    const state = await captureState(net);
    const iv = await Intervener.create(net, { evaluation: randomSplit(12, 72, 3, 42), reference: randomSplit(8, 72, 3, 43) }, { kind: 'mean', seed: 1 });
    const cls = { index: 0, name: '0' };
    const conn = await runAblation(iv, cls, { connections: [{ layer: 'conv2', from: 5, to: 9 }] });
    // The connection is the 9 kernel positions of input channel 5 into output channel 9.
    let kept = 0;
    for (let p = 0; p < 9; p++) kept += state.layers[1]!.mask[(p * 64 + 5) * 64 + 9]!;
    expect(conn.edges).toBe(kept);
    expect(conn.layer).toBeNull();
    const weights = Array.from({ length: 9 }, (_, p) => ({ layer: 'conv2', index: (p * 64 + 5) * 64 + 9 }));
    const byWeight = await runAblation(iv, cls, { weights });
    expect(byWeight.targetLogitDrop).toBeCloseTo(conn.targetLogitDrop, 6);
    iv.dispose();
    net.dispose();
  });

  it('refuses bad targets with one clear error', async () => {
    const net = await denseNet([5, 4, 3], 1);
    const iv = await Intervener.create(net, { evaluation: randomSplit(6, 5, 3, 1), reference: randomSplit(6, 5, 3, 2) }, { kind: 'zero', seed: 0 });
    const cls = { index: 1, name: '1' };
    await expect(runAblation(iv, cls, { layer: 'fc9', units: [0] })).rejects.toThrow(/layer fc9 does not exist.*fc1, fc2/);
    await expect(runAblation(iv, cls, { layer: 'fc2', units: [0] })).rejects.toThrow(/output layer/);
    await expect(runAblation(iv, cls, { layer: 'fc1', units: [4] })).rejects.toThrow(/unit 4 out of range/);
    await expect(runAblation(iv, cls, { weights: [{ layer: 'input', index: 0 }] })).rejects.toThrow(ValidationError);
    await expect(runAblation(iv, cls, { weights: [{ layer: 'fc1', index: 20 }] })).rejects.toThrow(/weight 20 out of range/);
    await expect(scanLayer(iv, cls, 'fc2')).rejects.toThrow(/not a hidden layer/);
    const noClass = await Intervener.create(net, { evaluation: classSubset(randomSplit(6, 5, 3, 1), 1, 5, true), reference: randomSplit(6, 5, 3, 2) }, { kind: 'zero', seed: 0 });
    await expect(runAblation(noClass, cls, { layer: 'fc1', units: [0] })).rejects.toThrow(/no image of class 1/);
    await expect(Intervener.create(net, { evaluation: randomSplit(6, 5, 3, 1), reference: randomSplit(0, 5, 3, 2) }, { kind: 'mean', seed: 0 })).rejects.toThrow(/needs reference images/);
    net.dispose();
  });
});
