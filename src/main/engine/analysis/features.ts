// Selectivity features as they travel between workers: per state, per layer and pooling, [images × units] values.
// No tfjs here: the core joins the shards that several workers computed (see core/analysis.ts).
import type { PoolSelectivity } from '../../../shared/analysis';

/** One layer's per-image features: [n × units] row-major, per pooling. */
export interface LayerFeatures {
  name: string;
  kind: 'dense' | 'conv';
  units: number;
  pools: { pooling: PoolSelectivity['pooling']; values: Float32Array }[];
}

/** What the forward pass of one state yields: per layer [images × units] buffers, and the correct answers. */
export interface StateFeatures {
  layers: LayerFeatures[];
  correct: number;
}

/** Concatenates shards (in image order) of the same states' features. */
export function joinFeatures(shards: readonly StateFeatures[][]): StateFeatures[] {
  const first = shards[0];
  if (!first) throw new Error('no feature shards to join');
  return first.map((s0, si) => ({
    correct: shards.reduce((a, sh) => a + sh[si]!.correct, 0),
    layers: s0.layers.map((l0, li) => ({
      ...l0,
      pools: l0.pools.map((p0, pi) => {
        const parts = shards.map((sh) => sh[si]!.layers[li]!.pools[pi]!.values);
        const values = new Float32Array(parts.reduce((a, v) => a + v.length, 0));
        let at = 0;
        for (const v of parts) {
          values.set(v, at);
          at += v.length;
        }
        return { pooling: p0.pooling, values };
      }),
    })),
  }));
}

