// A network's prunable state as it crosses from the engine to the store: per layer, the weight in the engine's
// (tfjs) layout, its bias and its 0/1 mask. Snapshots convert to PyTorch layout on export.
export interface LayerState {
  /** Stable, PyTorch-friendly layer name: fc1, conv1, ... */
  name: string;
  kind: 'dense' | 'conv';
  /** Weight shape in tfjs layout: dense [in, out], conv [kh, kw, in, out]. */
  shape: number[];
  weight: Float32Array;
  bias: Float32Array;
  /** 1 keeps the weight, 0 prunes it; same order as weight. */
  mask: Uint8Array;
}

export interface NetState {
  arch: string;
  layers: LayerState[];
}

/**
 * Which stored state of a round: the weights it started from, after training, (round 0) the rewind point, and
 * `mask` for masks stored without weights (imported mask-only snapshots).
 */
export const STATE_KINDS = ['init', 'trained', 'rewind', 'mask'] as const;
export type StateKind = (typeof STATE_KINDS)[number];
