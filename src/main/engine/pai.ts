// Pruning at initialisation: score every weight of a freshly initialised net and keep the best `density` of them.
// Criteria (docs/methods.md has the details and references):
//   magnitude  |w| at init.
//   snip       |g ⊙ w|, g the loss gradient on training batches (Lee et al. 2019: connection sensitivity).
//   grasp      S = -w ⊙ (H g) (Wang et al. 2020), H the Hessian and g the gradient of the loss with the logits
//              divided by a temperature; the HIGHEST scores are removed (the weights whose removal reduces the
//              gradient flow least), i.e. the lowest kept. H g by central differences of the gradient (below).
//   synflow    |w ⊙ dR/dw| with R = 1ᵀ (Π_l |W_l ⊙ M_l|) 1: the net's output summed on an all-ones input with every
//              weight and bias replaced by its absolute value (Tanaka et al. 2020); data-free and iterative: n
//              rounds of scoring and pruning, the density after round i being density^(i/n).
//   random     uniform random scores.
// Masks keep round(density · weights) over all layers (global ranking, the papers' choice) or per layer.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig, PruneAtInitCriterion } from '../../shared/config';
import type { Dataset } from './data/index';
import type { MaskedNet } from './nets/masked';
import { streamRng } from './rng';
import { keepTop } from './select';
import { BatchSampler, makeBatch, type Batch } from './train';

export interface AtInitSpec {
  criterion: PruneAtInitCriterion;
  /** Fraction of the prunable weights kept. */
  density: number;
  ranking: 'layerwise' | 'global';
  scoreBatches?: number;
  scoreBatchSize?: number;
  temperature?: number;
  iterations?: number;
}

export const DEFAULT_GRASP_TEMPERATURE = 200;
export const DEFAULT_SYNFLOW_ITERATIONS = 100;
/** Central-difference step for H g, relative to the norm of all prunable weights (see hessianGradientProduct). */
export const GRASP_FD_STEP = 1e-2;

const weightsOf = (net: MaskedNet): tf.Variable[] => net.layers.map((l) => l.weight);

/** out[j] = f(a[j], b[j]) for every layer, in plain loops (layers have millions of weights). */
function zipLayers(a: readonly Float32Array[], b: readonly ArrayLike<number>[], f: (x: number, y: number) => number): Float32Array[] {
  return a.map((x, i) => {
    const y = b[i]!;
    const out = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) out[j] = f(x[j]!, y[j]!);
    return out;
  });
}

/** Every layer's weights, read back with `await data()` (WebGPU has no synchronous read in Node). */
const read = async (net: MaskedNet): Promise<Float32Array[]> =>
  Promise.all(net.layers.map(async (l) => Float32Array.from((await l.weight.data()) as Float32Array)));

function assignWeights(net: MaskedNet, values: readonly Float32Array[]): void {
  net.layers.forEach((l, i) => tf.tidy(() => l.weight.assign(tf.tensor(values[i]!, l.weight.shape))));
}

/** Mean softmax cross-entropy of the net on a batch, the logits divided by `temperature`. */
function batchLoss(net: MaskedNet, b: Pick<Batch, 'x' | 'y'>, temperature: number): tf.Scalar {
  const logits = net.forward(b.x);
  return tf.losses.softmaxCrossEntropy(b.y, temperature === 1 ? logits : tf.div(logits, temperature)) as tf.Scalar;
}

/** d(loss)/dw for every layer's weight, averaged over the batches (float64 accumulation). */
export async function lossGradients(net: MaskedNet, batches: readonly Pick<Batch, 'x' | 'y'>[], temperature = 1): Promise<Float32Array[]> {
  if (!batches.length) throw new Error('scoring needs at least one batch');
  const ws = weightsOf(net);
  const acc = net.layers.map((l) => new Float64Array(l.size));
  for (const b of batches) {
    const gs = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => batchLoss(net, b, temperature), ws);
      return ws.map((w) => grads[w.name]!);
    });
    try {
      for (const [i, t] of gs.entries()) {
        const g = await t.data();
        const a = acc[i]!;
        for (let j = 0; j < a.length; j++) a[j]! += g[j]!;
      }
    } finally {
      tf.dispose(gs);
    }
  }
  return acc.map((a) => {
    const out = new Float32Array(a.length);
    for (let j = 0; j < a.length; j++) out[j] = a[j]! / batches.length;
    return out;
  });
}

