// Feature visualisation by optimisation (Olah, Mordvintsev & Schubert 2017, "Feature Visualization", Distill; their
// library lucid: optvis/param/spatial.py, param/color.py, param/images.py, transform.py, render.py): an input that
// maximises one unit's activation, found by gradient ascent on a decorrelated parametrisation of the image, under
// small random transformations so that the image does not exploit pixel-exact patterns.
//
// What is optimised (docs/analysis.md, "Feature visualisation", lists the differences from lucid):
// - the unit's objective: a conv channel's pre-activation (before its ReLU) averaged over the map's positions (lucid's
//   `channel` objective, on the pre-ReLU tensor lucid's examples use, so that the gradient does not vanish where the
//   unit is off); a dense unit's pre-activation; for the output layer the logit.
// - the image: lucid's `fft_image` — per channel a half spectrum X[ky, kx] (real and imaginary parts, initialised
//   N(0, sd = 0.01) from the seed), scaled by 1/max(f, 1/max(h, w))^decay_power · sqrt(h·w) (f the frequency of the
//   coefficient, decay_power 1), brought back to pixels by the inverse real 2-D DFT (numpy's irfft2, written as four
//   real matrix products so that every backend can differentiate it; odd widths keep one more frequency and crop a
//   column, as lucid does), divided by 4. Three channels are then mixed by lucid's colour decorrelation (the square
//   root of ImageNet's colour correlation, normalised by its largest column norm); every channel goes through a
//   sigmoid into [0, 1]. One channel (MNIST-like data) is lucid's `image(..., channels=1)`: no colour mixing.
// - the transforms of every step (lucid's standard_transforms: pad 12 with 0.5, jitter 8, scale 0.9..1.1, rotate
//   −10..10 degrees, jitter 4, then crop_or_pad_to the net's input size), composed here into one affine resampling
//   of the image with bilinear interpolation and 0.5 wherever the source lies outside the image: a random integer
//   shift in ±J1, a scale s, a rotation θ, a shift in ±J2, about the centre, output at the input size. J1 = 4 and
//   J2 = 2 pixels at lucid's 224-pixel scale, scaled to the image (at least 1: ±1 pixel at 28–32 pixels).
// - the net sees the pixels normalised as its data set is (the run's normalisation constants, per channel when it has
//   them), and Adam (lr 0.05, β = 0.9, 0.999, ε = 1e-8: lucid's default, TF1's AdamOptimizer) maximises the
//   objective for `steps` steps (lucid: 512).
// Returned: the objective at every step (on that step's transformed image), the final untransformed image in pixel
// space, as the net's input, and as RGBA bytes, and the unit's objective and post-ReLU activation on it.
import type { VisualizeAnalysisResult } from '../../../shared/detector';
import * as tf from '@tensorflow/tfjs';
import type { Normalisation } from '../../../shared/contract';
import { ValidationError } from '../../../shared/errors';
import type { MaskedNet } from '../nets/masked';
import { streamRng, type Rng } from '../rng';
import { CancelledError } from '../types';
import { unitLayerIndex } from './geometry';
import { applyStage, checkPlan, netPlan, planTrace, type PlanStage, type RunControl } from './intervene';

/** lucid's color_correlation_svd_sqrt (ImageNet), rows = RGB. */
export const COLOR_CORRELATION_SVD_SQRT = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
] as const;

export interface VisualizeOptions {
  layer: string;
  unit: number;
  /** Optimisation steps (lucid: 512). */
  steps: number;
  seed: number;
  /** Adam's learning rate (lucid: 0.05). */
  lr?: number;
  /** The random transforms (default on). */
  transforms?: boolean;
  /** Colour decorrelation for 3-channel images (default on). */
  decorrelate?: boolean;
  /** Initial spectrum's standard deviation (lucid: 0.01) and the 1/f decay power (lucid: 1). */
  sd?: number;
  decayPower?: number;
}

/** The contract's result (shared/detector.ts) before the core adds the state and the wire form of the image. */
export interface VisualizeResult extends Omit<VisualizeAnalysisResult, 'state' | 'image' | 'meta'> {
  image: {
    shape: [number, number, number];
    /** HWC in [0, 1]. */
    pixels: Float32Array;
    /** HWC, normalised: what the net sees. */
    input: Float32Array;
    /** h · w · 4 bytes (gray images repeated in R, G and B), ready for a PNG encoder or an ImageData. */
    rgba: Uint8ClampedArray;
  };
}

/** numpy.fft.fftfreq(n)[k]. */
const fftfreq = (n: number, k: number): number => (k < Math.ceil(n / 2) ? k : k - n) / n;

