// Conv-2, Conv-4, Conv-6 (Frankle & Carbin 2019, after Simonyan & Zisserman's VGG) and Conv-8 (Ramanujan et al.
// 2020, edge-popup): pairs of 3x3 convolutions, stride 1, 'same' padding, ReLU, each pair followed by a 2x2 max-pool of
// stride 2; then fully connected 256, 256 (ReLU) and the output layer.
//   Conv-2: 64, 64, pool                     Conv-6: Conv-4 + 256, 256, pool
//   Conv-4: Conv-2 + 128, 128, pool          Conv-8: Conv-6 + 512, 512, pool
// Layer names (stable; snapshots export `<name>.weight` etc., and they match the PyTorch modules in docs/pytorch.md):
//   conv1 ... conv{2k} (k = 1, 2, 3, 4), then fc1 (flattened feature map → 256), fc2 (256 → 256), fc3 (256 → classes).
// Every conv and fc layer is prunable (weight, bias, mask); biases are not pruned, as in the papers. Weights are in
// tfjs layout: conv [3, 3, in, out], dense [in, out]; computation is NHWC, so fc1 reads the last feature map
// flattened in (h, w, c) order (snapshots reorder that axis for PyTorch's (c, h, w) flattening).
//
// Weights on 32x32x3 inputs with 10 classes (biases not counted; checked by tests/unit/engine-conv.test.ts):
//   Conv-2: 4,300,992 (= F&C's Table 1: 4.3M)    Conv-6: 2,261,184 (F&C's table says 1.7M; the architecture it
//   Conv-4: 2,425,024 (= F&C: 2.4M)              Conv-8: 5,275,840  describes, counted layer by layer, gives 2.26M)
import * as tf from '@tensorflow/tfjs';
import type { InitKind } from '../init';
import { streamRng } from '../rng';
import { MaskedDense, netHelpers, stagedForward } from './masked';
import type { MaskedLayer, MaskedNet } from './masked';
import { MaskedConv2D } from './masked-conv';

export const CONV_DEPTHS = { 'conv-2': 2, 'conv-4': 4, 'conv-6': 6, 'conv-8': 8 } as const;
export type ConvArch = keyof typeof CONV_DEPTHS;

/** Output channels of the conv layers of Conv-`depth`: 64, 64, 128, 128, 256, 256, 512, 512 (first `depth`). */
export function convChannels(depth: number): number[] {
  return Array.from({ length: depth }, (_, i) => 64 * 2 ** Math.floor(i / 2));
}

export const CONV_FC_SIZES = [256, 256] as const;

/**
 * Build Conv-2/4/6/8 for inputs of `inputShape` [h, w, c] with weights drawn from the run seed: each layer from its
 * own stream `init/<name>`, so the initial weights depend only on (seed, layer) and are bit-identical on every backend.
 * Any input of at least 2^(depth/2) pixels a side works (CIFAR-shaped 32x32x3, MNIST-shaped 28x28x1, ...).
 */
export function createConvNet(
  arch: ConvArch,
  seed: number,
  init: InitKind = 'glorot-normal',
  inputShape: readonly [number, number, number] = [32, 32, 3],
  numClasses = 10,
): MaskedNet<MaskedLayer> {
  const depth = CONV_DEPTHS[arch];
  const [h0, w0, c0] = inputShape;
  // Each 2x2 pool of stride 2 floors odd sizes (like PyTorch's MaxPool2d(2)): 28 → 14 → 7 → 3 → 1.
  let hf = h0;
  let wf = w0;
  for (let p = 0; p < depth / 2; p++) {
    hf = Math.floor(hf / 2);
    wf = Math.floor(wf / 2);
  }
  if (hf < 1 || wf < 1) throw new Error(`${arch} needs inputs of at least ${2 ** (depth / 2)}x${2 ** (depth / 2)} pixels, got ${h0}x${w0}`);
  const convs: MaskedConv2D[] = [];
  let c = c0;
  convChannels(depth).forEach((out, i) => {
    const name = `conv${i + 1}`;
    convs.push(new MaskedConv2D(name, 3, c, out, init, streamRng(seed, `init/${name}`)));
    c = out;
  });
  const flat = hf * wf * c;
  const sizes = [flat, ...CONV_FC_SIZES, numClasses];
  const fcs: MaskedDense[] = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    const name = `fc${i + 1}`;
    fcs.push(new MaskedDense(name, sizes[i]!, sizes[i + 1]!, init, streamRng(seed, `init/${name}`)));
  }
  const layers: MaskedLayer[] = [...convs, ...fcs];
  const shape = [h0, w0, c0] as const;
  return {
    arch,
    inputShape: shape,
    layers,
    // Stage i ends at the output of layer i: conv i after ReLU (pooling, every second conv, starts the next stage),
    // then fc1 (after the last pool and the flattening), fc2, fc3 (logits).
    // Training noise (dropout) acts on each layer's input after the pooling and flattening, as Keras' Flatten ->
    // Dropout -> Dense does.
    ...stagedForward([
      ...convs.map((layer, i) => (h: tf.Tensor, input: (t: tf.Tensor) => tf.Tensor) => {
        let x: tf.Tensor4D = i === 0 ? tf.reshape(h, [-1, h0, w0, c0]) : (h as tf.Tensor4D);
        if (i > 0 && i % 2 === 0) x = tf.maxPool(x, 2, 2, 'valid');
        return layer.apply(input(x) as tf.Tensor4D, true, i > 0);
      }),
      ...fcs.map((layer, i) => (h: tf.Tensor, input: (t: tf.Tensor) => tf.Tensor) => {
        const x: tf.Tensor2D = i === 0 ? tf.reshape(tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'), [-1, flat]) : (h as tf.Tensor2D);
        const z = layer.apply(input(x) as tf.Tensor2D);
        return i < fcs.length - 1 ? tf.relu(z) : z;
      }),
    ]),
    ...netHelpers(layers),
  };
}
