// Kernels this project registers on top of the stock tfjs backends. backend.ts calls registerWasmKernels() when the
// wasm backend is loaded; calling it again is a no-op.
//
// What a conv net needs on wasm for training, checked against tfjs-backend-wasm 4.22's registry: Conv2D, FusedConv2D,
// MaxPool and MaxPoolGrad, Relu, Step (ReLU's gradient), BatchMatMul, _FusedMatMul, Transpose, Sum and the element-
// wise ops are there; Conv2DBackpropFilter is missing and Conv2DBackpropInput is slow, so both are (re)registered.
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