/** Columns of the half spectrum lucid keeps for width w (one more for odd widths, whose extra output column is cropped). */
export const halfWidth = (w: number): number => (w % 2 === 1 ? Math.floor(w / 2) + 2 : Math.floor(w / 2) + 1);

/** lucid's spectrum scale: 1/max(f, 1/max(h, w))^decay · sqrt(h·w), [h, wf] row-major. */
export function spectrumScale(h: number, w: number, decay = 1): Float32Array {
  const wf = halfWidth(w);
  const s = new Float32Array(h * wf);
  for (let ky = 0; ky < h; ky++)
    for (let kx = 0; kx < wf; kx++) {
      const f = Math.hypot(fftfreq(h, ky), fftfreq(w, kx));
      s[ky * wf + kx] = (1 / Math.max(f, 1 / Math.max(w, h)) ** decay) * Math.sqrt(w * h);
    }
  return s;
}

/**
 * The matrices of numpy's irfft2 for an [h, wf] half spectrum, output cropped to [h, w]:
 * x = (Cy·Xr − Sy·Xi)·Cx − (Sy·Xr + Cy·Xi)·Sx, with Cy, Sy [h, h] = cos, sin(2π·ky·n/h) and Cx, Sx [wf, w] =
 * c_kx · cos, sin(2π·kx·m/W') / (h·W'), W' = 2(wf − 1), c = 1 for kx = 0 and kx = wf − 1, else 2.
 */
export function irfft2Matrices(h: number, w: number): { cy: Float32Array; sy: Float32Array; cx: Float32Array; sx: Float32Array } {
  const wf = halfWidth(w);
  const W = 2 * (wf - 1);
  const cy = new Float32Array(h * h);
  const sy = new Float32Array(h * h);
  for (let n = 0; n < h; n++)
    for (let ky = 0; ky < h; ky++) {
      const a = (2 * Math.PI * ky * n) / h;
      cy[n * h + ky] = Math.cos(a);
      sy[n * h + ky] = Math.sin(a);
    }
  const cx = new Float32Array(wf * w);
  const sx = new Float32Array(wf * w);
  for (let kx = 0; kx < wf; kx++)
    for (let m = 0; m < w; m++) {
      const c = (kx === 0 || kx === wf - 1 ? 1 : 2) / (h * W);
      const a = (2 * Math.PI * kx * m) / W;
      cx[kx * w + m] = c * Math.cos(a);
      sx[kx * w + m] = c * Math.sin(a);
    }
  return { cy, sy, cx, sx };
}

/** irfft2 of spectra re, im [c, h, wf] to images [c, h, w] with the matrices above (differentiable everywhere). */
export function irfft2(re: tf.Tensor3D, im: tf.Tensor3D, m: { cy: tf.Tensor2D; sy: tf.Tensor2D; cx: tf.Tensor2D; sx: tf.Tensor2D }, w: number): tf.Tensor3D {
  const [c, h, wf] = re.shape;
  // Along y (a complex inverse DFT): [h, c·wf] = [h, h] · [h, c·wf].
  const cols = (t: tf.Tensor3D): tf.Tensor2D => tf.reshape(tf.transpose(t, [1, 0, 2]), [h, c * wf]);
  const [xr, xi] = [cols(re), cols(im)];
  const yr = tf.sub(tf.matMul(m.cy, xr), tf.matMul(m.sy, xi));
  const yi = tf.add(tf.matMul(m.sy, xr), tf.matMul(m.cy, xi));
  // Along x (the real inverse): [c·h, w] = [c·h, wf] · [wf, w].
  const rows = (t: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.transpose(tf.reshape(t, [h, c, wf]), [1, 0, 2]), [c * h, wf]);
  const x = tf.sub(tf.matMul(rows(yr as tf.Tensor2D), m.cx), tf.matMul(rows(yi as tf.Tensor2D), m.sx));
  return tf.reshape(x, [c, h, w]);
}

/** lucid's transform amounts for an image of `size` pixels: integer shift ranges ±J1, ±J2, scales, angles (degrees). */
export function transformAmounts(size: number): { j1: number; j2: number; scales: number[]; angles: number[] } {
  const f = size / 224;
  return {
    j1: Math.max(1, Math.round(4 * f)),
    j2: Math.max(1, Math.round(2 * f)),
    scales: Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50),
    angles: [...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0],
  };
}

/**
 * One random transform as a resampling matrix M [h·w, h·w] (output pixel × source pixel, bilinear weights) and the
 * weight each output pixel gives to the outside of the image (filled with 0.5): out = M · img + 0.5 · outside.
 */
