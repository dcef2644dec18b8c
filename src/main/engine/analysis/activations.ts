// Activation maps of one unit, and Grad-CAM of the class logit, for stored states (the explorer's "Activation maps").
//
// Definitions (docs/analysis.md repeats them):
// - The unit's output is read from MaskedNet.forwardTrace: a conv channel NHWC after ReLU and before pooling (its map
//   has the layer's resolution [h, w]), a hidden dense unit after ReLU, an output unit as the logit.
// - Pooled activation of an image: conv, the maximum of the unit's map; dense, the unit's value.
// - classImages: the first `images` images of the class in the split, in split order (the same for every state).
// - top: the `top` images of the whole split with the highest pooled activation, highest first (ties: lower index
//   first). The split is streamed in batches of BATCH images; only a running top-k (with its maps) is kept.
// - meanMap: the element-wise mean of the unit's map over every image of the class in the split (not only the shown
//   ones); meanClass / meanOther: the mean pooled activation over the class's images / every other image (0 when there
//   are none).
// - Grad-CAM (Selvaraju et al. 2017) of the class logit y_c at a conv layer (`gradcamLayer`, default the last conv
//   layer): A = the layer's output (after ReLU, before pooling), g = ∂y_c/∂A (through net.forwardFrom), α_k = the
//   spatial mean of g over channel k, cam = ReLU(Σ_k α_k A_k), of shape [h, w]; not normalised (raw units of the
//   logit). A max-pool's gradient is routed to one maximum per window, as PyTorch and tfjs' cpu backend do, on every
//   backend (see pooledTail). `maps[i]` is the CAM of class image i, `mean` the element-wise mean over the shown class images.
// - Nets without conv layers (lenet-300-100): input × gradient, |x ⊙ ∂y_c/∂x| summed over the input channels, of
//   shape [h, w] of the input, with x the normalised input the net sees; `layer` is "input". The first layer's masked
//   product does not compute dx (inputGrad false), so the first layer is recomputed here from its weight, mask and
//   bias (ReLU when it is a hidden layer, as in lenet) and the rest through net.forwardFrom(0, h).
// - images: every image any map refers to, pixels un-normalised to bytes: byte = round(255 · (x · std + mean)),
//   per channel when the normalisation has perChannel; every data set stores pixels in [0, 1] before normalising
//   (data/real.ts, data/synthetic.ts). A normalisation mean above 1.5 can only come from pixels in 0..255: then the
//   factor 255 is dropped.
import * as tf from '@tensorflow/tfjs';
import type { ActivationsResult, ImageRef, StateActivations, UnitMap } from '../../../shared/analysis';
import { ValidationError } from '../../../shared/errors';
import type { DataSplit, Dataset } from '../data/index';
import { isConvArch } from '../nets/factory';
import { MaskedDense } from '../nets/masked';
import type { MaskedNet } from '../nets/masked';
import { MaskedConv2D } from '../nets/masked-conv';
import { netFromState } from './net';
import type { ActivationsOptions, AnalysisContext, LoadedState } from './types';

/** Images per forward pass while streaming a split. */
const BATCH = 250;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The values of float32 tensors, read with `await data()` (WebGPU has no synchronous read in Node); disposes them. */
export async function readAndDispose(ts: tf.Tensor[]): Promise<Float32Array[]> {
  try {
    return (await Promise.all(ts.map((t) => t.data()))) as Float32Array[];
  } finally {
    tf.dispose(ts);
  }
}

/** The split an analysis reads. */
export function splitOf(data: Dataset, split: 'test' | 'validation'): DataSplit {
  return split === 'validation' ? data.validation : data.test;
}

/** Indices of the first `limit` images of class `cls` in the split, in split order. */
export function classIndices(split: DataSplit, cls: number, limit = Infinity): number[] {
  const out: number[] = [];
  for (let i = 0; i < split.n && out.length < limit; i++) if (split.y[i] === cls) out.push(i);
  return out;
}

/** The rows `indices` of a split as one Float32Array (n · features). */
export function gatherRows(split: DataSplit, indices: readonly number[], features: number): Float32Array {
  const x = new Float32Array(indices.length * features);
  indices.forEach((j, i) => x.set(split.x.subarray(j * features, (j + 1) * features), i * features));
  return x;
}

/** Class names of the data set, or "0".."n-1". */
export function classNamesOf(data: Pick<Dataset, 'numClasses' | 'classNames'>): string[] {
  return data.classNames ? [...data.classNames] : Array.from({ length: data.numClasses }, (_, i) => String(i));
}

