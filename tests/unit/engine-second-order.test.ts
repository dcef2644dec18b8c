// The gradients kernels/gradients.ts registers for tfjs' gradient kernels (for double backpropagation), on the cpu
// and wasm backends, against brute force: Conv2DBackpropFilter(x, dy) is linear in x and in dy, and MaxPoolGrad(dy)
// is linear in dy, so the gradient of f = Σ ddw ⊙ kernel(...) with respect to entry i of an argument is f with that
// argument replaced by the unit tensor e_i.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/main/engine/backend';
import { registerSecondOrderGradients } from '../../src/main/engine/kernels/gradients';
import { Rng } from '../../src/main/engine/rng';

const rand = (shape: number[], rng: Rng) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 1)), shape);

/** [∂f/∂t_i for every i] by evaluating the linear function f at unit tensors. */
function bruteForce(t: tf.Tensor, f: (u: tf.Tensor) => tf.Scalar): Float32Array {
  const out = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) {
    out[i] = tf.tidy(() => {
      const e = new Float32Array(t.size);
      e[i] = 1;
      return f(tf.tensor(e, t.shape)).dataSync()[0]!;
    });
  }
  return out;
}

/** The Conv2DBackpropFilter kernel (no public op either). */
const conv2dBackpropFilter = (x: tf.Tensor, dy: tf.Tensor, filterShape: number[], strides: number, pad: 'same' | 'valid') =>
  tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { filterShape, strides, pad, dataFormat: 'NHWC' }) as tf.Tensor4D;

/** The MaxPoolGrad kernel (tfjs has no public op for it). */
const maxPoolGrad = (dy: tf.Tensor, input: tf.Tensor, output: tf.Tensor, filterSize: number, strides: number) =>
  tf.engine().runKernel(tf.MaxPoolGrad, { dy, input, output }, { filterSize, strides, pad: 'valid' }) as tf.Tensor4D;

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
};

describe.each(['cpu', 'wasm'] as const)('second-order gradients on %s', (backend) => {
  it('registers the gradients of Conv2DBackpropFilter and MaxPoolGrad', async () => {
    await selectBackend(backend);
    expect(registerSecondOrderGradients().sort()).toEqual([tf.Conv2DBackpropFilter, tf.MaxPoolGrad].sort());
    expect(registerSecondOrderGradients().length).toBe(2); // idempotent
  });

  for (const [strides, pad] of [
    [1, 'same'],
    [2, 'valid'],
  ] as const) {
    it(`Conv2DBackpropFilter: gradients in x and dy (stride ${strides}, ${pad})`, async () => {
      await selectBackend(backend);
      registerSecondOrderGradients();
      const rng = new Rng(21);
      const filterShape: [number, number, number, number] = [3, 3, 2, 3];
      const x = rand([2, 5, 5, 2], rng) as tf.Tensor4D;
      const oh = pad === 'same' ? 5 : 2;
      const dy = rand([2, oh, oh, 3], rng) as tf.Tensor4D;
      const ddw = rand(filterShape, rng);
      const f = (xi: tf.Tensor, dyi: tf.Tensor) => tf.sum(tf.mul(ddw, conv2dBackpropFilter(xi, dyi, filterShape, strides, pad))) as tf.Scalar;
      const [gx, gdy] = tf.grads(f)([x, dy]);
      expect(maxRelDiff(gx!.dataSync(), bruteForce(x, (u) => f(u, dy)))).toBeLessThan(1e-5);
      expect(maxRelDiff(gdy!.dataSync(), bruteForce(dy, (u) => f(x, u)))).toBeLessThan(1e-5);
      tf.dispose([x, dy, ddw, gx!, gdy!]);
    });
  }

  it('MaxPoolGrad: gradient in dy for 2x2 windows of stride 2, ties included; overlapping windows refused', async () => {
    await selectBackend(backend);
    registerSecondOrderGradients();
    const rng = new Rng(22);
    // 5x6: the last row is in no window ('valid'); a window of zeros (a tie, as after a ReLU).
    const xv = Float32Array.from({ length: 2 * 5 * 6 * 2 }, () => rng.normal(0, 1));
    for (const i of [0, 1, 6, 7].map((p) => p * 2)) xv[i] = 0;
    const x = tf.tensor4d(xv, [2, 5, 6, 2]);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = rand(y.shape, rng);
    const ddx = rand(x.shape, rng);
    const f = (dyi: tf.Tensor) => tf.sum(tf.mul(ddx, maxPoolGrad(dyi, x, y, 2, 2))) as tf.Scalar;
    const g = tf.grad(f)(dy);
    expect(maxRelDiff(g.dataSync(), bruteForce(dy, f))).toBeLessThan(1e-6);
    const y3 = tf.maxPool(x, 3, 1, 'valid');
    expect(() => tf.grad((d: tf.Tensor) => tf.sum(maxPoolGrad(d, x, y3, 3, 1)))(tf.onesLike(y3))).toThrow(
      /max pooling with overlapping windows \(3x3, stride 1x1\)/,
    );
    tf.dispose([x, y, dy, ddx, g, y3]);
  });
});
