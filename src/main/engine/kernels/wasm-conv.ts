// Convolution gradient kernels for the wasm backend. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter at all (so
// stock wasm cannot train a conv net), and its Conv2DBackpropInput is a plain C++ loop, about 10x slower than its
// XNNPACK Conv2D on Conv-4's shapes. Both gradients are rewritten here as ONE call of the backend's own XNNPACK
// Conv2D kernel each, with cheap data movement around it:
//
//   dx (Conv2DBackpropInput):  dx = conv2d(upsample_s(dy), rot180(w)ᵀ), explicit padding (kh-1-padTop, ...).
//       rot180(w)ᵀ is w flipped in both spatial axes with in/out channels swapped: [kh, kw, out, in]. upsample_s
//       puts s-1 zeros between the rows and columns of dy (nothing to do at stride 1, the F&C nets' case).
//   dW (Conv2DBackpropFilter): dW[i, j, c, o] = Σ_{n,p,q} x[n, s·p+i-padTop, s·q+j-padLeft, c] · dy[n, p, q, o]
//       is itself a correlation over the spatial axes that contracts the batch: conv2d with input xᵀ [c, h, w, n]
//       (the batch becomes the channel axis), filter dyᵀ [oh, ow, n, o] and dilation s, giving [c, kh, kw, o],
//       transposed back to [kh, kw, c, o]. Negative padding (rows a 'valid' strided conv never reads) is a crop.
//
// Measured on the 2-core dev VM (one wasm thread, CPU time, batch 60; Conv-4's 32x32 64->64 / 16x16 128->128 layers):
//   forward Conv2D (XNNPACK)                     ~200 ms / ~190 ms   (~23 GFLOP/s, the backend's peak)
//   dx, built-in Conv2DBackpropInput            ~2,300 ms / ~2,000 ms
//   dx, this kernel                              ~200 ms / ~200 ms
//   dW, this kernel (conv trick)                 ~330-470 ms / ~300-350 ms  (the long 'filter' runs XNNPACK at ~half
//        its forward efficiency: only 9 output pixels per image and 60 channels per indirection step)
//   dW alternatives tried and dropped: im2col by 9 slices + one matMul (slices/concat cost more than the conv),
//        (n, w) folded into the channel axis with 3 column shifts (same speed), per-tap matMuls and im2col by a
//        one-hot depthwise conv + FC (tfjs-wasm's FC has no K blocking: 2-20x slower).
//
// The kernels call other wasm kernels' functions directly (the way tfjs-backend-wasm composes its own kernels):
// intermediates are backend data only, invisible to the engine (no tape, no tf.memory() entries), and every one is
// released with backend.disposeData before returning. Only the output is handed back.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

type Pads = { top: number; bottom: number; left: number; right: number };