/** An image of the split back as bytes 0..255 (HWC), undoing the data set's normalisation. */
export function imageBytes(data: Pick<Dataset, 'normalisation' | 'features' | 'inputShape'>, split: DataSplit, index: number): Uint8Array {
  const { normalisation: norm, features } = data;
  const channels = data.inputShape[2];
  const scale = norm.mean > 1.5 ? 1 : 255;
  const mean = Array.from({ length: channels }, (_, c) => norm.perChannel?.mean[c] ?? norm.mean);
  const std = Array.from({ length: channels }, (_, c) => norm.perChannel?.std[c] ?? norm.std);
  const out = new Uint8Array(features);
  const off = index * features;
  for (let k = 0; k < features; k++) {
    const c = k % channels;
    const v = Math.round((split.x[off + k]! * std[c]! + mean[c]!) * scale);
    out[k] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** The index of the named prunable layer, with a clear error naming the layers that exist. */
export function layerIndex(net: MaskedNet, name: string): number {
  const i = net.layers.findIndex((l) => l.name === name);
  if (i < 0) throw new ValidationError(`layer ${name} does not exist in ${net.arch} (layers: ${net.layers.map((l) => l.name).join(', ')})`);
  return i;
}

/** Insert into a running top-k (highest activation first, ties: lower index first). */
function pushTop(top: UnitMap[], k: number, item: UnitMap): void {
  const last = top[top.length - 1];
  if (top.length >= k && last && !(item.activation > last.activation)) return;
  let at = top.length;
  while (at > 0 && top[at - 1]!.activation < item.activation) at--;
  top.splice(at, 0, item);
  if (top.length > k) top.pop();
}

interface UnitScan {
  mapShape: [number, number] | null;
  classImages: UnitMap[];
  top: UnitMap[];
  meanMap: number[];
  meanClass: number;
  meanOther: number;
}

/** Stream the split through the net and collect the unit's maps on the class images, the top-k and the means. */
async function scanUnit(
  net: MaskedNet,
  li: number,
  unit: number,
  split: DataSplit,
  features: number,
  cls: number,
  shown: ReadonlySet<number>,
  k: number,
  report: (done: number) => void,
): Promise<UnitScan> {
  const layer = net.layers[li]!;
  const conv = layer.kind === 'conv';
  let mapShape: [number, number] | null = null;
  let meanMap: Float64Array | null = null;
  const top: UnitMap[] = [];
  const classMaps = new Map<number, UnitMap>();
  let sumClass = 0;
  let nClass = 0;
  let sumOther = 0;
  let nOther = 0;
  for (let start = 0; start < split.n; start += BATCH) {
    const b = Math.min(BATCH, split.n - start);
    let hw: [number, number] | null = null;
    const slice = tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(start * features, (start + b) * features), [b, features]);
      const out = net.forwardTrace(x)[li]!;
      if (conv) {
        const [, h, w] = out.shape as [number, number, number, number];
        hw = [h, w];
        return tf.slice(out as tf.Tensor4D, [0, 0, 0, unit], [b, h, w, 1]);
      }
      return tf.slice(out as tf.Tensor2D, [0, unit], [b, 1]);
    });
    const [values] = (await readAndDispose([slice])) as [Float32Array];
    const size = hw ? hw[0] * hw[1] : 1;
    if (hw && !mapShape) {
      mapShape = hw;
      meanMap = new Float64Array(size);
    }
    for (let i = 0; i < b; i++) {
      const index = start + i;
      const v = values.subarray(i * size, (i + 1) * size);
      let activation = v[0]!;
      if (hw) for (let p = 1; p < size; p++) if (v[p]! > activation) activation = v[p]!;
      const isClass = split.y[index] === cls;
      if (isClass) {
        sumClass += activation;
        nClass++;
        if (meanMap) for (let p = 0; p < size; p++) meanMap[p]! += v[p]!;
      } else {
        sumOther += activation;
        nOther++;
      }
      const map = (): number[] => (hw ? Array.from(v) : []);
      if (shown.has(index)) classMaps.set(index, { index, activation, map: map() });
      const last = top[top.length - 1];
      if (top.length < k || (last && activation > last.activation)) pushTop(top, k, { index, activation, map: map() });
    }
    report(start + b);
    await tick();
  }
  return {
    mapShape,
    classImages: [...shown].map((i) => classMaps.get(i)!),
    top,
    meanMap: meanMap && nClass > 0 ? Array.from(meanMap, (s) => s / nClass) : [],
    meanClass: nClass > 0 ? sumClass / nClass : 0,
    meanOther: nOther > 0 ? sumOther / nOther : 0,
  };
}

