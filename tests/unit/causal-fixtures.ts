// Fixtures of the causal-analysis tests (ablation, faithfulness): small hand-made nets, random image sets, a LeNet with
// a planted class detector, and an independent float64 forward pass with ablations written out loop by loop from the
// definitions in src/main/engine/analysis/intervene.ts (it shares no code with the engine).
import * as tf from '@tensorflow/tfjs';
import type { DataSplit, Dataset } from '../../src/main/engine/data/index';
import { netFromState } from '../../src/main/engine/analysis/net';
import { buildNet } from '../../src/main/engine/nets/factory';
import { MaskedDense, netHelpers, stagedForward } from '../../src/main/engine/nets/masked';
import type { MaskedNet } from '../../src/main/engine/nets/masked';
import { Rng } from '../../src/main/engine/rng';
import { captureState } from '../../src/main/engine/state';
import type { NetState } from '../../src/shared/tensors';

/** The synthetic data set of the causal tests (small), and its class of interest. */
export const SYN = { dataset: 'synthetic-mnist', validation: 100, synthetic: { train: 600, test: 300 } } as const;
export const CLS = { index: 3, name: '3' };

/** A dense net sizes[0] → ... → sizes[last], ReLU between layers, random masks (keeping `keep`) and random biases. */
export async function denseNet(sizes: number[], seed: number, keep = 0.7): Promise<MaskedNet> {
  const rng = new Rng(seed);
  const layers = sizes.slice(1).map((out, i) => new MaskedDense(`fc${i + 1}`, sizes[i]!, out, 'glorot-normal', rng));
  for (const l of layers) {
    await l.setMask(Float32Array.from({ length: l.size }, () => (rng.uniform() < keep ? 1 : 0)));
    l.bias.assign(tf.tensor1d(Float32Array.from({ length: l.outSize }, () => rng.normal(0, 0.3))));
  }
  const last = layers.length - 1;
  return {
    arch: 'tiny-dense',
    inputShape: [1, 1, sizes[0]!],
    layers,
    ...stagedForward(layers.map((l, i) => (h: tf.Tensor) => (i < last ? tf.relu(l.apply(h as tf.Tensor2D, i > 0)) : l.apply(h as tf.Tensor2D, i > 0)))),
    ...netHelpers(layers),
  };
}

/** A net of `arch` with random weights, random masks and random biases (for conv nets on small inputs). */
export async function randomNet(arch: 'lenet-300-100' | 'conv-2' | 'conv-4' | 'conv-6' | 'conv-8', inputShape: [number, number, number], classes: number, seed: number, keep = 0.7): Promise<MaskedNet> {
  const net = buildNet({ arch, seed, inputShape, numClasses: classes });
  const rng = new Rng(seed + 1);
  for (const l of net.layers) {
    await l.setMask(Float32Array.from({ length: l.size }, () => (rng.uniform() < keep ? 1 : 0)));
    l.bias.assign(tf.tensor1d(Float32Array.from({ length: l.outSize }, () => rng.normal(0, 0.1))));
  }
  return net;
}

/** n random images with labels 0..classes-1 (each class at least once when n ≥ classes). */
export function randomSplit(n: number, features: number, classes: number, seed: number): DataSplit {
  const rng = new Rng(seed);
  return {
    x: Float32Array.from({ length: n * features }, () => rng.normal()),
    y: Uint8Array.from({ length: n }, (_, i) => (i < classes ? i : rng.int(0, classes))),
    n,
  };
}

/** A data set of random images (for fixtures that only need its shape and splits). */
export function randomDataset(inputShape: [number, number, number], classes: number, sizes: { train: number; test: number }, seed: number): Dataset {
  const features = inputShape[0] * inputShape[1] * inputShape[2];
  return {
    name: 'random',
    inputShape,
    features,
    numClasses: classes,
    train: randomSplit(sizes.train, features, classes, seed),
    validation: { x: new Float32Array(0), y: new Uint8Array(0), n: 0 },
    test: randomSplit(sizes.test, features, classes, seed + 1),
    normalisation: { mean: 0, std: 1 },
  };
}

// ---------------------------------------------------------------- the independent float64 forward pass

/** One layer of a reference net, in tfjs layout (dense [in, out], conv [3, 3, in, out]), masked weights. */
interface RefLayer {
  kind: 'dense' | 'conv';
  shape: number[];
  w: Float64Array;
  b: Float64Array;
}

/** The layers of a captured state (weights are already zero where pruned). */
export function refLayers(state: NetState): RefLayer[] {
  return state.layers.map((l) => ({ kind: l.kind, shape: [...l.shape], w: Float64Array.from(l.weight), b: Float64Array.from(l.bias) }));
}

