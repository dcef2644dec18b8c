// Dense training (round 0 of every lottery-ticket experiment) of a masked net on an in-memory data set.
//
// Measured on the 2-core dev VM (Node 22, tfjs 4.22, LeNet-300-100, batch 60, Adam, other jobs running alongside):
//   wasm (SIMD, single thread: tfjs-backend-wasm has no threads in Node): 8-10 ms/step (kernels ~7.5 ms);
//        one evaluation of 4,000 examples (validation + test): about 0.1 s.
//   cpu  (plain JS): about 150 ms/step, 2.4 s per evaluation of 4,000 examples; 15x slower, hence wasm before cpu.
//   The quick preset (1,500 steps, 30 evaluations, 14,000 generated examples): about 16 s in process, about 20 s
//   end to end through the CLI (process start, worker, store).
// What makes wasm fast here (nets/masked.ts): the masked matMul's gradient materialises transposes (wasm's matMul
// with transposeA/B set is ~10x slower: 26 ms/step before), skips dx for the first layer (its input is data) and
// skips the products with an all-ones mask (dense round). Data generation (synthetic-mnist, 14,000 images) ~0.8 s.
// Inputs of any shape: batches are flat rows [n, h·w·c] of NHWC images (as the data sets store them) and each net
// reshapes them itself (conv nets to [n, h, w, c]; nets/conv.ts), so this loop is the same for every architecture.
// Conv nets on wasm (batch 60, same VM shared with other jobs, with the conv gradient kernels of kernels/wasm-conv.ts;
// `npm run bench` prints current figures): Conv-2 1.2-1.6 s/step, Conv-4 2.1-2.3 s/step, Conv-6 about 3.4 s/step,
// nearly all in XNNPACK convolutions (forward, dx, and dW at about half the forward's efficiency); evaluation passes
// use chunks of 255 CIFAR-sized examples. Synthetic-cifar generation (12,000 images) takes about 1.4 s.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../shared/config';
import type { MetricPoint, RoundResult } from '../../shared/contract';
import { augmentBatch, blackPixel } from './augment';
import type { DataSplit, Dataset } from './data/index';
import { dropoutNoise, dropoutRates } from './dropout';
import type { MaskedNet } from './nets/lenet';
import type { Rng } from './rng';
import { streamRng } from './rng';
import { CancelledError } from './types';
import type { TrainCallbacks } from './types';

/** Examples per forward pass when evaluating a whole split. */
export const EVAL_CHUNK = 1000;
/** Yield to the event loop every this many steps, so cancel messages can arrive. */
export const YIELD_EVERY = 20;
/** Call onProgress every this many steps (and at the last). */
export const PROGRESS_EVERY = 10;

/** Draws batches of indices: a fresh seeded permutation per epoch; a last partial batch is dropped. */
export class BatchSampler {
  private perm: Uint32Array;
  private pos = 0;
  readonly batchSize: number;

  constructor(
    private readonly n: number,
    batchSize: number,
    private readonly rng: Rng,
  ) {
    if (n <= 0) throw new Error('cannot draw batches from an empty split');
    this.batchSize = Math.min(batchSize, n);
    this.perm = rng.permutation(n);
  }

  next(): Uint32Array {
    if (this.pos + this.batchSize > this.n) {
      this.perm = this.rng.permutation(this.n);
      this.pos = 0;
    }
    const out = this.perm.slice(this.pos, this.pos + this.batchSize);
    this.pos += this.batchSize;
    return out;
  }
}

export interface Batch {
  x: tf.Tensor2D;
  /** One-hot labels, float32 [n, classes]. */
  y: tf.Tensor2D;
  /** Class indices, int32 [n]. */
  labels: tf.Tensor1D;
}

/**
 * Upload the examples `idx` (or `start..end` when idx is null) of a split; `augment` (training batches only) may
 * rewrite the gathered inputs in place before the upload.
 */
export function makeBatch(
  split: DataSplit,
  features: number,
  numClasses: number,
  idx: Uint32Array | null,
  start = 0,
  end = 0,
  augment?: (x: Float32Array, n: number) => void,
): Batch {
  const n = idx ? idx.length : end - start;
  // Fresh arrays each time: the cpu backend may keep a reference to the array it was given.
  const x = idx ? new Float32Array(n * features) : split.x.slice(start * features, end * features);
  const y = new Float32Array(n * numClasses);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx ? idx[i]! : start + i;
    if (idx) x.set(split.x.subarray(j * features, (j + 1) * features), i * features);
    const c = split.y[j]!;
    labels[i] = c;
    y[i * numClasses + c] = 1;
  }
  augment?.(x, n);
  return { x: tf.tensor2d(x, [n, features]), y: tf.tensor2d(y, [n, numClasses]), labels: tf.tensor1d(labels, 'int32') };
}

