// Gradient checks of the wasm backend (with this project's registered conv gradient kernels) against the plain JS
// cpu backend: same inputs, relative tolerance 1e-4 (max |difference| <= 1e-4 * max |reference|).
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/main/engine/backend';
import { registerWasmKernels, wasmKernelsRegistered } from '../../src/main/engine/kernels/index';
import { createConvNet } from '../../src/main/engine/nets/conv';
import { maskedMatMul } from '../../src/main/engine/nets/masked';
import { Rng } from '../../src/main/engine/rng';
import { expectClose, randn, size } from '../helpers/numeric';

type Backend = 'cpu' | 'wasm';


interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}

const CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], w: [3, 3, 3, 5], stride: 1, pad: 'same' },
  { x: [3, 7, 9, 4], w: [3, 3, 4, 6], stride: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], w: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [2, 10, 7, 2], w: [3, 3, 2, 3], stride: 2, pad: 'valid' },
  { x: [2, 11, 11, 3], w: [5, 3, 3, 2], stride: 2, pad: 'same' },
  { x: [1, 6, 6, 8], w: [1, 1, 8, 4], stride: 1, pad: 'valid' },
  { x: [4, 16, 16, 16], w: [3, 3, 16, 32], stride: 1, pad: 'same' },
];

/** dx and dW of sum(conv2d(x, w) ⊙ r) on one backend (r fixed, so dy = r), plus the forward output. */
async function convGrads(backend: Backend, c: ConvCase, seed: number): Promise<{ y: Float32Array; dx: Float32Array; dw: Float32Array }> {
  await selectBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(randn(size(c.x), seed), c.x);
    const w = tf.tensor4d(randn(size(c.w), seed + 1), c.w);
    const y = tf.conv2d(x, w, c.stride, c.pad);
    const r = tf.tensor(randn(y.size, seed + 2), y.shape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)));
    const [dx, dw] = g([x, w]);
    return { y: y.dataSync() as Float32Array, dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

describe('wasm kernels', () => {
  afterAll(async () => {
    await selectBackend('wasm');
  });

  it('registers the conv gradient kernels for wasm, idempotently', async () => {
    await selectBackend('wasm');
    expect(wasmKernelsRegistered()).toBe(true);
    expect(registerWasmKernels()).toEqual(['Conv2DBackpropInput', 'Conv2DBackpropFilter']);
    expect(registerWasmKernels()).toEqual(['Conv2DBackpropInput', 'Conv2DBackpropFilter']);
    expect(wasmKernelsRegistered()).toBe(true);
  });

  it.each(CASES.map((c, i) => [i, c] as const))('conv gradients match the cpu backend (case %i)', async (i, c) => {
    const cpu = await convGrads('cpu', c, 10 * i);
    const wasm = await convGrads('wasm', c, 10 * i);
    expectClose(wasm.y, cpu.y, 'y');
    expectClose(wasm.dx, cpu.dx, 'dx');
    expectClose(wasm.dw, cpu.dw, 'dw');
  });

  it('conv gradient kernels leak no tensors or backend memory', async () => {
    await selectBackend('wasm');
    const x = tf.tensor4d(randn(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const w = tf.tensor4d(randn(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const dy = tf.tensor4d(randn(2 * 5 * 5 * 4, 3), [2, 5, 5, 4]);
    const be = tf.backend() as unknown as { numDataIds(): number };
    const before = tf.memory().numTensors;
    const beforeIds = be.numDataIds();
    for (let k = 0; k < 3; k++) {
      const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] }) as tf.Tensor;
      const dx = tf.conv2dTranspose(dy, w, [2, 9, 9, 3], 2, 'same');
      expect(dW.shape).toEqual([3, 3, 3, 4]);
      expect(dx.shape).toEqual([2, 9, 9, 3]);
      tf.dispose([dW, dx]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(be.numDataIds()).toBe(beforeIds);
    tf.dispose([x, w, dy]);
  });

  it('dense (masked matMul) gradients match the cpu backend', async () => {
    const run = async (backend: Backend): Promise<Float32Array[]> => {
      await selectBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor2d(randn(24 * 50, 5), [24, 50]);
        const w = tf.tensor2d(randn(50 * 30, 6), [50, 30]);
        const m = tf.tensor2d(Float32Array.from(randn(50 * 30, 7), (v) => (v > 0 ? 1 : 0)), [50, 30]);
        const r = tf.tensor2d(randn(24 * 30, 8), [24, 30]);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(maskedMatMul(a as tf.Tensor2D, b as tf.Tensor2D, m), r)));
        const plain = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), r)));
        return [...g([x, w]), ...plain([x, w])].map((t) => t.dataSync() as Float32Array);
      });
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    cpu.forEach((c, i) => expectClose(wasm[i]!, c, `grad ${i}`));
  });

  it('a Conv-2 forward and backward pass agree on wasm and cpu', async () => {
    const run = async (backend: Backend): Promise<{ logits: Float32Array; grads: Float32Array[] }> => {
      await selectBackend(backend);
      // 8x8x3 rather than 32x32x3 keeps the plain-JS cpu side to a second or two; the layers and kernels are the same.
      const net = createConvNet('conv-2', 4, 'glorot-normal', [8, 8, 3], 10);
      // A pruned first conv layer and fc1, so the masked paths run too.
      const rng = new Rng(9);
      for (const l of [net.layers[0]!, net.layers[2]!]) await l.setMask(Float32Array.from({ length: l.size }, () => (rng.uniform() < 0.5 ? 1 : 0)));
      const out = tf.tidy(() => {
        const x = tf.tensor2d(randn(4 * 192, 11), [4, 192]);
        const labels = tf.oneHot(tf.tensor1d([1, 5, 7, 9], 'int32'), 10).toFloat() as tf.Tensor2D;
        const logits = net.forward(x).dataSync() as Float32Array;
        const vars = net.variables();
        const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, net.forward(x)) as tf.Scalar, vars);
        return { logits, grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array) };
      });
      net.dispose();
      return out;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expectClose(wasm.logits, cpu.logits, 'logits');
    expect(wasm.grads.length).toBe(10);
    cpu.grads.forEach((g, i) => expectClose(wasm.grads[i]!, g, `grad of variable ${i}`));
  });
});
