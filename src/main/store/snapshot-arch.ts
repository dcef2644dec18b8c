// The prunable layers of each architecture, their shapes in the engine's (tfjs) and PyTorch layouts, and the
// conversions between the two. Snapshot export and import check every tensor against this table.
//
// Layouts: tfjs dense [in, out], conv [kh, kw, in, out] (HWIO); PyTorch Linear [out, in], Conv2d [out, in, kh, kw]
// (OIHW). Images are NHWC in tfjs and NCHW in PyTorch, so a dense layer fed by a flattened image or feature map
// (fc1) sees its inputs in (h, w, c) order in tfjs and (c, h, w) order after PyTorch's x.flatten(1): its input axis
// is reordered too, so the exported fc1 works in a PyTorch module that flattens NCHW tensors the usual way.
import { archEntry, ARCH_ENTRIES, layerNames } from '../../shared/archs';
import { ValidationError } from '../../shared/errors';

export type LayerKind = 'dense' | 'conv';
/** Height, width, channels of one input example. */
export type ImageShape = [number, number, number];

export interface LayerSpec {
  name: string;
  kind: LayerKind;
  /** Weight shape in tfjs layout: dense [in, out], conv [kh, kw, in, out]. */
  tfjsShape: number[];
  /** Weight shape in PyTorch layout: Linear [out, in], Conv2d [out, in, kh, kw]. */
  torchShape: number[];
  /** Output units or channels (the bias length). */
  out: number;
  /** For a dense layer fed by a flattened image or feature map: that map's [h, w, c]. */
  flattenFrom?: ImageShape;
}

const MNIST_LIKE: ImageShape = [28, 28, 1];
const CIFAR_LIKE: ImageShape = [32, 32, 3];
const INPUT_SHAPES: Record<string, ImageShape> = {
  mnist: MNIST_LIKE,
  'fashion-mnist': MNIST_LIKE,
  'synthetic-mnist': MNIST_LIKE,
  cifar10: CIFAR_LIKE,
  'synthetic-cifar': CIFAR_LIKE,
};
const NUM_CLASSES = 10;

export const SNAPSHOT_ARCHS: readonly string[] = Object.keys(ARCH_ENTRIES);

/** The input shape of a data set's examples, or null for an unknown data set. */
export function inputShapeOf(dataset: string): ImageShape | null {
  return Object.hasOwn(INPUT_SHAPES, dataset) ? INPUT_SHAPES[dataset]! : null;
}

function dense(name: string, inSize: number, out: number, flattenFrom?: ImageShape): LayerSpec {
  return { name, kind: 'dense', tfjsShape: [inSize, out], torchShape: [out, inSize], out, ...(flattenFrom ? { flattenFrom } : {}) };
}

/**
 * The prunable layers of `arch` on inputs of `input` ([h, w, c]), in forward order: lenet-300-100 is fc1..fc3
 * (784 → 300 → 100 → 10 on 28x28x1); conv-N is conv1..convN (3x3, padding 'same') with a 2x2 max pool (stride 2,
 * floor) after each pair, then fc1 (flattened map → 256), fc2 (256 → 256), fc3 (256 → 10).
 */
export function archLayers(arch: string, input: ImageShape): LayerSpec[] {
  const [h0, w0, c0] = input;
  const e = archEntry(arch);
  if (!e) throw new ValidationError(`unknown arch ${arch} (expected one of ${SNAPSHOT_ARCHS.join(', ')})`);
  const names = layerNames(e);
  const layers: LayerSpec[] = [];
  let [h, w, c] = input;
  e.convs.forEach((out, i) => {
    layers.push({ name: names.convs[i]!, kind: 'conv', tfjsShape: [3, 3, c, out], torchShape: [out, c, 3, 3], out });
    c = out;
    if (i % 2 === 1) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
  });
  if (h < 1 || w < 1) throw new ValidationError(`${arch} needs larger inputs than ${h0}x${w0}x${c0}`);
  // The first dense layer is fed by the flattened image or feature map.
  let inSize = h * w * c;
  [...e.hidden, NUM_CLASSES].forEach((out, i) => {
    layers.push(dense(names.dense[i]!, inSize, out, i === 0 ? [h, w, c] : undefined));
    inSize = out;
  });
  return layers;
}

type Values = Float32Array | Uint8Array;

/** Row-major array of `shape` (rank 4 at most) with its axes permuted: result axis k is input axis perm[k]. */
export function permuteAxes<T extends Values>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  if (rank > 4 || perm.length !== rank) throw new Error(`permuteAxes: rank ${rank} with perm [${perm}]`);
  const strides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  if (s !== data.length) throw new Error(`permuteAxes: shape [${shape}] holds ${s} values, data has ${data.length}`);
  // Output sizes and the source stride of each output axis, padded in front to rank 4 with size-1 axes.
  const pad = 4 - rank;
  const size = [1, 1, 1, 1];
  const step = [0, 0, 0, 0];
  perm.forEach((p, k) => {
    size[pad + k] = shape[p]!;
    step[pad + k] = strides[p]!;
  });
  const [n0, n1, n2, n3] = size as [number, number, number, number];
  const [s0, s1, s2, s3] = step as [number, number, number, number];
  const out = (data instanceof Float32Array ? new Float32Array(data.length) : new Uint8Array(data.length)) as T;
  let o = 0;
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      for (let c = 0; c < n2; c++) {
        let src = a * s0 + b * s1 + c * s2;
        for (let d = 0; d < n3; d++, src += s3) out[o++] = data[src]!;
      }
    }
  }
  return out;
}

/** The 4-d view and axis order that take a weight (or mask) from tfjs to PyTorch layout. */
function torchPermutation(spec: LayerSpec): { shape: number[]; perm: number[] } {
  if (spec.kind === 'conv') return { shape: spec.tfjsShape, perm: [3, 2, 0, 1] }; // HWIO → OIHW
  if (spec.flattenFrom) return { shape: [...spec.flattenFrom, spec.out], perm: [3, 2, 0, 1] }; // [h,w,c,out] → [out,c,h,w]
  return { shape: spec.tfjsShape, perm: [1, 0] };
}

/** A weight or mask of `spec` in tfjs layout, rearranged to PyTorch layout (spec.torchShape). */
export function toTorchLayout<T extends Values>(spec: LayerSpec, data: T): T {
  const { shape, perm } = torchPermutation(spec);
  return permuteAxes(data, shape, perm);
}

/** A weight or mask of `spec` in PyTorch layout, rearranged to tfjs layout (spec.tfjsShape). */
export function fromTorchLayout<T extends Values>(spec: LayerSpec, data: T): T {
  const { shape, perm } = torchPermutation(spec);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, k) => (inverse[p] = k));
  return permuteAxes(data, perm.map((p) => shape[p]!), inverse);
}