export function transformMatrix(h: number, w: number, rng: Rng): { m: Float32Array; outside: Float32Array } {
  const a = transformAmounts(Math.max(h, w));
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length)]!;
  const [c1y, c1x] = [rng.int(-a.j1, a.j1 + 1), rng.int(-a.j1, a.j1 + 1)];
  const s = pick(a.scales);
  const theta = (pick(a.angles) * Math.PI) / 180;
  const [c2y, c2x] = [rng.int(-a.j2, a.j2 + 1), rng.int(-a.j2, a.j2 + 1)];
  const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
  const m = new Float32Array(h * w * h * w);
  const outside = new Float32Array(h * w);
  const [oy, ox] = [(h - 1) / 2, (w - 1) / 2];
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      // Output u (centre-relative) ← source q = R(−θ)(u + c2)/s + c1.
      const uy = i - oy + c2y;
      const ux = j - ox + c2x;
      const qy = (cos * uy + sin * ux) / s + c1y + oy;
      const qx = (-sin * uy + cos * ux) / s + c1x + ox;
      const [y0, x0] = [Math.floor(qy), Math.floor(qx)];
      const [fy, fx] = [qy - y0, qx - x0];
      const out = i * w + j;
      for (const [y, x, wt] of [
        [y0, x0, (1 - fy) * (1 - fx)],
        [y0, x0 + 1, (1 - fy) * fx],
        [y0 + 1, x0, fy * (1 - fx)],
        [y0 + 1, x0 + 1, fy * fx],
      ] as const) {
        if (wt === 0) continue;
        if (y >= 0 && y < h && x >= 0 && x < w) m[out * h * w + y * w + x]! += wt;
        else outside[out]! += wt;
      }
    }
  return { m, outside };
}

/** Per-channel affine map from pixels in [0, 1] to the net's input: x = (p · S − mean_c) / std_c (S = 255 for 0..255 data). */
export function pixelNormalisation(norm: Normalisation, channels: number): { scale: Float32Array; shift: Float32Array } {
  const bytes = norm.mean > 1.5 ? 255 : 1;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const mean = norm.perChannel?.mean[c] ?? norm.mean;
    const std = norm.perChannel?.std[c] ?? norm.std;
    scale[c] = bytes / std;
    shift[c] = -mean / std;
  }
  return { scale, shift };
}

/** The unit's pre-activation objective for net inputs x [b, features] (mean over positions for conv maps), and z. */
function unitObjective(plan: readonly PlanStage[], k: number, unit: number, x: tf.Tensor): { objective: tf.Scalar; z: tf.Tensor } {
  const h = k > 0 ? planTrace(plan.slice(0, k), x).outputs[k - 1]! : x;
  const z = applyStage(plan[k]!, plan[k]!.pre(h), null, true);
  const u = z.rank === 4 ? tf.slice(z, [0, 0, 0, unit], [-1, -1, -1, 1]) : tf.slice(z, [0, unit], [-1, 1]);
  return { objective: tf.mean(u), z: u };
}