/** A layer's input or output: values with shape [h, w, c] (dense: [1, 1, c]). */
interface Act {
  h: number;
  w: number;
  c: number;
  v: Float64Array;
}

/** Ablations of the reference pass: per layer (-1 = input) the ablated units, per layer the ablated weight indices. */
export interface RefAblation {
  units: Map<number, Set<number>>;
  edges: Map<number, Set<number>>;
  /** Ablation values of layer k's input and output (k = -1: the input image), or null for zero ablation. */
  inputValue: ((k: number) => Act) | null;
  outputValue: ((k: number) => Act) | null;
}

function maxPool(a: Act): Act {
  const h = Math.floor(a.h / 2);
  const w = Math.floor(a.w / 2);
  const v = new Float64Array(h * w * a.c);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      for (let c = 0; c < a.c; c++) {
        let m = -Infinity;
        for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) m = Math.max(m, a.v[((2 * i + di) * a.w + 2 * j + dj) * a.c + c]!);
        v[(i * w + j) * a.c + c] = m;
      }
  return { h, w, c: a.c, v };
}

/**
 * The plan's in_k from out_{k-1} for LeNet-like dense nets (identity) and Conv-2/4/6/8 (pool before every odd conv
 * stage and before fc1, flattening in (h, w, c) order, which an Act already is).
 */
function layerInput(layers: RefLayer[], k: number, prev: Act): Act {
  const l = layers[k]!;
  const prevConv = k > 0 && layers[k - 1]!.kind === 'conv';
  let convIndex = 0;
  for (let j = 0; j < k; j++) if (layers[j]!.kind === 'conv') convIndex++;
  if (l.kind === 'conv') return convIndex > 0 && convIndex % 2 === 0 ? maxPool(prev) : prev;
  if (prevConv) {
    const p = maxPool(prev);
    return { h: 1, w: 1, c: p.v.length, v: p.v };
  }
  return { h: 1, w: 1, c: prev.v.length, v: prev.v };
}

/** The pre-activation of layer k for input `a`, with the edges in `ablated` reading `alt` instead of `a`. */
function layerPre(l: RefLayer, a: Act, ablated: Set<number> | undefined, alt: Act | null): Act {
  const at = (src: Act | null, p: number): number => (src ? src.v[p]! : 0);
  if (l.kind === 'dense') {
    const [inn, out] = l.shape as [number, number];
    const z = new Float64Array(out);
    for (let j = 0; j < out; j++) {
      let s = l.b[j]!;
      for (let i = 0; i < inn; i++) {
        const idx = i * out + j;
        s += l.w[idx]! * (ablated?.has(idx) ? at(alt, i) : a.v[i]!);
      }
      z[j] = s;
    }
    return { h: 1, w: 1, c: out, v: z };
  }
  const [kh, kw, cin, cout] = l.shape as [number, number, number, number];
  const z = new Float64Array(a.h * a.w * cout);
  for (let i = 0; i < a.h; i++)
    for (let j = 0; j < a.w; j++)
      for (let co = 0; co < cout; co++) {
        let s = l.b[co]!;
        for (let di = 0; di < kh; di++)
          for (let dj = 0; dj < kw; dj++) {
            const y = i + di - 1;
            const x = j + dj - 1;
            if (y < 0 || y >= a.h || x < 0 || x >= a.w) continue; // 'same' zero padding: no input, nothing to ablate
            for (let ci = 0; ci < cin; ci++) {
              const idx = ((di * kw + dj) * cin + ci) * cout + co;
              const p = (y * a.w + x) * cin + ci;
              s += l.w[idx]! * (ablated?.has(idx) ? at(alt, p) : a.v[p]!);
            }
          }
        z[(i * a.w + j) * cout + co] = s;
      }
  return { h: a.h, w: a.w, c: cout, v: z };
}

function replaceUnits(a: Act, units: Set<number> | undefined, value: Act | null, perFeature = false): Act {
  if (!units) return a;
  const v = Float64Array.from(a.v);
  for (let p = 0; p < v.length; p++) if (units.has(perFeature ? p : p % a.c)) v[p] = value ? value.v[p]! : 0;
  return { ...a, v };
}

