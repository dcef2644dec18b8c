// Supermasks (edge-popup, Bernoulli) and random features through the real core and the built worker, on small
// synthetic sets; and every shipped preset validates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadPresets } from '../../src/main/core/presets';
import type { Core } from '../../src/main/core/service';
import type { RunSummary } from '../../src/shared/contract';
import type { NetState } from '../../src/shared/tensors';
import { ROOT, assertBuilt, tempDir } from '../helpers/cli';
import { testCore } from '../helpers/core';

const tmp = tempDir('ticketscope-supermask-');
const PRESETS = join(ROOT, 'resources', 'presets');
let core: Core;

const lenet = {
  version: 1,
  name: 'supermask-test',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
  batchSize: 60,
  iterations: 80,
  evalEvery: 40,
  validation: 300,
  seeds: [0],
  synthetic: { train: 1500, test: 300 },
};

const kept = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
/** Positions where two arrays differ bit for bit (Object.is: -0 differs from +0). */
const bitDiffs = (a: Float32Array, b: Float32Array) => a.filter((v, j) => !Object.is(v, b[j])).length;

beforeAll(() => {
  assertBuilt();
  core = testCore(tmp.dir);
});
afterAll(async () => {
  await core?.close();
  tmp.cleanup();
});

async function runOne(config: unknown): Promise<RunSummary> {
  const { runIds } = (await core.call('startRun', { config })) as { runIds: string[] };
  expect(runIds).toHaveLength(1);
  return core.waitForRun(runIds[0]!);
}
const load = (run: RunSummary, which: 'init' | 'trained', arch = 'lenet-300-100') => core.store.tensors.loadState(run.runId, 0, which, arch);

/** Weights and biases stay bit-identical to the init; returns how many mask positions changed per layer. */
function frozenCheck(init: NetState, trained: NetState): number[] {
  trained.layers.forEach((l, i) => {
    expect(bitDiffs(l.weight, init.layers[i]!.weight), l.name).toBe(0);
    expect(bitDiffs(l.bias, init.layers[i]!.bias), l.name).toBe(0);
  });
  return trained.layers.map((l, i) => l.mask.filter((m, j) => m !== init.layers[i]!.mask[j]).length);
}

