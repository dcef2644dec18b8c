// Masked layers (dense here, conv in masked-conv.ts): y = x · (w ⊙ m) + b. The mask has the weight's shape (1 keeps
// a weight, 0 prunes it).
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

/** What the trainer, pruning and snapshots need from every prunable layer (dense or conv). */
export interface MaskedLayer {
  /** Stable, PyTorch-friendly name (fc1, conv1, ...): snapshots export `<name>.weight`, `<name>.mask`, ... */
  readonly name: string;
  readonly kind: 'dense' | 'conv';
  /** Weight shape in tfjs layout: dense [in, out], conv [kh, kw, in, out]. */
  readonly shape: readonly number[];
  /** Number of weights (prunable parameters) of the layer. */
  readonly size: number;
  /** The weight seen as a matrix [inSize, outSize]: fan-in (kh·kw·in for conv) by output units or channels. */
  readonly inSize: number;
  readonly outSize: number;
  readonly weight: tf.Variable;
  /** Not masked, not pruned, not counted in the density (as in Frankle & Carbin 2019). */
  readonly bias: tf.Variable<tf.Rank.R1>;
  readonly mask: tf.Tensor;
  /**
   * When set, the layer computes with weightTransform(weight) in place of weight ⊙ mask (supermasks: the frozen
   * weight times a mask derived from trained scores; gradients flow back through the transform). Null by default.
   */
  weightTransform: ((weight: tf.Tensor) => tf.Tensor) | null;
  /**
   * Replace the mask (and zero the pruned weights). Asynchronous because a tensor mask's kept count is read back
   * from the backend (`await data()`: WebGPU cannot read synchronously); an array mask is installed before the
   * returned promise is even awaited.
   */
  setMask(mask: Float32Array | Uint8Array | tf.Tensor): Promise<void>;
  applyMask(): void;
  /** Weights kept (counted when the mask was set, no read from the backend) and in all. */
  counts(): { kept: number; total: number };
  dispose(): void;
}

/**
 * The state every masked layer shares: a weight variable drawn from the project's generator, a zero bias and a 0/1
 * mask of the weight's shape. Subclasses add the computation.
 */
export abstract class MaskedWeights<R extends tf.Rank> implements MaskedLayer {
  abstract readonly kind: 'dense' | 'conv';
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  readonly inSize: number;
  readonly outSize: number;
  readonly weight: tf.Variable<R>;
  readonly bias: tf.Variable<tf.Rank.R1>;
  private maskTensor: tf.Tensor<R>;
  /** Ones in maskTensor, counted by setMask (the mask changes only there). */
  private kept: number;
  /** True while the mask is all ones: the products with it are skipped (same result, faster). */
  protected dense = true;

  constructor(name: string, shape: readonly number[], init: InitKind, rng: Rng) {
    this.name = name;
    this.shape = [...shape];
    this.size = shape.reduce((a, b) => a * b, 1);
    const w = initWeights(init, shape, rng);
    const outSize = shape[shape.length - 1]!;
    this.outSize = outSize;
    this.inSize = this.size / outSize;
    // tidy disposes the upload tensors; the variables (never tracked by tidy) keep the data. Variables are left
    // unnamed: tfjs names must be unique process-wide and several nets may coexist.
    this.weight = tf.tidy(() => tf.variable(tf.tensor(w, [...shape] as number[]), true)) as unknown as tf.Variable<R>;
    this.bias = tf.tidy(() => tf.variable(tf.zeros([outSize]), true));
    this.maskTensor = tf.keep(tf.ones([...shape] as number[])) as unknown as tf.Tensor<R>;
    this.kept = this.size;
  }

  get mask(): tf.Tensor<R> {
    return this.maskTensor;
  }

  /** The mask to multiply by, or null while it is all ones. */
  protected get activeMask(): tf.Tensor<R> | null {
    return this.dense ? null : this.maskTensor;
  }

  weightTransform: ((weight: tf.Tensor) => tf.Tensor) | null = null;

  /** What the computation multiplies by: weightTransform(w) (unmasked) when set, else w and the active mask. */
  protected computeWeights(): { w: tf.Tensor<R>; m: tf.Tensor<R> | null } {
    const t = this.weightTransform;
    return t ? { w: t(this.weight) as tf.Tensor<R>, m: null } : { w: this.weight, m: this.activeMask };
  }

  /**
   * Replace the mask (values 0/1, the weight's shape) and zero the pruned weights at once. An array mask is counted
   * here and installed synchronously (before the first await); a tensor mask's count is read back with
   * `await data()` (the only read WebGPU has in Node), then it is installed.
   */
  async setMask(mask: Float32Array | Uint8Array | tf.Tensor): Promise<void> {
    let t: tf.Tensor<R>;
    let kept = 0;
    if (mask instanceof tf.Tensor) {
      if (mask.shape.join('x') !== this.shape.join('x')) {
        throw new Error(`${this.name}: mask shape [${mask.shape.join(', ')}] is not [${this.shape.join(', ')}]`);
      }
      t = tf.tidy(() => tf.cast(tf.notEqual(mask, 0), 'float32')) as tf.Tensor<R>;
      const sum = tf.sum(t);
      try {
        kept = Math.round((await sum.data())[0] ?? 0);
      } catch (e) {
        t.dispose();
        throw e;
      } finally {
        sum.dispose();
      }
    } else {
      if (mask.length !== this.size) {
        throw new Error(`${this.name}: mask has ${mask.length} values, expected ${this.size}`);
      }
      const f = new Float32Array(mask.length);
      for (let i = 0; i < mask.length; i++) {
        if (mask[i]! !== 0) {
          f[i] = 1;
          kept++;
        }
      }
      t = tf.tensor(f, [...this.shape] as number[]) as unknown as tf.Tensor<R>;
    }
    this.maskTensor.dispose();
    this.maskTensor = tf.keep(t);
    this.kept = kept;
    this.dense = kept === this.size;
    this.applyMask();
  }

