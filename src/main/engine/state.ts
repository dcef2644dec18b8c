// Reads a masked net's prunable state (weights, biases, masks) back from the backend into plain arrays, with
// `await data()` (WebGPU in Node has no synchronous read).
import type { LayerState, NetState } from '../../shared/tensors';
import type { MaskedNet } from './nets/lenet';

export async function captureState(net: MaskedNet): Promise<NetState> {
  const layers: LayerState[] = [];
  for (const l of net.layers) {
    const [mask, weight, bias] = await Promise.all([l.mask.data(), l.weight.data(), l.bias.data()]);
    const bits = new Uint8Array(mask.length);
    for (let i = 0; i < mask.length; i++) bits[i] = mask[i] !== 0 ? 1 : 0;
    layers.push({
      name: l.name,
      kind: (l.weight.shape as readonly number[]).length === 4 ? 'conv' : 'dense',
      shape: [...l.weight.shape],
      weight: Float32Array.from(weight as Float32Array),
      bias: Float32Array.from(bias as Float32Array),
      mask: bits,
    });
  }
  return { arch: net.arch, layers };
}
