// Instability analysis (Frankle, Dziugaite, Roy & Carbin 2020, "Linear Mode Connectivity and the Lottery Ticket
// Hypothesis", §2): train two copies of a network from the same state (an IMP round's rewind point under its mask)
// with different samples of SGD noise (here: data order), then measure the test error along the straight line
// between the two trained networks.
//
// Definitions (docs/analysis.md, "Instability", repeats them):
// - W(α) = α·W1 + (1 − α)·W2 for α = j/(points − 1), j = 0..points − 1 (computed as W2 + α·(W1 − W2), with α = 0
//   and 1 the trained copies exactly); every weight and bias is interpolated, the mask is the copies' common mask,
//   so pruned weights stay zero. E(α): the test error (1 − accuracy on the whole test split), L(α) the mean test
//   cross-entropy.
// - barrier (the paper's error barrier height, its measure of instability): max_α E(α) − (E(0) + E(1)) / 2. The paper
//   calls a network stable when this is below 2%. It is never negative (α = 0 and 1 are among the points), and it is
//   at least |E(0) − E(1)| / 2 even on a convex problem, so it is meant for two equally trained copies.
// - linearBarrier: max_α E(α) − (α·E(1) + (1 − α)·E(0)), the rise above the chord between the endpoints (for any two
//   points, e.g. of one trajectory: ≤ 0 for a convex function). The same two for the loss: lossBarrier,
//   linearLossBarrier.
// - Training: the engine's trainRound (train.ts) with the experiment's optimiser, batch size and iterations, once per
//   copy with its own seed; trainRound's seed only draws the batch order (stream "batches/round<R>"), so the copies
//   differ in data order only (and in whatever other noise trainRound draws from its seed). The copies' final weights
//   are compared (not their early-stopping iterates), as in the paper.
import type { ExperimentConfig } from '../../../shared/config';
import { ValidationError } from '../../../shared/errors';
import type { NetState } from '../../../shared/tensors';
import type { Dataset } from '../data/index';
import type { MaskedNet } from '../nets/masked';
import { captureState } from '../state';
import { evaluate, trainRound } from '../train';
import { CancelledError } from '../types';
import type { RunControl } from './intervene';
import { loadState, netFromState } from './net';

export interface InstabilityPoint {
  alpha: number;
  testError: number;
  testLoss: number;
}

export interface InterpolationResult {
  barrier: number;
  linearBarrier: number;
  lossBarrier: number;
  linearLossBarrier: number;
  points: InstabilityPoint[];
}

/** α = 0, 1/(points − 1), ..., 1. */
export function alphas(points: number): number[] {
  if (!Number.isInteger(points) || points < 2) throw new ValidationError(`instability needs at least 2 points, got ${points}`);
  return Array.from({ length: points }, (_, j) => (j === points - 1 ? 1 : j / (points - 1)));
}

/** The barriers of a curve (see the header); values[j] at alphas[j], which run from 0 to 1. */
export function barriers(points: readonly { alpha: number; value: number }[]): { barrier: number; linear: number } {
  const e0 = points[0]!.value;
  const e1 = points[points.length - 1]!.value;
  let top = -Infinity;
  let linear = -Infinity;
  for (const p of points) {
    top = Math.max(top, p.value);
    linear = Math.max(linear, p.value - (p.alpha * e1 + (1 - p.alpha) * e0));
  }
  return { barrier: top - (e0 + e1) / 2, linear };
}

function sameMasks(a: NetState, b: NetState): void {
  if (a.layers.length !== b.layers.length) throw new ValidationError('the two states have different architectures');
  a.layers.forEach((l, k) => {
    const m = b.layers[k]!.mask;
    if (l.mask.length !== m.length || l.mask.some((v, i) => v !== m[i])) throw new ValidationError(`the two states have different masks in ${l.name}`);
  });
}

