// A masked net rebuilt from a stored state, for analyses: the architecture's layers with the state's weights,
// biases and masks (pruned weights are zero, as in training).
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../shared/errors';
import type { NetState } from '../../../shared/tensors';
import type { ArchName } from '../../../shared/config';
import type { Dataset } from '../data/index';
import { buildNet } from '../nets/factory';
import type { MaskedNet } from '../nets/masked';

export async function netFromState(state: NetState, data: Pick<Dataset, 'inputShape' | 'numClasses'>): Promise<MaskedNet> {
  const net = buildNet({ arch: state.arch as ArchName, seed: 0, inputShape: data.inputShape, numClasses: data.numClasses });
  try {
    await loadState(net, state);
    return net;
  } catch (err) {
    net.dispose();
    throw err;
  }
}

/** Put a state's weights, biases and masks into a net of the same shape (pruned weights become zero). */
export async function loadState(net: MaskedNet, state: NetState): Promise<void> {
  if (state.layers.length !== net.layers.length) {
    throw new ValidationError(`state of ${state.arch} has ${state.layers.length} layers, the net ${net.layers.length}`);
  }
  for (const [i, l] of net.layers.entries()) {
    const s = state.layers[i]!;
    if (s.weight.length !== l.size || s.bias.length !== l.outSize) {
      throw new ValidationError(`state layer ${s.name} has ${s.weight.length} weights, ${l.name} of ${net.arch} on this data set has ${l.size}`);
    }
    tf.tidy(() => {
      l.weight.assign(tf.tensor(s.weight, l.weight.shape) as typeof l.weight);
      l.bias.assign(tf.tensor(s.bias, l.bias.shape) as typeof l.bias);
    });
    await l.setMask(s.mask);
  }
}

/** The class of interest by index or name: "dog" is CIFAR-10's class 5 (the default). */
export function resolveClass(cls: number | string | undefined, data: Pick<Dataset, 'numClasses' | 'classNames'>): { index: number; name: string } {
  const names = data.classNames ? [...data.classNames] : Array.from({ length: data.numClasses }, (_, i) => String(i));
  if (cls === undefined) {
    const dog = names.indexOf('dog');
    const index = dog >= 0 ? dog : Math.min(5, data.numClasses - 1);
    return { index, name: names[index]! };
  }
  if (typeof cls === 'number' || /^\d+$/.test(cls)) {
    const index = Number(cls);
    if (index >= data.numClasses) throw new ValidationError(`class ${index}: the data set has classes 0..${data.numClasses - 1}`);
    return { index, name: names[index]! };
  }
  const index = names.findIndex((n) => n.toLowerCase() === cls.toLowerCase());
  if (index < 0) throw new ValidationError(`class "${cls}": the data set's classes are ${names.join(', ')}`);
  return { index, name: names[index]! };
}
