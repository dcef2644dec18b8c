// Masked dense layers: y = x · (w ⊙ m) + b. The mask has the weight's shape (1 keeps a weight, 0 prunes it).
// Biases are neither masked nor pruned, as in Frankle & Carbin (2019): only weights count towards density.
// After every optimizer step the trainer calls applyMask() (w ← w ⊙ m), so pruned weights stay exactly zero and
// never regrow, whatever the optimizer does (momentum, Adam moments, weight decay).
import * as tf from '@tensorflow/tfjs';
import { initWeights } from '../init';
import type { InitKind } from '../init';
import type { Rng } from '../rng';

/**
 * x · (w ⊙ m) with an explicit gradient: dx = dy · (w ⊙ m)ᵀ and dw = (xᵀ · dy) ⊙ m (zero at pruned positions).
 * `m` null means an all-ones mask (a dense layer): the products with m are skipped, the maths is the same.
 * With `inputGrad` false (the first layer, whose input is data) dx is not computed at all: x is captured rather
 * than passed to the gradient op, which saves the largest of the backward matMuls.
 * The transposes are materialised on the wasm backend, whose matMul with transposeA/transposeB set falls off the
 * fast path (measured about 10x slower for 784x60 · 60x300 than transpose + plain matMul); other backends use the
 * flags, which are free there.
 */
export function maskedMatMul(x: tf.Tensor2D, w: tf.Tensor2D, m: tf.Tensor2D | null, inputGrad = true): tf.Tensor2D {
  const explicitTranspose = tf.getBackend() === 'wasm';
  const masked = (t: tf.Tensor2D): tf.Tensor2D => (m ? tf.mul(t, m) : t);
  const gradW = (xs: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D =>
    masked(explicitTranspose ? tf.matMul(tf.transpose(xs), g) : tf.matMul(xs, g, true, false));
  const gradX = (wms: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D =>
    explicitTranspose ? tf.matMul(g, tf.transpose(wms)) : tf.matMul(g, wms, false, true);
  if (!inputGrad) {
    const op = tf.customGrad((...args) => {
      const [wi] = args as [tf.Tensor2D];
      return {
        value: tf.matMul(x, masked(wi)),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [gradW(x, dy as tf.Tensor2D)],
      };
    });
    return op(w) as tf.Tensor2D;
  }
  const op = tf.customGrad((...args) => {
    const [xi, wi, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const wm = masked(wi);
    save([xi, wm]);
    return {
      value: tf.matMul(xi, wm),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, wms] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [gradX(wms, dy as tf.Tensor2D), gradW(xs, dy as tf.Tensor2D)];
      },
    };
  });
  return op(x, w) as tf.Tensor2D;
}

export class MaskedDense {
  readonly name: string;
  readonly inSize: number;
  readonly outSize: number;
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1>;
  private maskTensor: tf.Tensor2D;
  /** True while the mask is all ones: the products with it are skipped (same result, faster). */
  private dense = true;

  constructor(name: string, inSize: number, outSize: number, init: InitKind, rng: Rng) {
    this.name = name;
    this.inSize = inSize;
    this.outSize = outSize;
    const w = initWeights(init, [inSize, outSize], rng);
    // tidy disposes the upload tensors; the variables (never tracked by tidy) keep the data. Variables are left
    // unnamed: tfjs names must be unique process-wide and several nets may coexist.
    this.weight = tf.tidy(() => tf.variable(tf.tensor2d(w, [inSize, outSize]), true));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([outSize]), true));
    this.maskTensor = tf.keep(tf.ones([inSize, outSize]));
  }

  get mask(): tf.Tensor2D {
    return this.maskTensor;
  }

  /** Replace the mask (values 0/1, the weight's shape) and zero the pruned weights at once. */
  setMask(mask: Float32Array | Uint8Array | tf.Tensor): void {
    let t: tf.Tensor2D;
    if (mask instanceof tf.Tensor) {
      if (mask.shape.join('x') !== `${this.inSize}x${this.outSize}`) {
        throw new Error(`${this.name}: mask shape [${mask.shape.join(', ')}] is not [${this.inSize}, ${this.outSize}]`);
      }
      t = tf.tidy(() => tf.cast(tf.notEqual(mask, 0), 'float32')) as tf.Tensor2D;
    } else {
      if (mask.length !== this.inSize * this.outSize) {
        throw new Error(`${this.name}: mask has ${mask.length} values, expected ${this.inSize * this.outSize}`);
      }
      const f = new Float32Array(mask.length);
      for (let i = 0; i < mask.length; i++) f[i] = mask[i]! !== 0 ? 1 : 0;
      t = tf.tensor2d(f, [this.inSize, this.outSize]);
    }
    this.maskTensor.dispose();
    this.maskTensor = tf.keep(t);
    this.dense = this.counts().kept === this.inSize * this.outSize;
    this.applyMask();
  }

  /** w ← w ⊙ m (+ 0, which turns the -0 of a pruned negative weight into +0, so pruned weights are canonical zeros). */
  applyMask(): void {
    if (this.dense) return;
    tf.tidy(() => this.weight.assign(tf.add(tf.mul(this.weight, this.maskTensor), 0)));
  }

  /** x · (w ⊙ m) + b. `inputGrad` false when x is data (no gradient needed for it). */
  apply(x: tf.Tensor2D, inputGrad = true): tf.Tensor2D {
    return tf.add(maskedMatMul(x, this.weight, this.dense ? null : this.maskTensor, inputGrad), this.bias);
  }

  /** Number of weights kept and in all. */
  counts(): { kept: number; total: number } {
    const kept = tf.tidy(() => tf.sum(this.maskTensor).dataSync()[0] ?? 0);
    return { kept: Math.round(kept), total: this.inSize * this.outSize };
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
    this.maskTensor.dispose();
  }
}
