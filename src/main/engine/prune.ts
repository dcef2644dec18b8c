// Mask arithmetic for pruning: pure functions over plain arrays, so they are exact, deterministic and backend-free.
// Density always means the fraction of weights KEPT. Ties in magnitude are broken by position (lower index pruned
// first), so the same weights always give the same mask.
import type { LayerState } from '../../shared/tensors';
import type { Rng } from './rng';

/** How a layer is pruned in the lottery-ticket papers: conv layers, hidden fully connected layers, the output layer. */
export type LayerRole = 'conv' | 'fc' | 'output';

export interface PruneRates {
  /** Fraction of the REMAINING weights removed per round. */
  conv: number;
  fc: number;
  output: number;
}

export function layerRoles(layers: readonly Pick<LayerState, 'kind'>[]): LayerRole[] {
  return layers.map((l, i) => (i === layers.length - 1 ? 'output' : l.kind === 'conv' ? 'conv' : 'fc'));
}

export function countKept(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}

export function density(masks: readonly Uint8Array[]): number {
  let kept = 0;
  let total = 0;
  for (const m of masks) {
    kept += countKept(m);
    total += m.length;
  }
  return total ? kept / total : 1;
}

/** Indices of kept weights sorted by |w| ascending, ties by index. */
function keptByMagnitude(weight: Float32Array, mask: Uint8Array): Uint32Array {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  const out = Uint32Array.from(idx);
  out.sort((a, b) => Math.abs(weight[a]!) - Math.abs(weight[b]!) || a - b);
  return out;
}

/** How many of `remaining` weights a round removes at `rate` (rounded to nearest, never all of a layer's last one). */
export function toRemove(remaining: number, rate: number): number {
  return Math.min(remaining, Math.round(remaining * rate));
}

/**
 * Magnitude pruning, one round. Layerwise: each layer removes `rate(role)` of its remaining weights, smallest
 * |w| first. Global: the conv and hidden fc layers are ranked together and lose `globalRate` of their remaining
 * weights in all, smallest |w| first across layers; the output layer is still pruned layerwise at its own rate (as
 * its weights are on another scale).
 */
export function magnitudePrune(
  layers: readonly Pick<LayerState, 'kind' | 'weight' | 'mask'>[],
  rates: PruneRates,
  ranking: 'layerwise' | 'global' = 'layerwise',
  globalRate = rates.fc,
): Uint8Array[] {
  const roles = layerRoles(layers);
  const out = layers.map((l) => Uint8Array.from(l.mask));
  if (ranking === 'layerwise') {
    layers.forEach((l, i) => {
      const order = keptByMagnitude(l.weight, l.mask);
      const k = toRemove(order.length, rates[roles[i]!]);
      for (let j = 0; j < k; j++) out[i]![order[j]!] = 0;
    });
    return out;
  }
  const pooled: { layer: number; index: number; mag: number }[] = [];
  layers.forEach((l, i) => {
    if (roles[i] === 'output') {
      const order = keptByMagnitude(l.weight, l.mask);
      const k = toRemove(order.length, rates.output);
      for (let j = 0; j < k; j++) out[i]![order[j]!] = 0;
      return;
    }
    for (let j = 0; j < l.mask.length; j++) if (l.mask[j]) pooled.push({ layer: i, index: j, mag: Math.abs(l.weight[j]!) });
  });
  pooled.sort((a, b) => a.mag - b.mag || a.layer - b.layer || a.index - b.index);
  const k = toRemove(pooled.length, globalRate);
  for (let j = 0; j < k; j++) out[pooled[j]!.layer]![pooled[j]!.index] = 0;
  return out;
}

/** A mask keeping exactly `kept` of `n` positions, chosen uniformly at random. */
export function randomMask(n: number, kept: number, rng: Rng): Uint8Array {
  const perm = rng.permutation(n);
  const m = new Uint8Array(n);
  for (let i = 0; i < kept; i++) m[perm[i]!] = 1;
  return m;
}

/**
 * Random pruning of one layer: remove weights at random from `mask` until `keep` remain. Applied round after round
 * with the ticket's per-layer counts, it gives nested random masks with exactly the ticket's per-layer densities.
 */
export function randomPruneTo(mask: Uint8Array, keep: number, rng: Rng): Uint8Array {
  const keptIdx: number[] = [];
  for (let j = 0; j < mask.length; j++) if (mask[j]) keptIdx.push(j);
  if (keep > keptIdx.length || keep < 0) throw new Error(`cannot random-prune ${keptIdx.length} kept weights to ${keep}`);
  const perm = rng.permutation(keptIdx.length);
  const m = Uint8Array.from(mask);
  for (let j = 0; j < keptIdx.length - keep; j++) m[keptIdx[perm[j]!]!] = 0;
  return m;
}

/** Layerwise shuffle: each layer's mask permuted at random, so per-layer density is kept and positions change. */
export function shuffleMasks(masks: readonly Uint8Array[], rng: Rng): Uint8Array[] {
  return masks.map((m) => {
    const perm = rng.permutation(m.length);
    const out = new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) out[perm[i]!] = m[i]!;
    return out;
  });
}

/** Layers left with no weight at all: reported as warnings on the run, never hidden. */
export function emptyLayers(names: readonly string[], masks: readonly Uint8Array[]): string[] {
  return names.filter((_, i) => countKept(masks[i]!) === 0);
}
