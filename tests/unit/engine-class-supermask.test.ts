// Class-specific (one-vs-rest) supermasks: the trainer's objective hook. A hand-set net with a detector of class 0
// planted among random weights: a one-vs-rest edge-popup supermask must find it (keep the planted path, drop what
// drowns it), so that the class logit of the masked frozen net separates the class from the rest (AUROC near 1).
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSpec } from '../../src/main/core/planner';
import { loadPresets } from '../../src/main/core/presets';
import { parseExperimentConfig } from '../../src/shared/config';
import { objectiveClass, runObjectiveOf } from '../../src/shared/objective';
import { selectBackend } from '../../src/main/engine/backend';
import type { Dataset, DataSplit } from '../../src/main/engine/data/index';
import { MaskedDense, netHelpers, stagedForward, type MaskedNet } from '../../src/main/engine/nets/masked';
import { balancedAccuracy, oneVsRestObjective } from '../../src/main/engine/one-vs-rest';
import { Rng } from '../../src/main/engine/rng';
import { objectiveOf, runRound } from '../../src/main/engine/rounds';
import { Supermask } from '../../src/main/engine/supermask';
import { evaluate, makeBatch, trainRound } from '../../src/main/engine/train';

const IN = 6;
const HIDDEN = 8;
const CLASSES = 3;

/** x ~ N(0, 1)^6; class 0 iff x0 > 0, else class 1 or 2 at random. */
function split(n: number, rng: Rng): DataSplit {
  const x = Float32Array.from({ length: n * IN }, () => rng.normal());
  const y = Uint8Array.from({ length: n }, (_, i) => (x[i * IN]! > 0 ? 0 : 1 + (rng.nextUint32() % 2)));
  return { x, y, n };
}

/** LeNet-like 6-8-3 with hand-set weights: hidden unit 0 reads x0 (weight 3), and feeds logit 0 (weight 3). */
function plantedNet(): MaskedNet<MaskedDense> {
  const rng = new Rng(4);
  const fc1 = new MaskedDense('fc1', IN, HIDDEN, 'glorot-normal', rng);
  const fc2 = new MaskedDense('fc2', HIDDEN, CLASSES, 'glorot-normal', rng);
  const w1 = Float32Array.from(fc1.weight.dataSync());
  const w2 = Float32Array.from(fc2.weight.dataSync());
  // Noise of the same size everywhere else: ±1 at random (a mask must drop it from logit 0's path).
  for (let k = 0; k < w1.length; k++) w1[k] = rng.nextUint32() % 2 ? 1 : -1;
  for (let k = 0; k < w2.length; k++) w2[k] = rng.nextUint32() % 2 ? 1 : -1;
  w1[0 * HIDDEN + 0] = 3; // x0 → hidden 0
  w2[0 * CLASSES + 0] = 3; // hidden 0 → logit 0
  fc1.weight.assign(tf.tensor2d(w1, [IN, HIDDEN]));
  fc2.weight.assign(tf.tensor2d(w2, [HIDDEN, CLASSES]));
  const layers = [fc1, fc2];
  return {
    arch: 'planted',
    inputShape: [1, 1, IN],
    layers,
    ...stagedForward([(x) => tf.relu(fc1.apply(x as tf.Tensor2D, false)), (h, input) => fc2.apply(input(h) as tf.Tensor2D)]),
    ...netHelpers(layers),
  };
}

/** AUROC by its definition: P(score of a positive > score of a negative) + ties / 2, over all pairs. */
function auroc(scores: ArrayLike<number>, positive: (i: number) => boolean): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (positive(i) ? pos : neg).push(scores[i]!);
  let s = 0;
  for (const p of pos) for (const q of neg) s += p > q ? 1 : p === q ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

const config = parseExperimentConfig({
  version: 1,
  name: 'planted',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, schedule: 'cosine' },
  batchSize: 64,
  iterations: 1000,
  evalEvery: 100,
  validation: 100,
  seeds: [0],
  method: { kind: 'supermask', algorithm: 'edge-popup', density: 0.5, objective: { kind: 'one-vs-rest', class: 0 } },
});

let open: (() => void) | null = null;
beforeAll(async () => {
  await selectBackend('wasm');
});
afterEach(() => {
  open?.();
  open = null;
});

