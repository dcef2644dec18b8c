// Kernels this project registers on top of the stock tfjs backends. backend.ts calls registerWasmKernels() when the
// wasm backend is loaded; calling it again is a no-op.
//
// What a conv net needs on wasm for training, checked against tfjs-backend-wasm 4.22's registry: Conv2D, FusedConv2D,
// MaxPool and MaxPoolGrad, Relu, Step (ReLU's gradient), BatchMatMul, _FusedMatMul, Transpose, Sum and the element-
// wise ops are there; Conv2DBackpropFilter is missing and Conv2DBackpropInput is slow, so both are (re)registered.
// gradients.ts adds, for every backend, the gradients of tfjs' gradient kernels that double backpropagation needs
// (GraSP's Hessian-gradient product; pai.ts registers them).
import * as tf from '@tensorflow/tfjs';
import { WASM_CONV_KERNELS } from './wasm-conv';

/** Register (or re-register over the built-in) wasm kernels; idempotent. Returns the kernel names now ours. */
export function registerWasmKernels(): string[] {
  const names: string[] = [];
  for (const config of WASM_CONV_KERNELS) {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing?.kernelFunc !== config.kernelFunc) {
      // Unregister first: registerKernel would warn about (and then replace) the built-in one.
      if (existing) tf.unregisterKernel(config.kernelName, config.backendName);
      tf.registerKernel(config);
    }
    names.push(config.kernelName);
  }
  return names;
}

/** True when this project's wasm kernels are the registered ones. */
export function wasmKernelsRegistered(): boolean {
  return WASM_CONV_KERNELS.every((c) => tf.getKernel(c.kernelName, c.backendName)?.kernelFunc === c.kernelFunc);
}

/**
 * Kernels this project adds to the webgpu backend (backend.ts calls this when it loads webgpu): none so far.
 * tfjs-backend-webgpu 4.22 registers every kernel a training step and an evaluation use (FusedConv2D with bias and
 * ReLU, Conv2DBackpropFilter, Conv2DBackpropInput, MaxPool, MaxPoolGrad, BatchMatMul, Transpose, Relu, Step, Sum,
 * Max, Exp, Log, Sqrt, Square, RealDiv, ArgMax, Equal, Cast and the other element-wise ops), and those of pruning,
 * pruning at init and supermasks (Abs, Sign, Sigmoid, AddN, Maximum, Less, NotEqual, Slice, Fill);
 * tests/unit/engine-webgpu.test.ts lists the training ones from a profile, checks them against the registry, and
 * compares conv, dense and Conv-2 gradients with the cpu backend.
 */
export function registerWebgpuKernels(): string[] {
  return [];
}
