// Rewinding to iteration k as open_lth runs it (Frankle et al. 2020): a rewound round trains steps k+1 .. T from the
// weights it is given, with a fresh optimizer, the learning rate of the schedule at step k and the batches its
// stream gives from the (k+1)-th on; round 0 of an experiment with rewinding (open_lth: pretraining to k, then
// level 0 from k) equals training to k and then taking up a rewound round from there.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig, type ExperimentConfig } from '../../src/shared/config';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { createLenet300100 } from '../../src/main/engine/nets/lenet';
import type { MaskedNet } from '../../src/main/engine/nets/masked';
import { streamRng } from '../../src/main/engine/rng';
import { BatchSampler, makeBatch, trainRound } from '../../src/main/engine/train';

const base = parseExperimentConfig({
  version: 1,
  name: 'rewind-test',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, schedule: 'cosine' },
  batchSize: 60,
  iterations: 10,
  evalEvery: 5,
  validation: 300,
  seeds: [0],
  method: { kind: 'dense' },
  synthetic: { train: 1500, test: 300 },
});
const quiet = { onMetrics: () => {}, onProgress: () => {}, isCancelled: () => false };
const weightsOf = (net: MaskedNet): Float32Array[] => net.layers.map((l) => Float32Array.from(l.weight.dataSync()));

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('a round rewound to iteration k', () => {
  it('trains steps k+1 .. T, its first step at the schedule\'s learning rate for step k on the stream\'s (k+1)-th batch, with no momentum yet', async () => {
    const data = loadDataset(base);
    const seed = 4;
    const k = 4;
    const round = 2;
    const net = createLenet300100(seed);
    const w0 = weightsOf(net);
    // The gradient of the mean cross-entropy at w0 on the batch the round's stream gives at step k+1, computed here.
    const sampler = new BatchSampler(data.train.n, base.batchSize, streamRng(seed, `batches/round${round}`));
    for (let i = 0; i < k; i++) sampler.next();
    const b = makeBatch(data.train, data.features, data.numClasses, sampler.next());
    const vars = net.layers.map((l) => l.weight);
    const g = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(b.y, net.forward(b.x)) as tf.Scalar, vars);
      return vars.map((v) => Float32Array.from(grads[v.name]!.dataSync()));
    });
    tf.dispose([b.x, b.y, b.labels]);

    const steps: number[] = [];
    let w1: Float32Array[] | null = null;
    const { evaluations } = await trainRound({
      net,
      data,
      config: base,
      seed,
      round,
      callbacks: quiet,
      startIteration: k,
      onStep: (it) => {
        steps.push(it);
        if (it === k + 1) w1 = weightsOf(net);
      },
    });
    expect(steps).toEqual([5, 6, 7, 8, 9, 10]);
    expect(steps).toHaveLength(base.iterations - k);
    expect(evaluations.map((e) => e.iteration)).toEqual([5, 10]);

    // SGD with momentum, fresh: the first update is lr · g. Fit lr and check the update is that multiple of g.
    let dg = 0;
    let gg = 0;
    w0.forEach((w, l) => w.forEach((v, j) => ((dg += (v - w1![l]![j]!) * g[l]![j]!), (gg += g[l]![j]! ** 2))));
    const lr = dg / gg;
    // The cosine schedule at step k: 0.1 · (1 + cos(π k / T)) / 2, not the 0.1 of step 0.
    const expected = 0.1 * 0.5 * (1 + Math.cos((Math.PI * k) / base.iterations));
    expect(Math.abs(lr / expected - 1)).toBeLessThan(1e-3);
    let residual = 0;
    let norm = 0;
    w0.forEach((w, l) => w.forEach((v, j) => ((residual += (v - w1![l]![j]! - expected * g[l]![j]!) ** 2), (norm += (v - w1![l]![j]!) ** 2))));
    expect(Math.sqrt(residual / norm)).toBeLessThan(1e-3);
    net.dispose();
  });

  it('round 0 with a fresh optimizer at k is training to k, then a round taken up at k (open_lth: pretraining, then level 0)', async () => {
    const cfg: ExperimentConfig = { ...base, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } };
    const data = loadDataset(cfg);
    const k = 3;
    const a = createLenet300100(6);
    await trainRound({ net: a, data, config: cfg, seed: 6, round: 0, callbacks: quiet, restartOptimizerAt: k });
    const b = createLenet300100(6);
    await trainRound({ net: b, data, config: { ...cfg, iterations: k }, seed: 6, round: 0, callbacks: quiet });
    await trainRound({ net: b, data, config: cfg, seed: 6, round: 0, callbacks: quiet, startIteration: k });
    const c = createLenet300100(6);
    await trainRound({ net: c, data, config: cfg, seed: 6, round: 0, callbacks: quiet });
    const [wa, wb, wc] = [weightsOf(a), weightsOf(b), weightsOf(c)];
    wa.forEach((w, l) => expect(Buffer.from(w.buffer).equals(Buffer.from(wb[l]!.buffer)), `layer ${l}`).toBe(true));
    // Without the restart the momentum carries over, and the weights differ.
    expect(Buffer.from(wa[0]!.buffer).equals(Buffer.from(wc[0]!.buffer))).toBe(false);
    for (const n of [a, b, c]) n.dispose();
  });

  it('refuses a start at or past the last iteration, and refuses to train without a validation split', async () => {
    const data = loadDataset(base);
    const net = createLenet300100(1);
    await expect(trainRound({ net, data, config: base, seed: 0, round: 1, callbacks: quiet, startIteration: 10 })).rejects.toThrow(/startIteration 10/);
    const noVal = loadDataset({ ...base, validation: 0 });
    await expect(trainRound({ net, data: noVal, config: base, seed: 0, round: 0, callbacks: quiet })).rejects.toThrow(/no validation split/);
    net.dispose();
  });
});