  /** w ← w ⊙ m (+ 0, which turns the -0 of a pruned negative weight into +0, so pruned weights are canonical zeros). */
  applyMask(): void {
    if (this.dense) return;
    tf.tidy(() => this.weight.assign(tf.add(tf.mul(this.weight, this.maskTensor), 0) as tf.Tensor<R>));
  }

  /** Number of weights kept (counted by setMask: no read from the backend) and in all. */
  counts(): { kept: number; total: number } {
    return { kept: this.kept, total: this.size };
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
    this.maskTensor.dispose();
  }
}

export class MaskedDense extends MaskedWeights<tf.Rank.R2> {
  readonly kind = 'dense' as const;

  constructor(name: string, inSize: number, outSize: number, init: InitKind, rng: Rng) {
    super(name, [inSize, outSize], init, rng);
  }

  /** x · (w ⊙ m) + b. `inputGrad` false when x is data (no gradient needed for it). */
  apply(x: tf.Tensor2D, inputGrad = true): tf.Tensor2D {
    const { w, m } = this.computeWeights();
    return tf.add(maskedMatMul(x, w, m, inputGrad), this.bias);
  }
}

/**
 * Training-time noise on the input of prunable layer `layer` (1 .. layers-1; the data feeding layer 0 is never
 * touched), applied after any pooling and flattening: dropout (dropout.ts). Returns the tensor the layer computes on.
 */
export type LayerInputNoise = (h: tf.Tensor, layer: number) => tf.Tensor;

/** A network of masked layers, as the trainer, pruning and snapshots see it. */
export interface MaskedNet<L extends MaskedLayer = MaskedLayer> {
  readonly arch: string;
  /** Shape of one input example, NHWC without N (the data set's inputShape). */
  readonly inputShape: readonly [number, number, number];
  /** The prunable layers, in order (input to output). */
  readonly layers: readonly L[];
  /**
   * Logits for a batch of inputs given as flat rows [n, h·w·c] (NHWC order, as the data sets store them). `noise`
   * (training passes only) is applied to every hidden layer's input.
   */
  forward(x: tf.Tensor2D, noise?: LayerInputNoise): tf.Tensor2D;
  /**
   * The output of every prunable layer for a batch (same input as forward), in layer order: conv layers NHWC after
   * ReLU and before pooling, hidden dense layers after ReLU, the last layer the logits. For analyses; call in a tidy.
   */
  forwardTrace(x: tf.Tensor2D): tf.Tensor[];
  /** The logits computed from the output of prunable layer `index` (as forwardTrace returns it), e.g. for Grad-CAM. */
  forwardFrom(index: number, h: tf.Tensor): tf.Tensor2D;
  /** Every trainable variable (weights and biases). */
  variables(): tf.Variable[];
  /** Re-apply every layer's mask (after each optimizer step). */
  applyMasks(): void;
  /** Fraction of prunable weights kept. */
  density(): number;
  dispose(): void;
}

/** The net-wide parts of MaskedNet shared by every architecture. */
export function netHelpers(layers: readonly MaskedLayer[]): Pick<MaskedNet, 'variables' | 'applyMasks' | 'density' | 'dispose'> {
  return {
    variables() {
      return layers.flatMap((l) => [l.weight as tf.Variable, l.bias as tf.Variable]);
    },
    applyMasks() {
      for (const l of layers) l.applyMask();
    },
    density() {
      let kept = 0;
      let total = 0;
      for (const l of layers) {
        const c = l.counts();
        kept += c.kept;
        total += c.total;
      }
      return total > 0 ? kept / total : 1;
    },
    dispose() {
      for (const l of layers) l.dispose();
    },
  };
}

/**
 * One stage of a net: maps the previous stage's output (the flat input for stage 0) to the output of its prunable
 * layer, doing any reshape or pooling first and passing the layer's input through `input` just before the layer.
 */
export type Stage = (h: tf.Tensor, input: (t: tf.Tensor) => tf.Tensor) => tf.Tensor;

const same = (t: tf.Tensor): tf.Tensor => t;

/** forward, forwardTrace and forwardFrom from a net's stages (stage i ends at the output of prunable layer i). */
export function stagedForward(stages: readonly Stage[]): Pick<MaskedNet, 'forward' | 'forwardTrace' | 'forwardFrom'> {
  return {
    forward(x, noise) {
      let h: tf.Tensor = x;
      stages.forEach((s, i) => {
        h = s(h, noise && i > 0 ? (t) => noise(t, i) : same);
      });
      return h as tf.Tensor2D;
    },
    forwardTrace(x) {
      const out: tf.Tensor[] = [];
      let h: tf.Tensor = x;
      for (const s of stages) {
        h = s(h, same);
        out.push(h);
      }
      return out;
    },
    forwardFrom(index, h0) {
      if (!Number.isInteger(index) || index < 0 || index >= stages.length) throw new Error(`no layer ${index}: the net has ${stages.length}`);
      let h = h0;
      for (let i = index + 1; i < stages.length; i++) h = stages[i]!(h, same);
      return h as tf.Tensor2D;
    },
  };
}