function call(name: string, backend: WasmBackendLike, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} is not registered`);
  return k.kernelFunc({ inputs, backend: backend as object, attrs }) as TensorInfo;
}

/** Runs `f` with a list to push intermediates to; disposes all of them afterwards (also on error). */
function scoped<T>(backend: WasmBackendLike, f: (temp: (t: TensorInfo) => TensorInfo) => T): T {
  const temps: TensorInfo[] = [];
  try {
    return f((t) => {
      temps.push(t);
      return t;
    });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** Crop (negative padding) or keep a 4-D NHWC tensor's spatial extent: rows [r0, r1) and columns [c0, c1). */
function crop(backend: WasmBackendLike, x: TensorInfo, r0: number, r1: number, c0: number, c1: number): TensorInfo {
  const [n, , , c] = x.shape as [number, number, number, number];
  return call('Slice', backend, { x }, { begin: [0, r0, c0, 0], size: [n, r1 - r0, c1 - c0, c] });
}

/**
 * Conv2D of `x` with `filter` at stride 1 and (dilation `dil`), explicit padding that may be negative (a crop).
 * `temp` registers intermediates for disposal.
 */
function conv(backend: WasmBackendLike, temp: (t: TensorInfo) => TensorInfo, x: TensorInfo, filter: TensorInfo, pads: Pads, dil: [number, number]): TensorInfo {
  const [, h, w] = x.shape as [number, number, number, number];
  let input = x;
  const r0 = Math.max(0, -pads.top);
  const r1 = h - Math.max(0, -pads.bottom);
  const c0 = Math.max(0, -pads.left);
  const c1 = w - Math.max(0, -pads.right);
  if (r0 > 0 || c0 > 0 || r1 < h || c1 < w) input = temp(crop(backend, x, r0, r1, c0, c1));
  const pad = [
    [0, 0],
    [Math.max(0, pads.top), Math.max(0, pads.bottom)],
    [Math.max(0, pads.left), Math.max(0, pads.right)],
    [0, 0],
  ];
  return call('Conv2D', backend, { x: input, filter }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: dil, dimRoundingMode: undefined as unknown as string });
}

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap): tf.backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC');
  if (fmt !== 'channelsLast') throw new Error(`wasm conv gradients support NHWC only, got ${dataFormat}`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    fmt,
  );
}

/** dy with s-1 zero rows/columns between its rows/columns: [n, s·(oh-1)+1, s·(ow-1)+1, c]. Identity at stride 1. */
function upsample(backend: WasmBackendLike, temp: (t: TensorInfo) => TensorInfo, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const r6 = temp(call('Reshape', backend, { x: dy }, { shape: [n, oh, 1, ow, 1, c] }));
  const padded = temp(call('PadV2', backend, { x: r6 }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 }));
  const r4 = temp(call('Reshape', backend, { x: padded }, { shape: [n, oh * sh, ow * sw, c] }));
  return temp(call('Slice', backend, { x: r4 }, { begin: [0, 0, 0, 0], size: [n, sh * (oh - 1) + 1, sw * (ow - 1) + 1, c] }));
}

/** Conv2DBackpropInput: dx = conv2d(upsample(dy), rot180(filter)ᵀ) with the matching padding. */
export const conv2dBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as WasmBackendLike;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = (attrs as { inputShape: number[] }).inputShape;
  const info = convInfo(inputShape, filter.shape, attrs ?? {});
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w } = info;
  return scoped(be, (temp) => {
    const flipped = temp(call('Reverse', be, { x: filter }, { dims: [0, 1] }));
    const rot = temp(call('Transpose', be, { x: flipped }, { perm: [0, 1, 3, 2] }));
    const u = upsample(be, temp, dy, sh, sw);
    const lh = u.shape[1]!;
    const lw = u.shape[2]!;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    return conv(be, temp, u, rot, { top, bottom: h - lh - top + kh - 1, left, right: w - lw - left + kw - 1 }, [1, 1]);
  });
};

/** Conv2DBackpropFilter: dW = (conv2d(xᵀ, dyᵀ, dilation = stride))ᵀ, see the header. */
export const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as WasmBackendLike;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = (attrs as { filterShape: number[] }).filterShape;
  const info = convInfo(x.shape, filterShape, attrs ?? {});
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  return scoped(be, (temp) => {
    const xt = temp(call('Transpose', be, { x }, { perm: [3, 1, 2, 0] })); // [c, h, w, n]
    const dyt = temp(call('Transpose', be, { x: dy }, { perm: [1, 2, 0, 3] })); // [oh, ow, n, o]
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    // Output extent h + top + bottom - (sh·(oh-1)+1) + 1 must be kh.
    const bottom = kh - 1 + sh * (oh - 1) - h - top + 1;
    const right = kw - 1 + sw * (ow - 1) - w - left + 1;
    const r = temp(conv(be, temp, xt, dyt, { top, bottom, left, right }, [sh, sw])); // [c, kh, kw, o]
    return call('Transpose', be, { x: r }, { perm: [1, 2, 0, 3] });
  });
};

export const WASM_CONV_KERNELS: readonly KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2dBackpropInput },
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2dBackpropFilter },
];
