import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../src/shared/config';
import { parseExperimentConfig } from '../../src/shared/config';
import type { MetricPoint } from '../../src/shared/contract';
import { CancelledError, engine } from '../../src/main/engine/index';
import { loadDataset } from '../../src/main/engine/data/index';
import { createLenet300100 } from '../../src/main/engine/nets/lenet';
import { Rng } from '../../src/main/engine/rng';
import { BatchSampler, learningRateAt, trainRound } from '../../src/main/engine/train';
import type { TrainCallbacks } from '../../src/main/engine/types';

const base = parseExperimentConfig({
  version: 1,
  name: 'engine-test',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 300,
  evalEvery: 50,
  validation: 500,
  seeds: [0],
  method: { kind: 'dense' },
  synthetic: { train: 3000, test: 500 },
});

function recorder(cancelAt = Infinity): TrainCallbacks & { points: MetricPoint[][]; progress: number[]; tensors: number[] } {
  const r = {
    points: [] as MetricPoint[][],
    progress: [] as number[],
    tensors: [] as number[],
    onMetrics(p: MetricPoint[]) {
      r.points.push(p);
    },
    onProgress(it: number, total: number) {
      expect(total).toBe(base.iterations);
      r.progress.push(it);
      r.tensors.push(tf.memory().numTensors);
    },
    isCancelled() {
      return r.progress.length > 0 && r.progress[r.progress.length - 1]! >= cancelAt;
    },
  };
  return r;
}

