// Masked 3x3 (any kh x kw) convolution layers: y = act(conv2d(x, w ⊙ m, stride 1, 'same') + b), NHWC, weights in
// tfjs layout [kh, kw, in, out]. Same contract as MaskedDense (masked.ts): biases are not masked or pruned, pruned
// weights get a zero gradient and are re-zeroed after every optimizer step, so they never regrow.
import * as tf from '@tensorflow/tfjs';
import type { InitKind } from '../init';
import type { Rng } from '../rng';
import { MaskedWeights } from './masked';

const STRIDES: [number, number] = [1, 1];
const PAD = 'same' as const;

/**
 * act(conv2d(x, w ⊙ m) + b) with an explicit gradient, so that
 * - the forward pass is one FusedConv2D kernel (XNNPACK conv + bias + ReLU on wasm);
 * - dW = Conv2DBackpropFilter(x, g) ⊙ m (zero at pruned positions) and db = Σ g, with g = dy ⊙ [y > 0] for ReLU;
 * - dx = Conv2DBackpropInput(g, w ⊙ m) is computed only when `inputGrad` (not for the first layer, whose input is
 *   data): tfjs' own fused-conv gradient always computes it.
 * `m` null means an all-ones mask (dense round): the products with it are skipped.
 */
export function maskedConv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  m: tf.Tensor4D | null,
  bias: tf.Tensor1D,
  relu: boolean,
  inputGrad = true,
): tf.Tensor4D {
  const activation = relu ? 'relu' : 'linear';
  const masked = (t: tf.Tensor4D): tf.Tensor4D => (m ? tf.mul(t, m) : t);
  // The FusedConv2D kernel directly: tf.fused.conv2d itself falls back to conv2d + add + relu (three passes over the
  // activations) whenever gradients are being recorded, which is always the case while training.
  const forward = (xi: tf.Tensor4D, wm: tf.Tensor4D, bi: tf.Tensor1D): tf.Tensor4D =>
    tf.engine().runKernel(tf.FusedConv2D, { x: xi, filter: wm, bias: bi }, {
      strides: STRIDES,
      pad: PAD,
      dataFormat: 'NHWC',
      dilations: [1, 1],
      activation,
    }) as tf.Tensor4D;
  const filterShape = w.shape;
  const grads = (xs: tf.Tensor4D, wm: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, withInput: boolean): tf.Tensor[] => {
    const g: tf.Tensor4D = relu ? tf.mul(dy, tf.step(y)) : dy;
    const dW = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xs, dy: g }, {
      strides: STRIDES,
      pad: PAD,
      dataFormat: 'NHWC',
      filterShape,
    }) as tf.Tensor4D;
    const db = tf.sum(g, [0, 1, 2]) as tf.Tensor1D;
    const dWm = masked(dW);
    if (!withInput) return [dWm, db];
    const dx = tf.conv2dTranspose(g, wm, xs.shape, STRIDES, PAD);
    return [dx, dWm, db];
  };
  if (!inputGrad) {
    const op = tf.customGrad((...args) => {
      const [wi, bi, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
      const wm = masked(wi);
      const y = forward(x, wm, bi);
      save([y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => grads(x, wm, saved[0] as tf.Tensor4D, dy as tf.Tensor4D, false),
      };
    });
    return op(w, bias) as tf.Tensor4D;
  }
  const op = tf.customGrad((...args) => {
    const [xi, wi, bi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    const wm = masked(wi);
    const y = forward(xi, wm, bi);
    save([xi, wm, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, wms, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        return grads(xs, wms, ys, dy as tf.Tensor4D, true);
      },
    };
  });
  return op(x, w, bias) as tf.Tensor4D;
}

export class MaskedConv2D extends MaskedWeights<tf.Rank.R4> {
  readonly kind = 'conv' as const;
  readonly inChannels: number;
  readonly outChannels: number;

  constructor(name: string, kernel: number, inChannels: number, outChannels: number, init: InitKind, rng: Rng) {
    super(name, [kernel, kernel, inChannels, outChannels], init, rng);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
  }

  /** act(conv2d(x, w ⊙ m, stride 1, 'same') + b) on NHWC x. `inputGrad` false when x is data. */
  apply(x: tf.Tensor4D, relu: boolean, inputGrad = true): tf.Tensor4D {
    const { w, m } = this.computeWeights();
    return maskedConv2d(x, w, m, this.bias, relu, inputGrad);
  }
}