function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.y.dispose();
  b.labels.dispose();
}

/**
 * What a round trains for: its loss and how its accuracy is counted. Accuracy is computed from a per-batch tally (a
 * fixed-length vector summed over batches or chunks), so that measures other than the fraction of hits (balanced
 * accuracy of a one-vs-rest decision: one-vs-rest.ts) are exact over a whole split.
 */
export interface TrainObjective {
  /** The batch's mean loss. */
  loss(logits: tf.Tensor2D, b: Batch): tf.Scalar;
  /** The batch's counts, summed over a split. */
  tally(logits: tf.Tensor2D, b: Batch): tf.Tensor1D;
  /** The split's accuracy from its summed tally and its example count. */
  accuracy(tally: ArrayLike<number>, n: number): number;
}

/** The default objective: mean softmax cross-entropy over all classes; accuracy = argmax hits / n. */
export const CLASSIFICATION: TrainObjective = {
  loss: (logits, b) => tf.losses.softmaxCrossEntropy(b.y, logits) as tf.Scalar,
  tally: (logits, b) => tf.reshape(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), b.labels), 'float32')), [1]) as tf.Tensor1D,
  accuracy: (t, n) => t[0]! / n,
};

/**
 * Mean loss (the objective's: softmax cross-entropy by default) and accuracy of a net on a whole split, in chunks.
 * Each chunk's sums are read back with `await data()` (WebGPU has no synchronous read in Node) and added up in chunk
 * order.
 */
export async function evaluate(
  net: MaskedNet,
  split: DataSplit,
  features: number,
  numClasses: number,
  // EVAL_CHUNK MNIST-sized examples per pass; proportionally fewer larger ones (CIFAR: 255), to bound memory.
  chunk = Math.max(1, Math.floor((EVAL_CHUNK * 784) / Math.max(784, features))),
  objective: TrainObjective = CLASSIFICATION,
): Promise<{ loss: number; accuracy: number }> {
  let lossSum = 0;
  let tally: number[] = [];
  for (let start = 0; start < split.n; start += chunk) {
    const end = Math.min(split.n, start + chunk);
    const b = makeBatch(split, features, numClasses, null, start, end);
    const sums = tf.tidy(() => {
      const logits = net.forward(b.x) as tf.Tensor2D;
      return [tf.mul(objective.loss(logits, b), end - start), objective.tally(logits, b)];
    });
    disposeBatch(b);
    try {
      const [l, c] = await Promise.all(sums.map((t) => t.data()));
      lossSum += l![0] ?? NaN;
      tally = Array.from(c!, (v, i) => (tally[i] ?? 0) + v);
    } finally {
      tf.dispose(sums);
    }
  }
  return { loss: lossSum / split.n, accuracy: objective.accuracy(tally, split.n) };
}

type LrOptimizer = tf.Optimizer & { setLearningRate?: (lr: number) => void };

export function makeOptimizer(opt: ExperimentConfig['optimizer']): LrOptimizer {
  switch (opt.name) {
    case 'adam':
      // epsilon fixed (PyTorch's default) rather than tfjs' backend-dependent default, for the same maths everywhere.
      return tf.train.adam(opt.lr, 0.9, 0.999, 1e-8);
    case 'sgd':
      return tf.train.momentum(opt.lr, opt.momentum ?? 0);
  }
}

function setLearningRate(o: LrOptimizer, lr: number): void {
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else (o as unknown as { learningRate: number }).learningRate = lr;
}

/** Learning rate for step `it` (1-based) of `iterations`: constant, or cosine decay from lr towards 0. */
export function learningRateAt(opt: ExperimentConfig['optimizer'], it: number, iterations: number): number {
  if (opt.schedule !== 'cosine') return opt.lr;
  return opt.lr * 0.5 * (1 + Math.cos((Math.PI * (it - 1)) / iterations));
}

export interface Evaluation {
  iteration: number;
  train: { loss: number; accuracy: number };
  validation: { loss: number; accuracy: number };
  test: { loss: number; accuracy: number };
}