describe('supermasks', () => {
  let edge: RunSummary;
  let bern: RunSummary;
  let bernAgain: RunSummary;
  let rounded: RunSummary;

  beforeAll(async () => {
    const bernoulli = {
      ...lenet,
      name: 'bernoulli',
      optimizer: { name: 'sgd', lr: 100, momentum: 0.9 },
      method: { kind: 'supermask', algorithm: 'bernoulli', weightInit: 'glorot-normal', dynamicWeightRescaling: true },
    };
    [edge, bern, bernAgain, rounded] = await Promise.all([
      runOne({ ...lenet, name: 'edge-popup', method: { kind: 'supermask', algorithm: 'edge-popup', density: 0.5 } }),
      runOne(bernoulli),
      runOne(bernoulli),
      runOne({ ...bernoulli, name: 'round-mask', method: { kind: 'supermask', algorithm: 'bernoulli', dynamicWeightRescaling: true, roundMask: true } }),
    ]);
  });

  it('edge-popup: weights bit-identical to the signed-constant init, k of each layer kept, the mask learned, well above chance', () => {
    expect([edge.kind, edge.status, edge.error]).toEqual(['supermask', 'done', null]);
    const init = load(edge, 'init');
    const trained = load(edge, 'trained');
    const changed = frozenCheck(init, trained);
    expect(changed.every((n) => n > 0)).toBe(true);
    // Signed Kaiming constant: every weight of a layer is ±sqrt(2 / fan_in).
    init.layers.forEach((l) => {
      const c = Math.fround(Math.sqrt(2 / l.shape[0]!));
      expect(l.weight.filter((w) => Math.abs(w) !== c).length, l.name).toBe(0);
    });
    expect(trained.layers.map((l) => kept(l.mask))).toEqual([117600, 15000, 500]);
    expect(init.layers.map((l) => kept(l.mask))).toEqual([117600, 15000, 500]);
    const d = core.store.repo.getRun(edge.runId);
    expect(d.rounds.map((r) => [r.round, r.density])).toEqual([[0, 0.5]]);
    expect(d.rounds[0]!.testAccuracy).toBeGreaterThan(0.4);
  });

  it('bernoulli: weights bit-identical, the sampled mask changes and trains to well above chance, reproducibly', () => {
    expect([bern.kind, bern.status, bern.error]).toEqual(['supermask', 'done', null]);
    const init = load(bern, 'init');
    const trained = load(bern, 'trained');
    expect(frozenCheck(init, trained).every((n) => n > 0)).toBe(true);
    const d = core.store.repo.getRun(bern.runId);
    expect(d.rounds[0]!.density).toBeGreaterThan(0.2);
    expect(d.rounds[0]!.density).toBeLessThan(0.8);
    expect(d.rounds[0]!.testAccuracy).toBeGreaterThan(0.4);
    // The same config and seed gives the same samples, masks and accuracy.
    expect(load(bernAgain, 'trained').layers.map((l) => l.mask)).toEqual(trained.layers.map((l) => l.mask));
    expect(core.store.repo.getRun(bernAgain.runId).rounds).toEqual(d.rounds);
  });

  it('bernoulli with signed-constant trains on Zhou et al.\'s constant: each layer ±std of its Glorot draw; roundMask trains and evaluates rounded masks', () => {
    expect([rounded.status, rounded.error]).toEqual(['done', null]);
    const init = load(rounded, 'init');
    init.layers.forEach((l) => {
      const c = Math.abs(l.weight[0]!);
      expect(l.weight.every((w) => Math.abs(w) === c), l.name).toBe(true);
      // The std of a Glorot draw: 1.0029 · sqrt(2 / (fan_in + fan_out)), not the Kaiming sqrt(2 / fan_in).
      expect(c / Math.sqrt(2 / (l.shape[0]! + l.shape[1]!)), l.name).toBeGreaterThan(0.98);
      expect(c / Math.sqrt(2 / (l.shape[0]! + l.shape[1]!)), l.name).toBeLessThan(1.03);
    });
    // Scores start at 0 and round to [s > 0]: the init mask is empty; training moves them, and the final mask is learned.
    expect(init.layers.every((l) => kept(l.mask) === 0)).toBe(true);
    const d = core.store.repo.getRun(rounded.runId);
    expect(d.rounds[0]!.density).toBeGreaterThan(0.05);
    expect(d.rounds[0]!.testAccuracy).toBeGreaterThan(0.3);
  });

  it('rejects options that do not apply, with clear errors', async () => {
    const bad = async (method: unknown) => core.call('startRun', { config: { ...lenet, method } }).then(() => 'accepted', (e: Error) => e.message);
    expect(await bad({ kind: 'supermask', algorithm: 'edge-popup' })).toMatch(/method\.density: edge-popup needs density/);
    expect(await bad({ kind: 'supermask', algorithm: 'bernoulli', density: 0.5 })).toMatch(/method\.density: applies to edge-popup only/);
    expect(await bad({ kind: 'supermask', algorithm: 'edge-popup', density: 0.5, evalMask: 'rounded' })).toMatch(/method\.evalMask: applies to algorithm bernoulli only/);
    expect(await bad({ kind: 'supermask', algorithm: 'edge-popup', density: 0.5, weightInit: 'zeros' })).toMatch(/method\.weightInit/);
    expect(await bad({ kind: 'supermask', algorithm: 'bernoulli', roundMask: true, evalMask: 'sampled' })).toMatch(/method\.evalMask: roundMask evaluates/);
    expect(await bad({ kind: 'random-features', controls: ['reinit'] })).toMatch(/method/);
  });
});