describe('class-specific supermask on a planted detector', () => {
  it('keeps the planted path and makes the class logit separate the class (AUROC near 1)', async () => {
    const rng = new Rng(11);
    const data: Dataset = {
      name: 'planted',
      inputShape: [1, 1, IN],
      features: IN,
      numClasses: CLASSES,
      train: split(2000, rng),
      validation: split(300, rng),
      test: split(1000, rng),
      normalisation: { mean: 0, std: 1 },
    };
    const net = plantedNet();
    const sm = new Supermask(net, { algorithm: 'edge-popup', density: 0.5, dynamicWeightRescaling: false }, 3);
    open = () => {
      sm.dispose();
      net.dispose();
    };
    const logit0 = async (): Promise<Float32Array> => {
      const b = makeBatch(data.test, IN, CLASSES, null, 0, data.test.n);
      const z = tf.tidy(() => tf.squeeze(tf.slice(net.forward(b.x), [0, 0], [-1, 1]), [1]));
      const out = Float32Array.from(await z.data());
      tf.dispose([b.x, b.y, b.labels, z]);
      return out;
    };
    // Before: the init mask (the scores' own top half) leaves the planted path in ±1 noise.
    await sm.onEvaluate('begin');
    const before = auroc(await logit0(), (i) => data.test.y[i] === 0);
    await sm.onEvaluate('end');

    const w = 2000 / Array.from(data.train.y).filter((c) => c === 0).length - 1;
    const { evaluations } = await trainRound({
      net,
      data,
      config,
      seed: 3,
      round: 0,
      callbacks: { onMetrics: () => {}, onProgress: () => {}, isCancelled: () => false },
      trainable: sm.scores,
      decayed: () => sm.scores,
      beforeStep: () => sm.prepareStep(),
      onEvaluate: (phase) => sm.onEvaluate(phase),
      objective: oneVsRestObjective(0, w),
    });
    const final = sm.lastEvalMasks!;
    expect(final[0]![0 * HIDDEN + 0]).toBe(1);
    expect(final[1]![0 * CLASSES + 0]).toBe(1);
    await sm.onEvaluate('begin');
    const z = await logit0();
    const after = auroc(z, (i) => data.test.y[i] === 0);
    // evaluate() with the objective against the definitions, computed here in plain JS from the same logits: the
    // weighted BCE on logit 0 and the balanced accuracy of z > 0.
    const ev = await evaluate(net, data.test, IN, CLASSES, 256, oneVsRestObjective(0, w));
    await sm.onEvaluate('end');
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    let bce = 0;
    const tally = [0, 0, 0, 0];
    z.forEach((v, i) => {
      const pos = data.test.y[i] === 0;
      bce += pos ? w * softplus(-v) : softplus(v);
      const k = pos ? 0 : 2;
      tally[k]! += pos ? +(v > 0) : +(v <= 0);
      tally[k + 1]!++;
    });
    expect(ev.loss).toBeCloseTo(bce / z.length, 4);
    expect(ev.accuracy).toBeCloseTo((tally[0]! / tally[1]! + tally[2]! / tally[3]!) / 2, 10);

    expect(after).toBeGreaterThan(0.95);
    expect(after).toBeGreaterThan(before);
    // The reported accuracy is the balanced accuracy of "logit 0 > 0" (chance 0.5), not 3-way accuracy.
    const last = evaluations[evaluations.length - 1]!;
    expect(last.test.accuracy).toBeGreaterThan(0.85);
    expect(last.test.accuracy).toBeLessThanOrEqual(1);
    // Early stopping keys on the same (one-vs-rest) loss: the validation loss falls below its first value.
    expect(Math.min(...evaluations.map((e) => e.validation.loss))).toBeLessThanOrEqual(evaluations[0]!.validation.loss);
  }, 120_000);
});