/** W2 + α·(W1 − W2) for every weight and bias (α = 0: W2, α = 1: W1, exactly); W1's mask. */
function interpolate(w1: NetState, w2: NetState, alpha: number): NetState {
  const mix = (x: Float32Array, y: Float32Array): Float32Array => (alpha === 1 ? x : alpha === 0 ? y : y.map((v, i) => v + alpha * (x[i]! - v)));
  return { arch: w1.arch, layers: w1.layers.map((l, k) => ({ ...l, weight: mix(l.weight, w2.layers[k]!.weight), bias: mix(l.bias, w2.layers[k]!.bias) })) };
}

/** Test error and loss along the line from w2 (α = 0) to w1 (α = 1), in `net` (overwritten). */
export async function interpolationCurve(net: MaskedNet, w1: NetState, w2: NetState, data: Dataset, points: number, control: RunControl = {}): Promise<InterpolationResult> {
  sameMasks(w1, w2);
  const as = alphas(points);
  const out: InstabilityPoint[] = [];
  for (const [j, alpha] of as.entries()) {
    if (control.isCancelled?.()) throw new CancelledError();
    await loadState(net, interpolate(w1, w2, alpha));
    const { loss, accuracy } = await evaluate(net, data.test, data.features, data.numClasses);
    out.push({ alpha, testError: 1 - accuracy, testLoss: loss });
    control.progress?.('interpolation', j + 1, as.length);
  }
  const e = barriers(out.map((p) => ({ alpha: p.alpha, value: p.testError })));
  const l = barriers(out.map((p) => ({ alpha: p.alpha, value: p.testLoss })));
  return { barrier: e.barrier, linearBarrier: e.linear, lossBarrier: l.barrier, linearLossBarrier: l.linear, points: out };
}

export interface InstabilityOptions {
  /** Where both copies start: weights, biases and mask (an IMP round's rewind point under the round's mask). */
  start: NetState;
  data: Dataset;
  /** Optimiser, batch size, iterations and evaluation interval of the training (the experiment's, iterations those left after the rewind point). */
  config: ExperimentConfig;
  /** The copies' data-order seeds (trainRound's seed). */
  seeds: [number, number];
  /** The round, for trainRound's batch stream name. */
  round: number;
  points: number;
  /** A fresh net of the start state's shape (default: the architecture of `start.arch` on the data set). */
  makeNet?: () => MaskedNet | Promise<MaskedNet>;
}

export interface InstabilityResult extends InterpolationResult {
  seeds: [number, number];
  /** Each copy's result: test error of its final weights, and trainRound's round result. */
  copies: { seed: number; testError: number; earlyStopTestAccuracy: number; earlyStopIteration: number }[];
}

/** Train the two copies and measure the line between them (see the header). */
export async function runInstability(o: InstabilityOptions, control: RunControl = {}): Promise<InstabilityResult> {
  const make = async (): Promise<MaskedNet> => {
    if (!o.makeNet) return netFromState(o.start, o.data);
    const net = await o.makeNet();
    await loadState(net, o.start);
    return net;
  };
  const trained: NetState[] = [];
  const copies: InstabilityResult['copies'] = [];
  for (const [c, seed] of o.seeds.entries()) {
    const net = await make();
    try {
      const stage = `training copy ${c + 1} of 2`;
      const { result } = await trainRound({
        net,
        data: o.data,
        config: o.config,
        seed,
        round: o.round,
        callbacks: { onMetrics: () => {}, onProgress: (it, total) => control.progress?.(stage, it, total), isCancelled: () => control.isCancelled?.() ?? false },
      });
      trained.push(await captureState(net));
      copies.push({ seed, testError: NaN, earlyStopTestAccuracy: result.testAccuracy, earlyStopIteration: result.earlyStopIteration });
    } finally {
      net.dispose();
    }
  }
  const net = await make();
  try {
    const curve = await interpolationCurve(net, trained[0]!, trained[1]!, o.data, o.points, control);
    copies[0]!.testError = curve.points[curve.points.length - 1]!.testError;
    copies[1]!.testError = curve.points[0]!.testError;
    return { ...curve, seeds: [...o.seeds], copies };
  } finally {
    net.dispose();
  }
}
