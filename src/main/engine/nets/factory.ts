// The net factory: an architecture name (the config's `arch`) to a masked net for a data set's input shape.
import type { ArchName } from '../../../shared/config';
import type { InitKind } from '../init';
import { CONV_DEPTHS, createConvNet } from './conv';
import type { ConvArch } from './conv';
import { createLenet300100 } from './lenet';
import type { MaskedNet } from './masked';

export interface NetSpec {
  arch: ArchName;
  seed: number;
  /** One example, NHWC without N: [28, 28, 1] (MNIST-shaped), [32, 32, 3] (CIFAR-shaped), ... */
  inputShape: readonly [number, number, number];
  numClasses: number;
  init?: InitKind;
}

export function isConvArch(arch: string): arch is ConvArch {
  return Object.hasOwn(CONV_DEPTHS, arch);
}

/** Build the masked net `spec.arch` with weights drawn from `spec.seed` (Gaussian Glorot unless `spec.init`). */
export function buildNet(spec: NetSpec): MaskedNet {
  const init = spec.init ?? 'glorot-normal';
  if (spec.arch === 'lenet-300-100') return createLenet300100(spec.seed, init, spec.inputShape, spec.numClasses);
  if (isConvArch(spec.arch)) return createConvNet(spec.arch, spec.seed, init, spec.inputShape, spec.numClasses);
  throw new Error(`arch ${String(spec.arch)} is not implemented`);
}