export interface TrainRoundOptions {
  net: MaskedNet;
  data: Dataset;
  config: ExperimentConfig;
  seed: number;
  round: number;
  callbacks: TrainCallbacks;
  /**
   * Called before every optimizer step with the 1-based iteration, and awaited when it returns a promise (e.g. a
   * supermask reading its scores back to prepare the step's masks).
   */
  beforeStep?: (iteration: number) => void | Promise<void>;
  /**
   * Called after every optimizer step (masks applied) with the 1-based iteration, and awaited when it returns a
   * promise; e.g. to capture a rewind point.
   */
  onStep?: (iteration: number) => void | Promise<void>;
  /** The variables the optimizer updates (default: every weight and bias of the net); the rest stay frozen. */
  trainable?: tf.Variable[];
  /** The tensors weight decay applies to, built inside the loss (default: every layer's masked weight, w ⊙ m). */
  decayed?: () => tf.Tensor[];
  /** Called (and awaited) around every evaluation (e.g. to hold one supermask sample fixed while evaluating). */
  onEvaluate?: (phase: 'begin' | 'end', iteration: number) => void | Promise<void>;
  /**
   * Take up the training at this step k (a rewound round): train steps k+1 .. iterations with a fresh optimizer, the
   * learning rate of step k+1 and the batches the round's batch stream gives from its (k+1)-th on, as open_lth does.
   */
  startIteration?: number;
  /** Replace the optimizer with a fresh one (no momentum or Adam moments) after this step. */
  restartOptimizerAt?: number;
  /** The loss trained and evaluated (early stopping keys on its validation value) and the accuracy counted. */
  objective?: TrainObjective;
}