describe('one-vs-rest objective wiring', () => {
  it('balanced accuracy is the mean of the two recalls', () => {
    expect(balancedAccuracy(9, 10, 45, 90)).toBeCloseTo((0.9 + 0.5) / 2, 12);
    expect(balancedAccuracy(3, 4, 0, 0)).toBe(0.75);
    expect(balancedAccuracy(0, 0, 0, 0)).toBeNaN();
  });

  it('names classes by name or index, refuses others in the schema, and resolves the positive weight once', () => {
    expect(objectiveClass('cifar10', 'dog')).toEqual({ index: 5 });
    expect(objectiveClass('synthetic-cifar', 5)).toEqual({ index: 5 });
    expect(objectiveClass('mnist', '7')).toEqual({ index: 7 });
    const base = { ...config, dataset: 'cifar10', arch: 'conv-4' };
    expect(() => parseExperimentConfig({ ...base, method: { ...config.method, objective: { kind: 'one-vs-rest', class: 'wolf' } } })).toThrow(
      /method\.objective\.class: class "wolf" is not a class of cifar10/,
    );
    expect(() => parseExperimentConfig({ ...base, method: { ...config.method, objective: { kind: 'one-vs-rest', class: 10 } } })).toThrow(/out of range/);
    expect(() => parseExperimentConfig({ ...base, method: { ...config.method, objective: { kind: 'one-vs-rest' } } })).toThrow(/objective\.class/);
    const dog = parseExperimentConfig({ ...base, method: { ...config.method, objective: { kind: 'one-vs-rest', class: 'dog' } } });
    expect(runObjectiveOf(dog.dataset, dog.method)).toEqual({ kind: 'one-vs-rest', class: 5, className: 'dog', metric: 'balanced-accuracy' });
    expect(runObjectiveOf(config.dataset, { kind: 'supermask' })).toBeNull();
    // Default objective: the trainer's own (softmax cross-entropy); no objective object is built.
    expect(objectiveOf(dog, undefined, [0, 1])).toBeUndefined();
    expect(objectiveOf(dog, { kind: 'classification' }, [0, 1])).toBeUndefined();
    expect(() => objectiveOf(dog, { kind: 'one-vs-rest', class: 5 }, [0, 1, 2])).toThrow(/no example of class 5/);
  });
});

describe('class-specific presets', () => {
  it('the dog preset is edge-popup-conv4 but for its one-vs-rest objective, and lists its differences', () => {
    const presets = loadPresets(join(__dirname, '..', '..', 'resources', 'presets'));
    const dog = presets.get('edge-popup-conv4-dog')!;
    const base = presets.get('edge-popup-conv4')!.config;
    const { name: _n, description: _d, method, ...rest } = dog.config;
    const { name: _bn, description: _bd, method: baseMethod, ...baseRest } = base;
    expect(rest).toEqual(baseRest);
    expect(method).toEqual({ ...baseMethod, objective: { kind: 'one-vs-rest', class: 'dog' } });
    expect(dog.description).toMatch(/Differences from the papers/);
    const quick = presets.get('quick-class-supermask')!.config;
    expect(quick).toMatchObject({ dataset: 'synthetic-mnist', method: { kind: 'supermask', objective: { kind: 'one-vs-rest', class: 5 } } });
  });
});

describe('Bernoulli supermask with the one-vs-rest objective, through runRound', () => {
  it('trains, reports balanced accuracies and keeps the weights frozen', async () => {
    const c = parseExperimentConfig({
      ...config,
      iterations: 20,
      evalEvery: 10,
      optimizer: { name: 'sgd', lr: 50, momentum: 0.9 },
      synthetic: { train: 600, test: 300 },
      method: { kind: 'supermask', algorithm: 'bernoulli', dynamicWeightRescaling: true, objective: { kind: 'one-vs-rest', class: '3' } },
    });
    const metrics: { split: string; accuracy: number; loss: number }[] = [];
    const none = () => {
      throw new Error('a supermask round reads no stored state');
    };
    // The planner's spec: the objective travels from the config to the round.
    const spec = buildSpec(c, 'supermask', 0, { own: none, parent: none, parentHasRewind: () => false, ownHasRewind: () => false });
    expect(spec.training).toMatchObject({ kind: 'supermask', algorithm: 'bernoulli', objective: { kind: 'one-vs-rest', class: '3' } });
    const out = await runRound(c, 0, spec, {
      onMetrics: (p) => metrics.push(...p),
      onProgress: () => {},
      isCancelled: () => false,
    });
    expect(metrics.length).toBe(6);
    for (const m of metrics) {
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.accuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(m.loss)).toBe(true);
    }
    out.states.init.layers.forEach((l, i) => expect(out.states.trained.layers[i]!.weight).toEqual(l.weight));
    expect(out.result.density).toBeGreaterThan(0.2);
    expect(out.result.density).toBeLessThan(0.8);
  }, 120_000);
});