describe('random features', () => {
  it('LeNet-300-100: fc1 (the random feature map) bit-identical, the head trained', async () => {
    const run = await runOne({ ...lenet, name: 'rf-lenet', optimizer: { name: 'adam', lr: 0.0012 }, iterations: 40, evalEvery: 20, method: { kind: 'random-features' } });
    expect([run.kind, run.status, run.error]).toEqual(['random-features', 'done', null]);
    const init = load(run, 'init');
    const trained = load(run, 'trained');
    expect(bitDiffs(trained.layers[0]!.weight, init.layers[0]!.weight)).toBe(0);
    expect(bitDiffs(trained.layers[0]!.bias, init.layers[0]!.bias)).toBe(0);
    for (const i of [1, 2]) expect(bitDiffs(trained.layers[i]!.weight, init.layers[i]!.weight)).toBeGreaterThan(0);
    const d = core.store.repo.getRun(run.runId);
    expect(d.rounds[0]!.density).toBe(1);
    expect(d.rounds[0]!.testAccuracy).toBeGreaterThan(0.4);
  });

  it('Conv-2: every conv layer bit-identical, the fully connected head trained', async () => {
    const run = await runOne({
      ...lenet,
      name: 'rf-conv2',
      arch: 'conv-2',
      optimizer: { name: 'adam', lr: 0.0003 },
      batchSize: 16,
      iterations: 10,
      evalEvery: 10,
      validation: 100,
      synthetic: { train: 400, test: 100 },
      method: { kind: 'random-features' },
    });
    expect([run.status, run.error]).toEqual(['done', null]);
    const init = load(run, 'init', 'conv-2');
    const trained = load(run, 'trained', 'conv-2');
    expect(trained.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    trained.layers.forEach((l, i) => {
      const diffs = bitDiffs(l.weight, init.layers[i]!.weight) + bitDiffs(l.bias, init.layers[i]!.bias);
      if (l.kind === 'conv') expect(diffs, l.name).toBe(0);
      else expect(diffs, l.name).toBeGreaterThan(0);
    });
  });
});

describe('presets', () => {
  it('every preset validates, and the papers\' settings are there', () => {
    const presets = loadPresets(PRESETS);
    for (const name of [
      'quick', 'quick-imp', 'lenet-mnist-imp', 'lenet-fashion-mnist-imp', 'conv2-cifar10-imp', 'conv4-cifar10-imp', 'conv6-cifar10-imp',
      'supermask-conv4', 'edge-popup-conv4', 'edge-popup-conv6', 'random-features-conv4', 'snip-conv4', 'grasp-conv4', 'synflow-conv4',
      'conv2-cifar10-imp-dropout', 'conv4-cifar10-imp-dropout', 'conv6-cifar10-imp-dropout',
    ]) {
      expect(presets.has(name), name).toBe(true);
      expect(presets.get(name)!.description.length, name).toBeGreaterThan(100);
    }
    // Every preset that reproduces a paper lists how it differs from it.
    for (const [name, p] of presets) if (!name.startsWith('quick')) expect(p.description, name).toMatch(/Differences|Not a published setting|not a paper setting/i);
    // Frankle & Carbin's dropout experiments (Figure 6, Appendix H.5): rate 0.5, their learning rates, three times the iterations.
    for (const [arch, lr, its] of [['conv2', 0.0003, 60000], ['conv4', 0.0002, 75000], ['conv6', 0.0002, 90000]] as const) {
      const c = presets.get(`${arch}-cifar10-imp-dropout`)!.config;
      expect([c.optimizer.lr, c.iterations, c.dropout], arch).toEqual([lr, its, { fc: 0.5 }]);
      expect(c.augmentation, arch).toBeUndefined();
    }
    // Ramanujan et al.'s CIFAR-10 loader: 4-pixel padding with random crops, horizontal flips.
    for (const name of ['edge-popup-conv4', 'edge-popup-conv6']) expect(presets.get(name)!.config.augmentation).toEqual({ randomCrop: 4, horizontalFlip: true });
    for (const name of ['conv2-cifar10-imp', 'conv4-cifar10-imp', 'conv6-cifar10-imp', 'supermask-conv4']) expect(presets.get(name)!.config.augmentation, name).toBeUndefined();
    const conv6 = presets.get('conv6-cifar10-imp')!.config;
    expect([conv6.optimizer.lr, conv6.batchSize, conv6.iterations]).toEqual([0.0003, 60, 30000]);
    expect(conv6.method).toMatchObject({ kind: 'imp', rates: { conv: 0.15, fc: 0.2, output: 0.1 } });
    const quickImp = presets.get('quick-imp')!.config;
    expect(quickImp.method).toMatchObject({ kind: 'imp', controls: ['reinit', 'random-prune', 'shuffle'] });
    expect(quickImp.dataset).toBe('synthetic-mnist');
  });
});