describe('dense training', () => {
  beforeAll(async () => {
    await engine.selectBackend('wasm');
  });

  it('learns the synthetic set, reports every evalEvery, and is reproducible', async () => {
    const before = tf.memory().numTensors;
    const a = recorder();
    const ra = await engine.runDense(base, 0, a);
    expect(tf.memory().numTensors).toBe(before);
    // No growth across steps: the same tensor count at every progress call.
    expect(new Set(a.tensors).size).toBe(1);
    expect(a.progress).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) * 10));

    const iters = a.points.map((p) => p[0]!.iteration);
    expect(iters).toEqual([50, 100, 150, 200, 250, 300]);
    for (const p of a.points) {
      expect(p.map((q) => q.split)).toEqual(['train', 'validation', 'test']);
      for (const q of p) {
        expect(q.round).toBe(0);
        expect(Number.isFinite(q.loss)).toBe(true);
        expect(q.accuracy).toBeGreaterThanOrEqual(0);
        expect(q.accuracy).toBeLessThanOrEqual(1);
      }
    }
    const { round, normalisation } = ra;
    expect(round.round).toBe(0);
    expect(round.density).toBe(1);
    expect(iters).toContain(round.earlyStopIteration);
    const valLoss = a.points.map((p) => p[1]!.loss);
    const bestIdx = valLoss.indexOf(Math.min(...valLoss));
    expect(round.earlyStopIteration).toBe(iters[bestIdx]);
    expect(round.testAccuracy).toBe(a.points[bestIdx]![2]!.accuracy);
    expect(round.finalTestAccuracy).toBe(a.points[a.points.length - 1]![2]!.accuracy);
    expect(round.finalTestAccuracy).toBeGreaterThan(0.6);
    expect(normalisation).toEqual(loadDataset(base).normalisation);

    const b = recorder();
    const rb = await engine.runDense(base, 0, b);
    expect(rb).toEqual(ra);
    expect(b.points).toEqual(a.points);

    const c = recorder();
    await engine.runDense({ ...base, iterations: 50 }, 1, { ...c, onProgress: () => {} });
    // Another seed: another init and batch order, so other numbers at the first evaluation.
    expect(c.points[0]![2]!.loss).not.toBe(a.points[0]![2]!.loss);
    expect(c.points[0]![0]!.loss).not.toBe(a.points[0]![0]!.loss);
  });

  it('with earlyStopPatience, ends a round at the first evaluation that far past the best validation loss', async () => {
    // A large step size makes the validation loss stop improving early (best at 100, the stop due at 200); the full
    // run is the reference.
    const cfg: ExperimentConfig = { ...base, iterations: 300, optimizer: { name: 'adam', lr: 0.02 } };
    const full: MetricPoint[][] = [];
    const quiet = { onProgress: () => {}, isCancelled: () => false };
    await engine.runDense(cfg, 0, { ...quiet, onMetrics: (p) => full.push(p) });
    const patience = 100;
    const stopped: MetricPoint[][] = [];
    const r = await engine.runDense({ ...cfg, earlyStopPatience: patience }, 0, { ...quiet, onMetrics: (p) => stopped.push(p) });

    // Where the rule says it must stop, computed from the full run's validation losses.
    let best = { it: 0, loss: Infinity };
    let expectedStop = cfg.iterations;
    for (const p of full) {
      const v = p[1]!;
      if (v.loss < best.loss) best = { it: v.iteration, loss: v.loss };
      if (v.iteration - best.it >= patience) {
        expectedStop = v.iteration;
        break;
      }
    }
    expect(expectedStop).toBeLessThan(cfg.iterations);
    // The same steps up to the stop (the rule changes nothing before it), then nothing.
    expect(stopped).toEqual(full.slice(0, stopped.length));
    expect(stopped[stopped.length - 1]![0]!.iteration).toBe(expectedStop);
    expect(r.round.earlyStopIteration).toBe(best.it);
    expect(r.round.finalTestAccuracy).toBe(stopped[stopped.length - 1]![2]!.accuracy);
  });

  it('refuses an earlyStopPatience shorter than evalEvery', () => {
    expect(() => parseExperimentConfig({ ...base, earlyStopPatience: 10 })).toThrow(/earlyStopPatience.*at least evalEvery/);
  });

  it('stops with CancelledError when cancelled, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const r = recorder(30);
    await expect(engine.runDense(base, 0, r)).rejects.toBeInstanceOf(CancelledError);
    expect(r.progress[r.progress.length - 1]).toBe(30);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with no validation split, refuses to train rather than early-stop on the test set', async () => {
    const cfg: ExperimentConfig = { ...base, validation: 0, iterations: 100 };
    const points: MetricPoint[][] = [];
    await expect(engine.runDense(cfg, 0, { onMetrics: (p) => points.push(p), onProgress: () => {}, isCancelled: () => false })).rejects.toThrow(
      /no validation split: early stopping selects on the validation loss/,
    );
    expect(points).toEqual([]);
  });

  it('keeps pruned weights zero under SGD with momentum, weight decay and a cosine schedule', async () => {
    const cfg: ExperimentConfig = {
      ...base,
      iterations: 120,
      evalEvery: 60,
      optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-3, schedule: 'cosine' },
    };
    const data = loadDataset(cfg);
    const net = createLenet300100(2);
    const rng = new Rng(7);
    const masks: Float32Array[] = [];
    for (const l of net.layers) {
      const m = Float32Array.from({ length: l.inSize * l.outSize }, () => (rng.uniform() < 0.5 ? 1 : 0));
      await l.setMask(m);
      masks.push(m);
    }
    const { result, evaluations } = await trainRound({ net, data, config: cfg, seed: 0, round: 1, callbacks: { onMetrics: () => {}, onProgress: () => {}, isCancelled: () => false } });
    expect(result.round).toBe(1);
    expect(Math.abs(result.density - 0.5)).toBeLessThan(0.01);
    expect(evaluations.map((e) => e.iteration)).toEqual([60, 120]);
    expect(result.finalTestAccuracy).toBeGreaterThan(0.3);
    net.layers.forEach((l, i) => {
      const w = l.weight.dataSync();
      masks[i]!.forEach((m, j) => {
        if (m === 0) expect(w[j]).toBe(0);
      });
    });
    net.dispose();
    expect(learningRateAt(cfg.optimizer, 1, 100)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(cfg.optimizer, 51, 100)).toBeCloseTo(0.025, 12);
    expect(learningRateAt(cfg.optimizer, 100, 100)).toBeLessThan(0.0001);
    expect(learningRateAt(base.optimizer, 100, 100)).toBe(0.0012);
  });

  it('draws every example once per epoch, in a seeded order', () => {
    const s = new BatchSampler(10, 3, new Rng(1));
    const epoch = [...s.next(), ...s.next(), ...s.next()];
    expect(new Set(epoch).size).toBe(9);
    const t = new BatchSampler(10, 3, new Rng(1));
    expect([...t.next()]).toEqual(epoch.slice(0, 3));
  });
});