export interface TrainRoundResult {
  result: RoundResult;
  evaluations: Evaluation[];
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Train `net` for steps startIteration+1 .. config.iterations (all of them by default), evaluating every
 * config.evalEvery steps and at the last; with config.earlyStopPatience, stop at the first evaluation that is that many
 * iterations past the best validation loss (the round's final weights are then those of that step). The early-stopping iteration is the evaluation with the minimum validation
 * loss (the earliest on ties): there must be a validation split (the config requires one), never the test set.
 * Training batches are augmented (config.augmentation) and the net runs with dropout (config.dropout); evaluations
 * see neither. Augmentation and dropout draw from the streams augment/round<r>/step<i> and dropout/round<r>/step<i>,
 * so a step's randomness depends on the seed, round and step only.
 */
export async function trainRound(o: TrainRoundOptions): Promise<TrainRoundResult> {
  const { net, data, config, round, callbacks } = o;
  const { features, numClasses } = data;
  const iterations = config.iterations;
  if (data.validation.n === 0) throw new Error('no validation split: early stopping selects on the validation loss (validation must be at least 1)');
  const start = o.startIteration ?? 0;
  if (!Number.isInteger(start) || start < 0 || start >= iterations) throw new Error(`startIteration ${start} must be in 0 .. ${iterations - 1}`);
  let optimizer = makeOptimizer(config.optimizer);
  const sampler = new BatchSampler(data.train.n, config.batchSize, streamRng(o.seed, `batches/round${round}`));
  // A rewound round sees the batches its stream gives from step start+1 on (open_lth skips to the start step).
  for (let i = 0; i < start; i++) sampler.next();
  const aug = config.augmentation;
  const fill = aug ? blackPixel(data.normalisation, data.inputShape[2]) : null;
  const augmentFor = (it: number) =>
    aug && fill ? (x: Float32Array, n: number) => augmentBatch(x, n, data.inputShape, aug, fill, streamRng(o.seed, `augment/round${round}/step${it}`)) : undefined;
  const rates = config.dropout ? dropoutRates(config.dropout, net.layers.map((l) => l.kind)) : null;
  const vars = o.trainable ?? net.variables();
  const weightDecay = config.optimizer.weightDecay ?? 0;
  const objective = o.objective ?? CLASSIFICATION;

  let lossAcc: tf.Tensor = tf.scalar(0);
  let correctAcc: tf.Tensor = tf.scalar(0);
  let seen = 0;
  const evaluations: Evaluation[] = [];
  let best: Evaluation | null = null;

  const resetTrainStats = (): void => {
    lossAcc.dispose();
    correctAcc.dispose();
    lossAcc = tf.scalar(0);
    correctAcc = tf.scalar(0);
    seen = 0;
  };

  try {
    for (let it = start + 1; it <= iterations; it++) {
      if (callbacks.isCancelled()) throw new CancelledError();
      if (config.optimizer.schedule === 'cosine') setLearningRate(optimizer, learningRateAt(config.optimizer, it, iterations));

      if (o.beforeStep) await o.beforeStep(it);
      const b = makeBatch(data.train, features, numClasses, sampler.next(), 0, 0, augmentFor(it));
      const noise = rates ? dropoutNoise(rates, streamRng(o.seed, `dropout/round${round}/step${it}`)) : undefined;
      let ce: tf.Tensor | null = null;
      let hits: tf.Tensor | null = null;
      optimizer.minimize(
        () => {
          const logits = net.forward(b.x, noise) as tf.Tensor2D;
          const loss = objective.loss(logits, b);
          // A clone: minimize() disposes the cost it is given back, and we read the loss later.
          ce = tf.keep(tf.clone(loss));
          hits = tf.keep(objective.tally(logits, b));
          if (weightDecay <= 0) return loss;
          // L2 as (weightDecay / 2) * ||w ⊙ m||² over the prunable weights (not biases): its gradient is
          // weightDecay * w, i.e. the same as PyTorch's SGD weight_decay.
          const decayed = o.decayed ? o.decayed() : net.layers.map((l) => tf.mul(l.weight, l.mask));
          const l2 = tf.addN(decayed.map((t) => tf.sum(tf.square(t))));
          return tf.add(loss, tf.mul(weightDecay / 2, l2));
        },
        false,
        vars,
      );
      net.applyMasks();
      // Awaited only when it returns a promise: no extra turn of the microtask queue per step otherwise.
      const stepped = o.onStep?.(it);
      if (stepped) await stepped;
      if (it === o.restartOptimizerAt) {
        optimizer.dispose();
        optimizer = makeOptimizer(config.optimizer);
      }
      const ceT = ce as tf.Tensor | null;
      const hitsT = hits as tf.Tensor | null;
      if (ceT && hitsT) {
        const [nl, nc] = tf.tidy(() => [tf.add(lossAcc, tf.mul(ceT, b.x.shape[0])), tf.add(correctAcc, hitsT)]);
        lossAcc.dispose();
        correctAcc.dispose();
        lossAcc = nl!;
        correctAcc = nc!;
        ceT.dispose();
        hitsT.dispose();
      }
      seen += b.x.shape[0];
      disposeBatch(b);

      if (it % config.evalEvery === 0 || it === iterations) {
        // The loop's own reads are here, at evaluations only, and asynchronous (WebGPU cannot read synchronously).
        const [lossSum, correctSum] = await Promise.all([lossAcc.data(), correctAcc.data()]);
        const trainStats = { loss: lossSum[0]! / Math.max(1, seen), accuracy: objective.accuracy(correctSum, Math.max(1, seen)) };
        resetTrainStats();
        await o.onEvaluate?.('begin', it);
        let validation: Evaluation['validation'];
        let test: Evaluation['test'];
        try {
          validation = await evaluate(net, data.validation, features, numClasses, undefined, objective);
          test = await evaluate(net, data.test, features, numClasses, undefined, objective);
        } finally {
          await o.onEvaluate?.('end', it);
        }
        const ev: Evaluation = { iteration: it, train: trainStats, validation, test };
        evaluations.push(ev);
        if (!best || validation.loss < best.validation.loss) best = ev;
        const points: MetricPoint[] = [
          { round, iteration: it, split: 'train', ...trainStats },
          { round, iteration: it, split: 'validation', ...validation },
          { round, iteration: it, split: 'test', ...test },
        ];
        callbacks.onMetrics(points);
        if (config.earlyStopPatience !== undefined && it - best.iteration >= config.earlyStopPatience) {
          // Patience ran out: the round ends here, and this evaluation is its last.
          callbacks.onProgress(it, iterations);
          break;
        }
      }
      if (it % PROGRESS_EVERY === 0 || it === iterations) callbacks.onProgress(it, iterations);
      if (it % YIELD_EVERY === 0) await tick();
    }
  } finally {
    lossAcc.dispose();
    correctAcc.dispose();
    optimizer.dispose();
  }

  const last = evaluations[evaluations.length - 1];
  if (!best || !last) throw new Error('training ran no evaluation');
  return {
    result: {
      round,
      density: net.density(),
      testAccuracy: best.test.accuracy,
      earlyStopIteration: best.iteration,
      finalTestAccuracy: last.test.accuracy,
    },
    evaluations,
  };
}
