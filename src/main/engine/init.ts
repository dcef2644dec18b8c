// Weight initialisation from the project's own generator (rng.ts). Values are generated as a Float32Array in JS and
// then uploaded, so the same seed gives bit-identical initial weights on every backend (cpu, wasm, GPU, ...).
//
// Gaussian Glorot is a PLAIN normal with std = sqrt(2 / (fan_in + fan_out)), as in Frankle & Carbin (2019), whose
// code used tf.glorot_normal_initializer of TF 1.x (untruncated at the time). We deliberately do not truncate at
// two standard deviations (Keras' newer `glorot_normal` does, with a std correction): a plain normal is simpler to
// reproduce exactly in other frameworks (torch.nn.init.xavier_normal_ is also untruncated).
import type { Rng } from './rng';

export const INIT_KINDS = ['glorot-normal', 'kaiming-normal', 'signed-kaiming-constant'] as const;
export type InitKind = (typeof INIT_KINDS)[number];

/** Fans of a weight in tfjs layout: dense [in, out]; conv [kh, kw, in, out] (receptive field times channels). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`fans: weight shape must have at least 2 dims, got [${shape.join(', ')}]`);
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const inDim = shape[shape.length - 2]!;
  const outDim = shape[shape.length - 1]!;
  return { fanIn: receptive * inDim, fanOut: receptive * outDim };
}

/** The standard deviation (or, for the signed constant, the magnitude) an init kind uses for a shape. */
export function initScale(kind: InitKind, shape: readonly number[]): number {
  const { fanIn, fanOut } = fans(shape);
  switch (kind) {
    case 'glorot-normal':
      return Math.sqrt(2 / (fanIn + fanOut));
    case 'kaiming-normal':
    case 'signed-kaiming-constant':
      return Math.sqrt(2 / fanIn);
  }
}

/** Initial values for a weight of `shape` (tfjs layout), drawn from `rng`. */
export function initWeights(kind: InitKind, shape: readonly number[], rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const scale = initScale(kind, shape);
  if (kind === 'signed-kaiming-constant') {
    // Ramanujan et al. (2020): every weight is +-sqrt(2/fan_in) with a random sign.
    for (let i = 0; i < n; i++) out[i] = (rng.nextUint32() & 1) === 0 ? scale : -scale;
  } else {
    for (let i = 0; i < n; i++) out[i] = rng.normal(0, scale);
  }
  return out;
}