/** Feature visualisation of one unit (see the header). */
export async function visualizeUnit(
  net: MaskedNet,
  norm: Normalisation,
  o: VisualizeOptions,
  control: RunControl = {},
  plan: readonly PlanStage[] = netPlan(net),
): Promise<VisualizeResult> {
  const k = unitLayerIndex(net, o.layer);
  if (k < 0) throw new ValidationError('feature visualisation needs a layer of the net, not "input"');
  const layer = net.layers[k]!;
  if (!Number.isInteger(o.unit) || o.unit < 0 || o.unit >= layer.outSize) throw new ValidationError(`unit ${o.unit} out of range: ${layer.name} has ${layer.outSize}`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new ValidationError(`steps must be a positive integer, got ${o.steps}`);
  const [h, w, c] = net.inputShape;
  const initRng = streamRng(o.seed, 'visualize/init');
  // The plan must be the net (intervene.ts): checked on two images drawn from the seed.
  await checkPlan(net, plan, Float32Array.from({ length: 2 * h * w * c }, () => initRng.normal()), 2);
  const wf = halfWidth(w);
  const decorrelate = c === 3 && (o.decorrelate ?? true);
  const init = Float32Array.from({ length: 2 * c * h * wf }, () => initRng.normal(0, o.sd ?? 0.01));
  // tidy disposes the upload tensor; the variable keeps the data.
  const spectrum = tf.tidy(() => tf.variable(tf.tensor(init, [2, c, h, wf])));
  const mats = irfft2Matrices(h, w);
  const consts = tf.tidy(() => {
    const maxNorm = Math.max(...[0, 1, 2].map((j) => Math.hypot(...COLOR_CORRELATION_SVD_SQRT.map((r) => r[j]!))));
    const { scale, shift } = pixelNormalisation(norm, c);
    return {
      cy: tf.tensor2d(mats.cy, [h, h]),
      sy: tf.tensor2d(mats.sy, [h, h]),
      cx: tf.tensor2d(mats.cx, [wf, w]),
      sx: tf.tensor2d(mats.sx, [wf, w]),
      scale: tf.tensor3d(spectrumScale(h, w, o.decayPower ?? 1), [1, h, wf]),
      // t · (C / max-norm)ᵀ, as lucid's _linear_decorelate_color.
      color: tf.transpose(tf.div(tf.tensor2d(COLOR_CORRELATION_SVD_SQRT.flat(), [3, 3]), maxNorm)),
      normScale: tf.tensor1d(scale),
      normShift: tf.tensor1d(shift),
    };
  });
  /** Pixels [h·w, c] in (0, 1) from the spectrum. */
  const pixels = (): tf.Tensor2D => {
    const re = tf.mul(tf.squeeze(tf.slice(spectrum, [0, 0, 0, 0], [1, c, h, wf]), [0]), consts.scale) as tf.Tensor3D;
    const im = tf.mul(tf.squeeze(tf.slice(spectrum, [1, 0, 0, 0], [1, c, h, wf]), [0]), consts.scale) as tf.Tensor3D;
    const img = tf.div(irfft2(re, im, consts, w), 4);
    let t = tf.reshape(tf.transpose(img, [1, 2, 0]), [h * w, c]) as tf.Tensor2D;
    if (decorrelate) t = tf.matMul(t, consts.color as tf.Tensor2D);
    return tf.sigmoid(t);
  };
  const toInput = (p: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.add(tf.mul(p, consts.normScale), consts.normShift), [1, h * w * c]);
  const optimizer = tf.train.adam(o.lr ?? 0.05, 0.9, 0.999, 1e-8);
  const tRng = streamRng(o.seed, 'visualize/transforms');
  const trace: VisualizeResult['trace'] = [];
  try {
    for (let step = 1; step <= o.steps; step++) {
      if (control.isCancelled?.()) throw new CancelledError();
      const tm = (o.transforms ?? true) ? transformMatrix(h, w, tRng) : null;
      const cost = optimizer.minimize(
        () => {
          let p = pixels();
          if (tm) p = tf.add(tf.matMul(tf.tensor2d(tm.m, [h * w, h * w]), p), tf.mul(tf.tensor2d(tm.outside, [h * w, 1]), 0.5));
          return tf.neg(unitObjective(plan, k, o.unit, toInput(p)).objective);
        },
        true,
        [spectrum],
      );
      trace.push({ step, objective: -(await cost!.data())[0]! });
      cost!.dispose();
      control.progress?.('feature visualisation', step, o.steps);
      if (step % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const [p, x, objective, z] = tf.tidy(() => {
      const px = pixels();
      const input = toInput(px);
      const u = unitObjective(plan, k, o.unit, input);
      return [px, input, u.objective, plan[k]!.relu ? tf.relu(u.z) : u.z];
    });
    const [pix, input, obj, act] = (await Promise.all([p!.data(), x!.data(), objective!.data(), z!.data()])) as Float32Array[];
    tf.dispose([p!, x!, objective!, z!]);
    const rgba = new Uint8ClampedArray(h * w * 4);
    for (let q = 0; q < h * w; q++) {
      for (let ch = 0; ch < 3; ch++) rgba[q * 4 + ch] = Math.round(255 * pix![q * c + (c === 3 ? ch : 0)]!);
      rgba[q * 4 + 3] = 255;
    }
    let sum = 0;
    for (const v of act!) sum += v;
    return {
      layer: layer.name,
      unit: o.unit,
      steps: o.steps,
      seed: o.seed,
      objective: layer.kind === 'conv' ? 'pre-activation, mean over positions' : k === net.layers.length - 1 ? 'logit' : 'pre-activation',
      trace,
      final: { objective: obj![0]!, activationMax: Math.max(...act!), activationMean: sum / act!.length },
      image: { shape: [h, w, c], pixels: Float32Array.from(pix!), input: Float32Array.from(input!), rgba },
    };
  } finally {
    optimizer.dispose();
    spectrum.dispose();
    tf.dispose(Object.values(consts));
  }
}
