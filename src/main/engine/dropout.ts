// Dropout (config `dropout`), in training passes only: inverted dropout as in Keras and PyTorch (each unit kept with
// probability 1 - rate and then scaled by 1 / (1 - rate), so evaluation uses the net as it is). The masks are drawn
// on the CPU from the step's generator, so a seed drops the same units on every backend. Rates are per role of the
// layer whose INPUT is dropped: `fc` for fully connected layers, `conv` for conv layers; the data feeding the first
// layer is never dropped (nets/masked.ts LayerInputNoise).
import * as tf from '@tensorflow/tfjs';
import type { Dropout } from '../../shared/config';
import type { LayerInputNoise } from './nets/masked';
import type { Rng } from './rng';

/** The rate dropping the input of each prunable layer (0: none), by the layer's kind. */
export function dropoutRates(spec: Dropout, kinds: readonly ('dense' | 'conv')[]): number[] {
  return kinds.map((k) => (k === 'conv' ? spec.conv : spec.fc) ?? 0);
}

/** One training step's dropout, drawing its masks from `rng` in the order the forward pass asks for them. */
export function dropoutNoise(rates: readonly number[], rng: Rng): LayerInputNoise {
  return (h, layer) => {
    const rate = rates[layer] ?? 0;
    if (rate <= 0) return h;
    const keep = new Float32Array(h.size);
    const scale = 1 / (1 - rate);
    // nextUint32() < rate · 2^32 drops: probability rate (to 2^-32).
    const threshold = rate * 4294967296;
    for (let i = 0; i < keep.length; i++) keep[i] = rng.nextUint32() < threshold ? 0 : scale;
    return tf.mul(h, tf.tensor(keep, h.shape));
  };
}