export async function magnitudeScores(net: MaskedNet): Promise<Float32Array[]> {
  const w = await read(net);
  return zipLayers(w, w, (v) => Math.abs(v));
}

/** SNIP's connection sensitivity |g ⊙ w| (normalising by its sum, as the paper does, does not change the ranking). */
export async function snipScores(net: MaskedNet, batches: readonly Pick<Batch, 'x' | 'y'>[]): Promise<Float32Array[]> {
  const g = await lossGradients(net, batches);
  return zipLayers(await read(net), g, (v, gv) => Math.abs(v * gv));
}

/**
 * H g for the loss at `temperature`, with g its gradient (both averaged over the batches): by central differences
 * of the gradient along g, H g ≈ |g| (∇L(θ + ε ĝ) - ∇L(θ - ε ĝ)) / 2ε with ĝ = g / |g| and ε = GRASP_FD_STEP · |θ|.
 * tfjs has no double backpropagation through the nets' fused masked kernels; the difference is exact up to O(ε²)
 * for a smooth loss (and averages the curvature across the ReLU kinks within ε). The weights are restored exactly.
 */
export async function hessianGradientProduct(
  net: MaskedNet,
  batches: readonly Pick<Batch, 'x' | 'y'>[],
  temperature: number,
): Promise<{ g: Float32Array[]; hg: Float32Array[] }> {
  const g = await lossGradients(net, batches, temperature);
  let gg = 0;
  for (const a of g) for (const v of a) gg += v * v;
  const gNorm = Math.sqrt(gg);
  if (gNorm === 0) return { g, hg: g.map((a) => new Float32Array(a.length)) };
  const theta = await read(net);
  let tt = 0;
  for (const a of theta) for (const v of a) tt += v * v;
  const eps = GRASP_FD_STEP * (Math.sqrt(tt) || 1);
  const shifted = (sign: 1 | -1): Promise<Float32Array[]> => {
    const step = (sign * eps) / gNorm;
    assignWeights(net, zipLayers(theta, g, (v, gv) => v + step * gv));
    return lossGradients(net, batches, temperature);
  };
  try {
    const plus = await shifted(1);
    const minus = await shifted(-1);
    const scale = gNorm / (2 * eps);
    return { g, hg: zipLayers(plus, minus, (p, m) => scale * (p - m)) };
  } finally {
    assignWeights(net, theta);
  }
}

/** GraSP's score S(-θ) = -θ ⊙ H g: the HIGHEST scores are removed first. */
export async function graspScores(
  net: MaskedNet,
  batches: readonly Pick<Batch, 'x' | 'y'>[],
  temperature = DEFAULT_GRASP_TEMPERATURE,
): Promise<Float32Array[]> {
  const { hg } = await hessianGradientProduct(net, batches, temperature);
  return zipLayers(await read(net), hg, (v, h) => -v * h);
}

/**
 * SynFlow scores |w ⊙ dR/dw| of the net as it is (the caller has replaced the weights by their absolute values and
 * set the masks), R = sum of the outputs on one all-ones input.
 */
export async function synflowScores(net: MaskedNet): Promise<Float32Array[]> {
  const ws = weightsOf(net);
  const features = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  const scores: Float32Array[] = [];
  const gs = tf.tidy(() => {
    const ones = tf.ones([1, features]) as tf.Tensor2D;
    const { grads } = tf.variableGrads(() => tf.sum(net.forward(ones)) as tf.Scalar, ws);
    return ws.map((w) => grads[w.name]!);
  });
  try {
    for (const [i, w] of ws.entries()) {
      const g = await gs[i]!.data();
      const v = await w.data();
      const out = new Float32Array(v.length);
      for (let j = 0; j < v.length; j++) out[j] = Math.abs(v[j]! * g[j]!);
      scores.push(out);
    }
  } finally {
    tf.dispose(gs);
  }
  return scores;
}

