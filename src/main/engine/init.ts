// Weight initialisation from the project's own generator (rng.ts). Values are generated as a Float32Array in JS and
// then uploaded, so the same seed gives bit-identical initial weights on every backend (cpu, wasm, GPU, ...).
//
// Gaussian Glorot (Frankle & Carbin 2019: "Gaussian Glorot initialization") is drawn as in Frankle's own TensorFlow
// code for the paper's experiments (google-research/lottery-ticket-hypothesis, foundations/model_fc.py:
// tf.contrib.layers.xavier_initializer(uniform=False)), i.e. TF 1.x contrib's variance_scaling_initializer with
// factor 1 and mode FAN_AVG: a normal of standard deviation s = sqrt(1.3 · 2 / (fan_in + fan_out)), truncated at
// ±2s (values outside are drawn again, as tf.truncated_normal does). The factor 1.3 makes up for the truncation,
// so the weights' standard deviation is 0.8796 · sqrt(1.3) ≈ 1.0029 times sqrt(2 / (fan_in + fan_out)), and no
// weight exceeds 2s ≈ 2.28 sqrt(2 / (fan_in + fan_out)). (open_lth, Frankle's later PyTorch code, uses the
// untruncated torch.nn.init.xavier_normal_ instead; docs/methods.md lists the difference.)
//
// Kaiming normal is untruncated (torch.nn.init.kaiming_normal_, as in Ramanujan et al.'s code). The signed
// constants: Kaiming (Ramanujan et al. 2020) is ±sqrt(2 / fan_in); Glorot (Zhou et al. 2019, masked_networks.py
// make_signed_consts) is sign(w) · std(w) of a Glorot draw w, std the population standard deviation of the layer.
import type { Rng } from './rng';

export const INIT_KINDS = ['glorot-normal', 'kaiming-normal', 'signed-kaiming-constant', 'signed-glorot-constant'] as const;
export type InitKind = (typeof INIT_KINDS)[number];

/** tf.contrib.layers.variance_scaling_initializer's correction for the truncation at two standard deviations. */
export const GLOROT_TRUNCATION_FACTOR = 1.3;

/** Fans of a weight in tfjs layout: dense [in, out]; conv [kh, kw, in, out] (receptive field times channels). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`fans: weight shape must have at least 2 dims, got [${shape.join(', ')}]`);
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const inDim = shape[shape.length - 2]!;
  const outDim = shape[shape.length - 1]!;
  return { fanIn: receptive * inDim, fanOut: receptive * outDim };
}

/**
 * The scale an init kind uses for a shape: the standard deviation of the normal drawn from (Glorot: before the
 * truncation, s above), or the magnitude of the Kaiming signed constant. (The Glorot signed constant depends on the
 * draw: it is measured, not given.)
 */
export function initScale(kind: InitKind, shape: readonly number[]): number {
  const { fanIn, fanOut } = fans(shape);
  switch (kind) {
    case 'glorot-normal':
    case 'signed-glorot-constant':
      return Math.sqrt((GLOROT_TRUNCATION_FACTOR * 2) / (fanIn + fanOut));
    case 'kaiming-normal':
    case 'signed-kaiming-constant':
      return Math.sqrt(2 / fanIn);
  }
}

/** Normal of standard deviation `s` truncated at ±2s by redrawing (tf.truncated_normal). */
function truncatedNormal(out: Float32Array, s: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) {
    let z = rng.normal();
    while (z < -2 || z > 2) z = rng.normal();
    out[i] = s * z;
  }
}

/** Population standard deviation (tf.nn.moments), accumulated in float64. */
function populationStd(a: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]!;
  const mean = sum / a.length;
  let sq = 0;
  for (let i = 0; i < a.length; i++) sq += (a[i]! - mean) ** 2;
  return Math.sqrt(sq / a.length);
}

/** Initial values for a weight of `shape` (tfjs layout), drawn from `rng`. */
export function initWeights(kind: InitKind, shape: readonly number[], rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const scale = initScale(kind, shape);
  switch (kind) {
    case 'signed-kaiming-constant':
      // Ramanujan et al. (2020): every weight is +-sqrt(2/fan_in) with a random sign.
      for (let i = 0; i < n; i++) out[i] = (rng.nextUint32() & 1) === 0 ? scale : -scale;
      return out;
    case 'kaiming-normal':
      for (let i = 0; i < n; i++) out[i] = rng.normal(0, scale);
      return out;
    case 'glorot-normal':
      truncatedNormal(out, scale, rng);
      return out;
    case 'signed-glorot-constant': {
      // Zhou et al. (2019): the Glorot draw's signs, every magnitude the draw's standard deviation.
      truncatedNormal(out, scale, rng);
      const c = Math.fround(populationStd(out));
      for (let i = 0; i < n; i++) out[i] = out[i]! > 0 ? c : out[i]! < 0 ? -c : 0;
      return out;
    }
  }
}
