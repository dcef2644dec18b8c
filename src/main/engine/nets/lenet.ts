// LeNet-300-100 (LeCun et al. 1998; the fully connected net of Frankle & Carbin 2019): 784 → 300 → 100 → 10, ReLU,
// every layer a masked dense layer (weights prunable, biases not).
import * as tf from '@tensorflow/tfjs';
import type { InitKind } from '../init';
import { streamRng } from '../rng';
import { MaskedDense, netHelpers, stagedForward } from './masked';
import type { MaskedNet } from './masked';

// MaskedNet lives in masked.ts now (shared with the conv nets); re-exported here for existing imports.
export type { MaskedNet } from './masked';

export const LENET_300_100_SIZES = [784, 300, 100, 10] as const;

/**
 * Build LeNet-300-100 with weights drawn from the run seed. Each layer has its own stream (`init/<layer>`), so a
 * layer's initial weights depend only on the seed and the layer, and are bit-identical on every backend.
 */
export function createLenet300100(
  seed: number,
  init: InitKind = 'glorot-normal',
  input: number | readonly [number, number, number] = [28, 28, 1],
  numClasses = 10,
): MaskedNet<MaskedDense> {
  // A bare feature count is a flat input [1, 1, n]; the net flattens images anyway.
  const inputShape: readonly [number, number, number] = typeof input === 'number' ? [1, 1, input] : [...input];
  const inputSize = inputShape[0] * inputShape[1] * inputShape[2];
  const sizes = [inputSize, 300, 100, numClasses];
  const layers: MaskedDense[] = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    const name = `fc${i + 1}`;
    layers.push(new MaskedDense(name, sizes[i]!, sizes[i + 1]!, init, streamRng(seed, `init/${name}`)));
  }
  return {
    arch: 'lenet-300-100',
    inputShape,
    layers,
    ...stagedForward(
      layers.map((layer, i) => (h: tf.Tensor, input: (t: tf.Tensor) => tf.Tensor) => {
        const z = layer.apply(input(h) as tf.Tensor2D, i > 0);
        return i < layers.length - 1 ? tf.relu(z) : z;
      }),
    ),
    ...netHelpers(layers),
  };
}