/** Logits of one image, and every layer's input and output (clean when `abl` is null). */
export function refForward(
  layers: RefLayer[],
  image: Float64Array,
  inputShape: [number, number, number],
  abl: RefAblation | null,
): { logits: Float64Array; inputs: Act[]; outputs: Act[] } {
  const dense = layers[0]!.kind === 'dense';
  let a: Act = dense ? { h: 1, w: 1, c: image.length, v: image } : { h: inputShape[0], w: inputShape[1], c: inputShape[2], v: image };
  if (abl) a = replaceUnits(a, abl.units.get(-1), abl.inputValue?.(-1) ?? null, dense);
  const inputs: Act[] = [];
  const outputs: Act[] = [];
  layers.forEach((l, k) => {
    const inp = k === 0 ? a : layerInput(layers, k, a);
    inputs.push(inp);
    const z = layerPre(l, inp, abl?.edges.get(k), abl?.inputValue?.(k) ?? null);
    if (k < layers.length - 1) for (let i = 0; i < z.v.length; i++) z.v[i] = Math.max(0, z.v[i]!);
    a = abl ? replaceUnits(z, abl.units.get(k), abl.outputValue?.(k) ?? null) : z;
    outputs.push(a);
  });
  return { logits: a.v, inputs, outputs };
}

/** Element-wise mean of Acts; with `channel`, each channel's mean over positions too. */
export function meanAct(acts: Act[], channel = false): Act {
  const a0 = acts[0]!;
  const v = new Float64Array(a0.v.length);
  for (const a of acts) for (let i = 0; i < v.length; i++) v[i]! += a.v[i]! / acts.length;
  if (channel && a0.h * a0.w > 1) {
    const m = new Float64Array(a0.c);
    for (let i = 0; i < v.length; i++) m[i % a0.c]! += v[i]! / (a0.h * a0.w);
    for (let i = 0; i < v.length; i++) v[i] = m[i % a0.c]!;
  }
  return { ...a0, v };
}

export const row = (s: DataSplit, i: number, features: number): Float64Array => Float64Array.from(s.x.subarray(i * features, (i + 1) * features));

// ---------------------------------------------------------------- a LeNet with a planted detector

/**
 * LeNet-300-100 on `data` whose class `cls` logit is carried by one path: fc1 unit `h1` matches the class's mean
 * image (its weights are the class mean minus the overall mean of the training images, its bias puts the threshold
 * half way between the class's and the others' mean projection, so it fires on the class), fc2 unit `h2` copies it,
 * and the class logit is 3 · h2 (+ a small bias). Every other weight is a small random one; the class logit reads
 * nothing else and h2 feeds no other logit.
 */
export async function detectorLenet(data: Dataset, cls: number, h1: number, h2: number, seed: number): Promise<{ net: MaskedNet; state: NetState }> {
  const net0 = buildNet({ arch: 'lenet-300-100', seed, inputShape: data.inputShape, numClasses: data.numClasses });
  const state = await captureState(net0);
  net0.dispose();
  const [f1, f2, f3] = state.layers as [NetState['layers'][number], NetState['layers'][number], NetState['layers'][number]];
  for (const l of state.layers) for (let i = 0; i < l.weight.length; i++) l.weight[i]! *= 0.1;
  const F = data.features;
  const { x, y, n } = data.train;
  const meanAll = new Float64Array(F);
  const meanCls = new Float64Array(F);
  let nc = 0;
  for (let i = 0; i < n; i++) {
    const isC = y[i] === cls;
    nc += +isC;
    for (let p = 0; p < F; p++) {
      meanAll[p]! += x[i * F + p]! / n;
      if (isC) meanCls[p]! += x[i * F + p]!;
    }
  }
  const t = Float64Array.from(meanCls, (v, p) => v / nc - meanAll[p]!);
  const norm = Math.sqrt(t.reduce((a, v) => a + v * v, 0));
  let projC = 0;
  let projO = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = 0; p < F; p++) s += (t[p]! / norm) * x[i * F + p]!;
    if (y[i] === cls) projC += s / nc;
    else projO += s / (n - nc);
  }
  for (let p = 0; p < F; p++) f1.weight[p * 300 + h1] = t[p]! / norm;
  f1.bias[h1] = -(projC + projO) / 2;
  for (let j = 0; j < 300; j++) f2.weight[j * 100 + h2] = j === h1 ? 1 : 0;
  f2.bias[h2] = 0;
  for (let j = 0; j < 100; j++) f3.weight[j * 10 + cls] = j === h2 ? 3 : 0;
  for (let c = 0; c < 10; c++) if (c !== cls) f3.weight[h2 * 10 + c] = 0;
  for (const l of state.layers) for (let i = 0; i < l.mask.length; i++) l.mask[i] = l.weight[i] === 0 ? 0 : 1;
  return { net: await netFromState(state, data), state };
}