export type GradcamResult = StateActivations['gradcam'];

/**
 * Conv-2/4/6/8 (nets/conv.ts) max-pool 2x2 after every second conv layer (0-based odd indices): the next stage
 * starts with the pool. For such a layer, the logits as a function of the pooled map (the rest of the next stage,
 * then forwardFrom), else null. Grad-CAM reads the gradient there because backends route a pooling window's gradient
 * differently: wasm gives none to windows whose maximum is 0 (all-zero windows after ReLU), cpu, cuda and PyTorch
 * give it to the first maximum. The sum over each window, which is all α needs, is the same for every backend.
 * gradcam() checks the tail against forwardFrom and falls back to the plain gradient when they disagree.
 */
function pooledTail(net: MaskedNet, li: number): ((p: tf.Tensor4D) => tf.Tensor2D) | null {
  const next = net.layers[li + 1];
  if (!isConvArch(net.arch) || li % 2 !== 1 || !(net.layers[li] instanceof MaskedConv2D) || !next) return null;
  const hidden = li + 2 < net.layers.length;
  if (next instanceof MaskedConv2D) return (p) => net.forwardFrom(li + 1, next.apply(p, true, true));
  if (next instanceof MaskedDense) {
    return (p) => {
      const z = next.apply(tf.reshape(p, [-1, next.inSize]) as tf.Tensor2D);
      return net.forwardFrom(li + 1, hidden ? tf.relu(z) : z);
    };
  }
  return null;
}

/**
 * Grad-CAM of logit `cls` at conv layer `li` for the images x [n, features], or input × gradient when `li` is null
 * (nets without conv layers). See the header for the definitions.
 */
export async function gradcam(net: MaskedNet, x: Float32Array, n: number, cls: number, li: number | null): Promise<GradcamResult> {
  const features = x.length / Math.max(1, n);
  const logitSum = (logits: tf.Tensor2D): tf.Scalar => tf.sum(tf.slice(logits, [0, cls], [-1, 1]));
  if (n === 0) {
    const shape: [number, number] = li === null ? [net.inputShape[0], net.inputShape[1]] : [0, 0];
    return { method: li === null ? 'input-x-gradient' : 'grad-cam', layer: li === null ? 'input' : net.layers[li]!.name, shape, maps: [], mean: [] };
  }
  if (li !== null) {
    const pooled = pooledTail(net, li);
    // The layer's output A (and its max-pooled map when the pooled tail applies) stay alive across the reads below.
    const [a, p] = tf.tidy(() => {
      const out = net.forwardTrace(tf.tensor2d(x, [n, features]))[li]! as tf.Tensor4D;
      return pooled ? [out, tf.maxPool(out, 2, 2, 'valid')] : [out];
    }) as [tf.Tensor4D, tf.Tensor4D?];
    try {
      const [, h, w] = a.shape;
      let usePooled = false;
      if (pooled && p) {
        // Σ over a pooling window of ∂y/∂A is ∂y/∂(pooled value), whichever position the backend routes it to.
        const [diff, scale] = await readAndDispose(
          tf.tidy(() => [tf.max(tf.abs(tf.sub(pooled(p), net.forwardFrom(li, a)))), tf.max(tf.abs(net.forwardFrom(li, a)))]),
        );
        usePooled = diff![0]! <= 1e-4 * (1 + scale![0]!);
      }
      const cam = tf.tidy(() => {
        let alpha: tf.Tensor;
        if (usePooled) {
          const gp = tf.grad((pi: tf.Tensor) => logitSum(pooled!(pi as tf.Tensor4D)))(p!);
          alpha = tf.div(tf.sum(gp, [1, 2], true), h * w);
        } else {
          alpha = tf.mean(tf.grad((ai: tf.Tensor) => logitSum(net.forwardFrom(li, ai)))(a), [1, 2], true);
        }
        return tf.relu(tf.sum(tf.mul(a, alpha), 3));
      });
      const [cams] = (await readAndDispose([cam])) as [Float32Array];
      const shape: [number, number] = [h, w];
      return { method: 'grad-cam', layer: net.layers[li]!.name, shape, ...splitMaps(cams, n, h * w) };
    } finally {
      tf.dispose(p ? [a, p] : [a]);
    }
  }
  const first = net.layers[0]!;
  if (first.kind !== 'dense') throw new Error(`input × gradient expects a dense first layer, ${first.name} is ${first.kind}`);
  const hidden = net.layers.length > 1;
  const [h, w, c] = net.inputShape;
  const salT = tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, features]);
    const f = (xi: tf.Tensor): tf.Scalar => {
      const z = tf.add(tf.matMul(xi as tf.Tensor2D, tf.mul(first.weight, first.mask) as tf.Tensor2D), first.bias);
      return logitSum(net.forwardFrom(0, hidden ? tf.relu(z) : z));
    };
    const g = tf.grad(f)(xt);
    return tf.sum(tf.reshape(tf.abs(tf.mul(xt, g)), [n, h * w, c]), 2);
  });
  const [sal] = (await readAndDispose([salT])) as [Float32Array];
  return { method: 'input-x-gradient', layer: 'input', shape: [h, w], ...splitMaps(sal, n, h * w) };
}

