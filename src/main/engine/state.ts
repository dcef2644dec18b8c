// Reads a masked net's prunable state (weights, biases, masks) back from the backend into plain arrays.
import type { LayerState, NetState } from '../../shared/tensors';
import type { MaskedNet } from './nets/lenet';

export function captureState(net: MaskedNet): NetState {
  return {
    arch: net.arch,
    layers: net.layers.map((l): LayerState => {
      const mask = l.mask.dataSync();
      const bits = new Uint8Array(mask.length);
      for (let i = 0; i < mask.length; i++) bits[i] = mask[i] !== 0 ? 1 : 0;
      return {
        name: l.name,
        kind: (l.weight.shape as readonly number[]).length === 4 ? 'conv' : 'dense',
        shape: [...l.weight.shape],
        weight: Float32Array.from(l.weight.dataSync()),
        bias: Float32Array.from(l.bias.dataSync()),
        mask: bits,
      };
    }),
  };
}
