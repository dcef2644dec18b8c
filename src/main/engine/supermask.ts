// Supermasks: the weights stay frozen at their init; a real-valued score per weight is trained and the layer
// computes with w ⊙ m(scores) (docs/methods.md has the details and references):
//   edge-popup (Ramanujan et al. 2020): m keeps the top n - floor((1 - k) · n) of |score| in each layer (the
//     authors' GetSubnet zeroes the lowest int((1 - k) · n)); the gradient reaches the scores straight through the
//     top-k (dL/ds = dL/dm · sign(s), as the authors' code ranks |s|). Scores start uniform in ±1/sqrt(fan_in)
//     (PyTorch's default init, as in the authors' code).
//   bernoulli (Zhou et al. 2019): m ~ Bernoulli(sigmoid(s)) sampled afresh at every training step, straight through
//     (the effective mask is sample + p - stop_gradient(p), p = sigmoid(s), so dm/ds = sigmoid'(s)); scores start at
//     a constant (0: keep probability 1/2). With `roundMask` (their round_mask) a random half of the weights take
//     the rounded mask [s > 0] (no gradient) and the other half p itself (gradient sigmoid'(s)). At evaluation each
//     evaluation draws ONE sample and uses it for all its examples (Zhou et al. sample at test time too), or uses
//     the rounded mask [s > 0] (`roundMask`, or `evalMask: 'rounded'`).
//   dynamic weight rescaling (Zhou et al.): the layer's masked weights are scaled by c = n / K, K the sum of the
//     effective mask. Bernoulli differentiates through c as their code does (K = reduce_sum of the effective mask,
//     whose gradient is the straight-through one): dL/ds_j = m'_j · (c · g_j − (c / K) · Σ_i g_i m_i), with
//     g = dL/d(c · m) and m' = dm/ds. Edge-popup keeps exactly its count, so c is a constant there.
// Biases stay frozen (at their zero init): only scores train. The layer's own mask stays all ones, so the weight
// variables are never written: they stay bit-identical to their init.
// Scores are read back only with `await data()` (WebGPU has no synchronous read in Node): edge-popup ranks them
// before each training step (prepareStep, trainRound's beforeStep) rather than inside the forward pass, and
// evaluation and init masks are drawn asynchronously (onEvaluate, initialMasks).
import * as tf from '@tensorflow/tfjs';
import type { SupermaskMethod } from '../../shared/config';
import { fans } from './init';
import type { MaskedNet } from './nets/masked';
import { streamRng, type Rng } from './rng';
import { keepTopPooled } from './select';

export type SupermaskSpec = Pick<SupermaskMethod, 'algorithm' | 'density' | 'dynamicWeightRescaling' | 'scoreInit' | 'roundMask' | 'evalMask'>;

/** Weights edge-popup keeps in a layer of n at density k: n − int((1 − k) · n), as the authors' GetSubnet. */
export function edgePopupKept(n: number, k: number): number {
  return n - Math.floor((1 - k) * n);
}

/** Initial scores of a layer of weight `shape` (tfjs layout). */
export function initialScores(spec: SupermaskSpec, shape: readonly number[], rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (spec.algorithm === 'bernoulli') return new Float32Array(n).fill(spec.scoreInit ?? 0);
  const bound = 1 / Math.sqrt(fans(shape).fanIn);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.range(-bound, bound);
  return out;
}

/** Uniform float32 values in [0, 1) with 24 random bits each (exact in float32): a training step's draws per layer. */
export function uniforms(rng: Rng, n: number): Float32Array {
  const u = new Float32Array(n);
  for (let i = 0; i < n; i++) u[i] = (rng.nextUint32() >>> 8) / 16777216;
  return u;
}

const countOnes = (m: Uint8Array): number => {
  let k = 0;
  for (let i = 0; i < m.length; i++) k += m[i]!;
  return k;
};

export class Supermask {
  /** One score per weight, per layer: the only trained variables. */
  readonly scores: tf.Variable[];
  private readonly trainRng: Rng;
  private readonly evalRng: Rng;
  private readonly initRng: Rng;
  /** While evaluating: each layer's fixed mask (times its rescaling). */
  private evalValues: tf.Tensor[] | null = null;
  /** The masks of the latest evaluation (the final one at the end of training). */
  lastEvalMasks: Uint8Array[] | null = null;
  /** Edge-popup: each layer's top-k mask for the next training forward pass (prepareStep), used once. */
  private stepMasks: (Uint8Array | null)[] = [];

  constructor(
    private readonly net: MaskedNet,
    private readonly spec: SupermaskSpec,
    seed: number,
  ) {
    if (spec.algorithm === 'edge-popup' && spec.density === undefined) throw new Error('edge-popup needs a density');
    this.scores = net.layers.map((l) => {
      const v = initialScores(spec, l.shape, streamRng(seed, `supermask/scores/${l.name}`));
      return tf.tidy(() => tf.variable(tf.tensor(v, [...l.shape]), true));
    });
    this.trainRng = streamRng(seed, 'supermask/train-samples');
    this.evalRng = streamRng(seed, 'supermask/eval-samples');
    this.initRng = streamRng(seed, 'supermask/init-sample');
    net.layers.forEach((l, i) => {
      l.weightTransform = (w) => tf.mul(w, this.evalValues ? this.evalValues[i]! : this.trainingMask(i));
    });
  }

  /** The mask at the scores' init, as an evaluation would draw it: what the round's `init` state stores. */
  initialMasks(): Promise<Uint8Array[]> {
    return this.masksNow(this.initRng);
  }