function splitMaps(values: Float32Array, n: number, size: number): { maps: number[][]; mean: number[] } {
  const maps = Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * size, (i + 1) * size)));
  const m = new Array<number>(size).fill(0);
  for (const map of maps) for (let p = 0; p < size; p++) m[p]! += map[p]! / n;
  return { maps, mean: m };
}

export async function runActivations(
  states: LoadedState[],
  ctx: AnalysisContext,
  options: ActivationsOptions,
): Promise<Omit<ActivationsResult, 'meta'>> {
  const { data, cls } = ctx;
  const split = splitOf(data, options.split);
  if (states.length === 0) throw new ValidationError('activations: no states given');
  for (const s of states) if (!s.info.hasWeights) throw new ValidationError(`${s.info.label} has no weights: activation maps need weights`);
  const shownList = classIndices(split, cls.index, options.images);
  if (shownList.length === 0) throw new ValidationError(`the ${options.split} split has no images of class ${cls.index} (${cls.name})`);
  const shown = new Set(shownList);
  const shownX = gatherRows(split, shownList, data.features);
  const results: StateActivations[] = [];
  let mapShape: [number, number] | null = null;
  const total = states.length * split.n;
  for (const [si, s] of states.entries()) {
    const net = await netFromState(s.state, data);
    try {
      const li = layerIndex(net, options.layer);
      const layer = net.layers[li]!;
      if (options.unit >= layer.outSize) {
        throw new ValidationError(`unit ${options.unit} out of range: ${layer.name} has ${layer.outSize} ${layer.kind === 'conv' ? 'channels' : 'units'}`);
      }
      let gi: number | null = null;
      if (options.gradcamLayer !== undefined) {
        gi = layerIndex(net, options.gradcamLayer);
        if (net.layers[gi]!.kind !== 'conv') throw new ValidationError(`Grad-CAM layer ${options.gradcamLayer} is not a conv layer of ${net.arch}`);
      } else {
        for (let i = 0; i < net.layers.length; i++) if (net.layers[i]!.kind === 'conv') gi = i;
      }
      const stage = `activations: ${s.info.label}`;
      const scan = await scanUnit(net, li, options.unit, split, data.features, cls.index, shown, options.top, (done) =>
        ctx.progress(stage, si * split.n + done, total),
      );
      mapShape = scan.mapShape;
      ctx.progress(`grad-cam: ${s.info.label}`, (si + 1) * split.n, total);
      const cam = await gradcam(net, shownX, shownList.length, cls.index, gi);
      results.push({
        state: s.info,
        classImages: scan.classImages,
        top: scan.top,
        meanMap: scan.meanMap,
        meanClass: scan.meanClass,
        meanOther: scan.meanOther,
        gradcam: cam,
      });
    } finally {
      net.dispose();
    }
    await tick();
  }
  const referenced = new Set<number>(shownList);
  for (const r of results) for (const t of r.top) referenced.add(t.index);
  const images: ImageRef[] = [...referenced]
    .sort((a, b) => a - b)
    .map((index) => ({ index, label: split.y[index]!, pixels: Buffer.from(imageBytes(data, split, index)).toString('base64') }));
  return {
    class: { index: cls.index, name: cls.name },
    layer: options.layer,
    unit: options.unit,
    mapShape,
    imageShape: [...data.inputShape] as [number, number, number],
    classNames: classNamesOf(data),
    images,
    classImages: shownList,
    states: results,
  };
}
