// Gradients of the gradient kernels, so that tfjs can backpropagate twice through the nets (GraSP's Hessian-gradient
// product, pai.ts). tfjs records the kernels a backward pass runs when an outer gradient is being taped, and the
// outer pass then needs a gradient for each of them. tfjs-core 4.22 registers one for Conv2DBackpropInput but none
// for the two others a conv net's backward pass runs:
//
//   Conv2DBackpropFilter(x, dy) = dW, bilinear in x and dy: <ddW, dW> = <dy, conv2d(x, ddW)> = <x, Conv2DBackpropInput(dy, ddW)>,
//       so ∂/∂x = Conv2DBackpropInput(dy, filter = ddW) and ∂/∂dy = conv2d(x, ddW) (TensorFlow's own rule);
//   MaxPoolGrad(dy, input, output) = A·dy, linear in dy, where A routes each window's dy to the input position the
//       backend chose as its maximum (piecewise constant in input and output: their gradient is zero almost
//       everywhere, as in TensorFlow and PyTorch). ∂/∂dy of <ddx, A·dy> is Aᵀ·ddx. For windows that do not overlap
//       (stride ≥ window, the nets' 2x2 pools of stride 2) every input position lies in at most one window, so
//       (Aᵀ·ddx)[window] = Σ_window (A·1) ⊙ ddx: the window sums, by a depthwise convolution with a ones filter, of
//       A·1 (MaxPoolGrad of ones: 1 where the backend routed the gradient, whatever its tie rule) times ddx.
//       Overlapping windows are refused with an error naming them.
//
// Everything else on the nets' paths already has a gradient (Relu, Step, MatMul, Mul, Sum, Reshape, Transpose,
// Conv2D, Conv2DBackpropInput, MaxPool, ...). Gradients are backend-independent: the kernels used here exist on cpu,
// wasm (Conv2D and Conv2DBackpropInput are this project's, kernels/wasm-conv.ts) and webgpu.
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

const conv2dBackpropFilterGrad: GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs: NamedAttrMap) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
      strides: [number, number] | number;
      pad: Pad;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: Rounding;
    };
    const filter = ddw as tf.Tensor4D;
    return {
      x: () =>
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape } as unknown as NamedAttrMap) as tf.Tensor4D,
      dy: () => tf.conv2d(x, filter, strides, pad as 'valid' | 'same', dataFormat, 1, dimRoundingMode),
    };
  },
};

const maxPoolGradGrad: GradConfig = {
  kernelName: tf.MaxPoolGrad,
  inputsToSave: ['dy', 'input', 'output'],
  gradFunc: (ddx, saved, attrs: NamedAttrMap) => {
    const [dy, input, output] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: Pad;
      dimRoundingMode?: Rounding;
    };
    const [fh, fw] = pair(filterSize);
    const [sh, sw] = pair(strides);
    return {
      dy: () => {
        if (sh < fh || sw < fw) {
          throw new Error(`second derivative of max pooling with overlapping windows (${fh}x${fw}, stride ${sh}x${sw}) is not implemented`);
        }
        const routed = tf.engine().runKernel(tf.MaxPoolGrad, { dy: tf.onesLike(dy), input, output }, attrs) as tf.Tensor4D;
        const ones = tf.ones([fh, fw, input.shape[3], 1]) as tf.Tensor4D;
        return tf.depthwiseConv2d(tf.mul(routed, ddx as tf.Tensor4D) as tf.Tensor4D, ones, [sh, sw], pad as 'valid' | 'same', 'NHWC', 1, dimRoundingMode);
      },
      input: () => tf.zerosLike(input),
      output: () => tf.zerosLike(output),
    };
  },
};

export const SECOND_ORDER_GRADIENTS: readonly GradConfig[] = [conv2dBackpropFilterGrad, maxPoolGradGrad];

/** Register the gradients above where tfjs has none (idempotent). Returns the kernel names whose gradient is ours. */
export function registerSecondOrderGradients(): string[] {
  const ours: string[] = [];
  for (const g of SECOND_ORDER_GRADIENTS) {
    const existing = tf.getGradient(g.kernelName);
    if (!existing) tf.registerGradient(g);
    if (!existing || existing === g) ours.push(g.kernelName);
  }
  return ours;
}
