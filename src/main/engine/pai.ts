// Pruning at initialisation: score every weight of a freshly initialised net and keep the best `density` of them.
// Criteria (docs/methods.md has the details and references):
//   magnitude  |w| at init.
//   snip       |g ⊙ w|, g the loss gradient on training batches (Lee et al. 2019: connection sensitivity).
//   grasp      S = -w ⊙ (H g) (Wang et al. 2020), H the Hessian and g the gradient of the loss with the logits
//              divided by a temperature; the HIGHEST scores are removed (the weights whose removal reduces the
//              gradient flow least), i.e. the lowest kept. H g exactly, by double backpropagation (below).
//   synflow    |w ⊙ dR/dw| with R = 1ᵀ (Π_l |W_l ⊙ M_l|) 1: the net's output summed on an all-ones input with every
//              weight and bias replaced by its absolute value (Tanaka et al. 2020); data-free and iterative: n
//              rounds of scoring and pruning, the density after round i being density^(i/n).
//   random     uniform random scores.
// Masks keep round(density · weights) over all layers (global ranking, the papers' choice) or per layer.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig, PruneAtInitCriterion } from '../../shared/config';
import type { Dataset } from './data/index';
import type { MaskedNet } from './nets/masked';
import { registerSecondOrderGradients } from './kernels/gradients';
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

/**
 * Mean softmax cross-entropy of `logits` against one-hot `y`, differentiable twice on the tape. tf.losses'
 * softmaxCrossEntropy saves log-softmax computed inside its custom op, which the tape cannot trace back to the
 * logits, so a second derivative through it misses the softmax curvature. Here the gradient, (softmax(z) − y) / n,
 * is computed from the saved logits by ordinary ops (a shift by the row maximum for range; the shift cancels exactly
 * in softmax), so an outer gradient differentiates it.
 */
function crossEntropy(logits: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  const n = logits.shape[0];
  const op = tf.customGrad((...args) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([z]);
    return {
      value: tf.div(tf.sum(tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(y, z), 1))), n) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const zs = saved[0] as tf.Tensor2D;
        const e = tf.exp(tf.sub(zs, tf.max(zs, 1, true)));
        const p = tf.div(e, tf.sum(e, 1, true));
        return tf.mul(dy as tf.Tensor, tf.div(tf.sub(p, y), n));
      },
    };
  });
  return op(logits) as tf.Scalar;
}

/** Mean softmax cross-entropy of the net on a batch, the logits divided by `temperature`. */
function batchLoss(net: MaskedNet, b: Pick<Batch, 'x' | 'y'>, temperature: number): tf.Scalar {
  const logits = net.forward(b.x);
  return crossEntropy(temperature === 1 ? logits : tf.div(logits, temperature), b.y);
}

/**
 * The mean over the batches of per-layer tensors (float64 accumulation): `perBatch` runs in a tidy and returns one
 * tensor per layer, read back with `await data()` and disposed.
 */
async function batchMean(net: MaskedNet, batches: readonly Pick<Batch, 'x' | 'y'>[], perBatch: (b: Pick<Batch, 'x' | 'y'>) => tf.Tensor[]): Promise<Float32Array[]> {
  if (!batches.length) throw new Error('scoring needs at least one batch');
  const acc = net.layers.map((l) => new Float64Array(l.size));
  for (const b of batches) {
    const ts = tf.tidy(() => perBatch(b));
    try {
      for (const [i, t] of ts.entries()) {
        const v = await t.data();
        const a = acc[i]!;
        for (let j = 0; j < a.length; j++) a[j]! += v[j]!;
      }
    } finally {
      tf.dispose(ts);
    }
  }
  return acc.map((a) => Float32Array.from(a, (v) => v / batches.length));
}

/** d(loss)/dw for every layer's weight, averaged over the batches (float64 accumulation). */
export async function lossGradients(net: MaskedNet, batches: readonly Pick<Batch, 'x' | 'y'>[], temperature = 1): Promise<Float32Array[]> {
  const ws = weightsOf(net);
  return batchMean(net, batches, (b) => {
    const { grads } = tf.variableGrads(() => batchLoss(net, b, temperature), ws);
    return ws.map((w) => grads[w.name]!);
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
 * While `f` runs, every layer without a weight transform computes with w ⊙ m formed on the tape (weightTransform),
 * rather than inside its fused masked kernel where the tape cannot see it: the kernel's saved weight is then its
 * input, so the second derivative through the layer's input gradient (dx = dy · (w ⊙ m)ᵀ) reaches w. With an
 * all-ones mask (pruning at initialisation) the layers already pass w itself; the transform is then only a product
 * with ones. Restored afterwards.
 */
async function withTapedWeights<T>(net: MaskedNet, f: () => Promise<T>): Promise<T> {
  const set = net.layers.filter((l) => l.weightTransform === null);
  for (const l of set) l.weightTransform = (w) => tf.mul(w, l.mask);
  try {
    return await f();
  } finally {
    for (const l of set) l.weightTransform = null;
  }
}

/**
 * H g for the loss at `temperature`, with g its gradient and H its Hessian with respect to every layer's weights
 * (biases are not scored; both averaged over the batches), computed exactly by double backpropagation as the
 * authors' code does with autograd.grad(..., create_graph=True): per batch, z = Σ_layers ⟨g, ∇_w L_batch(w)⟩ with g
 * held constant, and ∇_w z = H_batch g. The inner gradient is taped, and the outer one backpropagates through it;
 * kernels/gradients.ts adds the gradients of the conv and pooling gradient kernels tfjs lacks. ReLU's and max
 * pooling's second derivatives are zero almost everywhere, as in PyTorch. The weights are not changed.
 */
export async function hessianGradientProduct(
  net: MaskedNet,
  batches: readonly Pick<Batch, 'x' | 'y'>[],
  temperature: number,
): Promise<{ g: Float32Array[]; hg: Float32Array[] }> {
  registerSecondOrderGradients();
  const g = await lossGradients(net, batches, temperature);
  const ws = weightsOf(net);
  const gt = g.map((a, i) => tf.tensor(a, ws[i]!.shape));
  try {
    const hg = await withTapedWeights(net, () =>
      batchMean(net, batches, (b) => {
        const { grads } = tf.variableGrads(() => {
          const { grads: inner } = tf.variableGrads(() => batchLoss(net, b, temperature), ws);
          return tf.addN(ws.map((w, i) => tf.sum(tf.mul(gt[i]!, inner[w.name]!)))) as tf.Scalar;
        }, ws);
        return ws.map((w) => grads[w.name]!);
      }),
    );
    return { g, hg };
  } finally {
    tf.dispose(gt);
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