  /**
   * Before each training step (trainRound's beforeStep): edge-popup reads the scores back (`await data()`, as WebGPU
   * requires) and ranks them, so that the step's forward pass needs no read. Bernoulli samples need none: a no-op.
   */
  async prepareStep(): Promise<void> {
    if (this.spec.algorithm !== 'edge-popup') return;
    this.stepMasks = [];
    this.stepMasks = await Promise.all(this.scores.map((_, i) => this.edgePopupMask(i)));
  }

  /** Fix one mask per layer for an evaluation ('begin'), release it ('end'). */
  async onEvaluate(phase: 'begin' | 'end'): Promise<void> {
    this.evalValues?.forEach((t) => t.dispose());
    this.evalValues = null;
    if (phase === 'end') return;
    const masks = await this.masksNow(this.evalRng);
    this.lastEvalMasks = masks;
    this.evalValues = masks.map((m, i) => {
      const c = this.spec.dynamicWeightRescaling ? m.length / Math.max(1, countOnes(m)) : 1;
      return tf.tidy(() => tf.mul(tf.tensor(Float32Array.from(m), [...this.net.layers[i]!.shape]), c));
    });
  }

  /** Uninstall the transforms and free the scores. */
  dispose(): void {
    this.evalValues?.forEach((t) => t.dispose());
    this.evalValues = null;
    this.stepMasks = [];
    for (const l of this.net.layers) l.weightTransform = null;
    for (const s of this.scores) s.dispose();
  }

  private async edgePopupMask(i: number): Promise<Uint8Array> {
    const s = await this.scores[i]!.data();
    const abs = new Float32Array(s.length);
    for (let j = 0; j < s.length; j++) abs[j] = Math.abs(s[j]!);
    return keepTopPooled([abs], edgePopupKept(abs.length, this.spec.density!))[0]!;
  }

  /** 0/1 masks now: edge-popup's top-k, or (bernoulli) a sample drawn from `rng` or the rounded mask. */
  private async masksNow(rng: Rng): Promise<Uint8Array[]> {
    // One layer after another: bernoulli draws each layer's uniforms from `rng` in layer order.
    const out: Uint8Array[] = [];
    for (const [i, score] of this.scores.entries()) out.push(await this.layerMaskNow(i, score, rng));
    return out;
  }

  private async layerMaskNow(i: number, score: tf.Variable, rng: Rng): Promise<Uint8Array> {
    if (this.spec.algorithm === 'edge-popup') return this.edgePopupMask(i);
    const s = await score.data();
    const m = new Uint8Array(s.length);
    if (this.spec.evalMask === 'rounded' || this.spec.roundMask === true) {
      for (let j = 0; j < s.length; j++) m[j] = s[j]! > 0 ? 1 : 0;
    } else {
      const u = uniforms(rng, s.length);
      for (let j = 0; j < s.length; j++) m[j] = u[j]! < 1 / (1 + Math.exp(-s[j]!)) ? 1 : 0;
    }
    return m;
  }

  /** The training-time mask of layer i (times its rescaling), with a straight-through gradient to the scores. */
  private trainingMask(i: number): tf.Tensor {
    const shape = [...this.net.layers[i]!.shape];
    const rescale = this.spec.dynamicWeightRescaling;
    if (this.spec.algorithm === 'edge-popup') {
      const m = this.stepMasks[i];
      if (!m) throw new Error('edge-popup: call prepareStep() before each training forward pass (it reads the scores back)');
      this.stepMasks[i] = null;
      const c = rescale ? m.length / Math.max(1, countOnes(m)) : 1;
      const ste = tf.customGrad((...args) => {
        const [s] = args as [tf.Tensor];
        return {
          value: tf.mul(tf.tensor(Float32Array.from(m), shape), c),
          gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.mul(tf.sign(s), c)),
        };
      });
      return ste(this.scores[i]!);
    }
    const u = uniforms(this.trainRng, this.net.layers[i]!.size);
    const round = this.spec.roundMask === true;
    const ste = tf.customGrad((...args) => {
      const [s, save] = args as [tf.Tensor, tf.GradSaveFunc];
      const p = tf.sigmoid(s);
      const dp = tf.mul(p, tf.sub(1, p));
      let m: tf.Tensor;
      let dm: tf.Tensor;
      if (round) {
        // round_mask: clamp where round(U[0, 1)) = 1 (U > 1/2) to round(p) = [s > 0]; elsewhere the mask is p itself.
        const clamp = tf.cast(tf.greater(tf.tensor(u, shape), 0.5), 'float32');
        const free = tf.sub(1, clamp);
        m = tf.add(tf.mul(clamp, tf.cast(tf.greater(s, 0), 'float32')), tf.mul(free, p));
        dm = tf.mul(free, dp);
      } else {
        m = tf.cast(tf.less(tf.tensor(u, shape), p), 'float32');
        dm = dp;
      }
      const k = rescale ? tf.maximum(tf.sum(m), 1) : tf.scalar(1);
      const c = rescale ? tf.div(m.size, k) : tf.scalar(1);
      save([m, dm, c, k]);
      return {
        value: tf.mul(m, c),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [ms, dms, cs, ks] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const g = dy as tf.Tensor;
          // d(c · m)/dm_j = c · e_j + m · dc/dm_j, dc/dm_j = −c / K (K = Σ m): the rescaling's own gradient.
          const inner = rescale ? tf.sub(tf.mul(g, cs), tf.mul(tf.div(cs, ks), tf.sum(tf.mul(g, ms)))) : g;
          return tf.mul(dms, inner);
        },
      };
    });
    return ste(this.scores[i]!);
  }
}
