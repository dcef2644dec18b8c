// LeNet-300-100 (LeCun et al. 1998; the fully connected net of Frankle & Carbin 2019): 784 → 300 → 100 → 10, ReLU,
// every layer a masked dense layer (weights prunable, biases not).
import * as tf from '@tensorflow/tfjs';
import type { InitKind } from '../init';
import { streamRng } from '../rng';
import { MaskedDense } from './masked';

export interface MaskedNet {
  readonly arch: string;
  readonly layers: readonly MaskedDense[];
  /** Logits for a batch of flattened inputs [n, features]. */
  forward(x: tf.Tensor2D): tf.Tensor2D;
  /** Every trainable variable (weights and biases). */
  variables(): tf.Variable[];
  /** Re-apply every layer's mask (after each optimizer step). */
  applyMasks(): void;
  /** Fraction of prunable weights kept. */
  density(): number;
  dispose(): void;
}

export const LENET_300_100_SIZES = [784, 300, 100, 10] as const;

/**
 * Build LeNet-300-100 with weights drawn from the run seed. Each layer has its own stream (`init/<layer>`), so a
 * layer's initial weights depend only on the seed and the layer, and are bit-identical on every backend.
 */
export function createLenet300100(seed: number, init: InitKind = 'glorot-normal', inputSize = 784, numClasses = 10): MaskedNet {
  const sizes = [inputSize, 300, 100, numClasses];
  const layers: MaskedDense[] = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    const name = `fc${i + 1}`;
    layers.push(new MaskedDense(name, sizes[i]!, sizes[i + 1]!, init, streamRng(seed, `init/${name}`)));
  }
  return {
    arch: 'lenet-300-100',
    layers,
    forward(x) {
      let h = x;
      layers.forEach((layer, i) => {
        const z = layer.apply(h, i > 0);
        h = i < layers.length - 1 ? tf.relu(z) : z;
      });
      return h;
    },
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