/**
 * Iterative SynFlow: `iterations` rounds of scoring and pruning to density^(i/iterations) of the weights, each
 * round scoring the net masked by the previous one. The net's weights, biases and masks are restored afterwards.
 */
export async function synflowMasks(net: MaskedNet, density: number, iterations: number, ranking: 'layerwise' | 'global'): Promise<Uint8Array[]> {
  const saved = await Promise.all(
    net.layers.map(async (l) => ({ w: Float32Array.from((await l.weight.data()) as Float32Array), b: Float32Array.from((await l.bias.data()) as Float32Array) })),
  );
  const ones = net.layers.map((l) => new Uint8Array(l.size).fill(1));
  let masks: Uint8Array[] = ones;
  try {
    for (const l of net.layers) {
      tf.tidy(() => {
        l.weight.assign(tf.abs(l.weight));
        l.bias.assign(tf.abs(l.bias));
      });
    }
    for (let i = 1; i <= iterations; i++) {
      masks = keepTop(await synflowScores(net), density ** (i / iterations), ranking, masks);
      for (const [j, l] of net.layers.entries()) await l.setMask(masks[j]!);
    }
    return masks;
  } finally {
    for (const [j, l] of net.layers.entries()) {
      await l.setMask(ones[j]!);
      tf.tidy(() => {
        l.weight.assign(tf.tensor(saved[j]!.w, l.weight.shape));
        l.bias.assign(tf.tensor(saved[j]!.b, l.bias.shape));
      });
    }
  }
}

/** The training batches SNIP and GraSP score on: drawn from the run seed's own stream. */
export function scoringBatches(data: Dataset, batchSize: number, count: number, seed: number): Batch[] {
  const sampler = new BatchSampler(data.train.n, batchSize, streamRng(seed, 'prune-at-init/batches'));
  return Array.from({ length: count }, () => makeBatch(data.train, data.features, data.numClasses, sampler.next()));
}

/** The masks of pruning `net` (as initialised, all masks ones) at initialisation to `spec.density`. */
export async function pruneAtInitMasks(
  net: MaskedNet,
  data: Dataset,
  config: Pick<ExperimentConfig, 'batchSize'>,
  seed: number,
  spec: AtInitSpec,
): Promise<Uint8Array[]> {
  const { density, ranking } = spec;
  const withBatches = async (score: (batches: Batch[]) => Promise<Float32Array[]>): Promise<Float32Array[]> => {
    const batches = scoringBatches(data, spec.scoreBatchSize ?? config.batchSize, spec.scoreBatches ?? 1, seed);
    try {
      return await score(batches);
    } finally {
      for (const b of batches) {
        b.x.dispose();
        b.y.dispose();
        b.labels.dispose();
      }
    }
  };
  switch (spec.criterion) {
    case 'magnitude':
      return keepTop(await magnitudeScores(net), density, ranking);
    case 'random': {
      const rng = streamRng(seed, 'prune-at-init/random');
      const scores = net.layers.map((l) => {
        const r = new Float64Array(l.size);
        for (let j = 0; j < r.length; j++) r[j] = rng.nextUint32();
        return r;
      });
      return keepTop(scores, density, ranking);
    }
    case 'snip':
      return keepTop(await withBatches((b) => snipScores(net, b)), density, ranking);
    case 'grasp': {
      // Remove the highest scores = keep the highest negated scores.
      const s = await withBatches((b) => graspScores(net, b, spec.temperature ?? DEFAULT_GRASP_TEMPERATURE));
      return keepTop(zipLayers(s, s, (v) => -v), density, ranking);
    }
    case 'synflow':
      return synflowMasks(net, density, spec.iterations ?? DEFAULT_SYNFLOW_ITERATIONS, ranking);
  }
}
