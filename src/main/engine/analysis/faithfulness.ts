// Faithfulness and completeness of circuits (Marks et al. 2024, "Sparse Feature Circuits", §3 and their
// ablation.py), with circuits made of edges (individual surviving weights) as in edge-level circuit discovery (ACDC,
// Conmy et al. 2023; Edge Pruning, Bhaskar et al. 2024), or of units and connections pinned by hand.
//
// Definitions (docs/analysis.md, "Faithfulness and completeness", repeats them):
// - m(·): the metric averaged over the evaluation images of the class (held-out test images): 'logit' (the default)
//   is the class logit y_c; 'logit-diff' is y_c − mean_{j≠c} y_j.
// - m(M): the whole net; m(∅): every edge ablated (zero, mean or resample: intervene.ts), so for mean ablation the
//   net's output no longer depends on the image; m(C): every edge outside the circuit C ablated.
// - faithfulness F(C) = (m(C) − m(∅)) / (m(M) − m(∅)); completeness = F(M ∖ C), the same for the complement
//   (1 for the empty circuit, 0 for the whole net). null when m(M) = m(∅).
// - Edge ranking: attribution of a surviving weight = w · ∂(Σ_images m)/∂w / n over `attribution` images of the class
//   (training images, not the evaluation images): subcircuit.ts's activation × gradient, here per weight and of the
//   chosen metric. Circuits of size s are the s surviving weights of largest |attribution| (ties: layer order, then
//   index), as Marks et al. keep nodes by |effect| above a threshold.
// - The curve: sizes 0, then `points − 1` sizes spaced evenly in log between 1 and every surviving weight (rounded,
//   duplicates merged), so 0 and 1 (all edges) are always points; F = 0 at 0 and 1 at 1 by definition (computed as
//   such: m(C) at size 0 is m(∅) and at the full size m(M)).
// - Pinned circuits (scoreCircuit): units per named layer and/or connections and weights. Units of a named layer
//   outside the circuit are ablated (the unit's output replaced); when the circuit names edges, every other edge is
//   ablated. m(∅) ablates every unit of the named layers and, when edges are named, every edge; the complement
//   ablates exactly the circuit's units and edges.
import * as tf from '@tensorflow/tfjs';
import type { ClassRef } from '../../../shared/analysis';
import type { CircuitScoreBody as CircuitScore, FaithfulnessBody as FaithfulnessResult, FaithfulnessPoint } from '../../../shared/causal';
import { ValidationError } from '../../../shared/errors';
import type { DataSplit } from '../data/index';
import type { MaskedNet } from '../nets/masked';
import { readAndDispose } from './activations';
import { survivingEdges } from './ablate';
import { circuitMembers, type AblationSet, type CircuitSpec } from './geometry';
import { complementOf, type Intervener, type RunControl } from './intervene';
import { objectiveGradients } from './subcircuit';
import { Ranker } from './stats';

export type { CircuitScore, FaithfulnessPoint, FaithfulnessResult };
export type FaithMetric = 'logit' | 'logit-diff';
export const FAITH_METRICS: readonly FaithMetric[] = ['logit', 'logit-diff'];

/** The metric of image i from its logits row. */
export function metricOf(logits: Float32Array, i: number, classes: number, cls: number, metric: FaithMetric): number {
  const off = i * classes;
  const yc = logits[off + cls]!;
  if (metric === 'logit') return yc;
  let others = 0;
  for (let j = 0; j < classes; j++) if (j !== cls) others += logits[off + j]!;
  return yc - others / (classes - 1);
}

/** Σ over a batch of the metric, as a tensor (for gradients). */
export function metricObjective(cls: number, metric: FaithMetric): (logits: tf.Tensor2D) => tf.Scalar {
  return (logits) => {
    const yc: tf.Scalar = tf.sum(tf.slice(logits, [0, cls], [-1, 1]));
    if (metric === 'logit') return yc;
    const c = logits.shape[1];
    const others = tf.sub(tf.sum(logits), yc);
    return tf.sub(yc, tf.div(others, c - 1)) as tf.Scalar;
  };
}

/** The mean metric over the images of class `cls` among the intervener's evaluation images. */
function meanMetric(iv: Intervener, logits: Float32Array, cls: number, metric: FaithMetric): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < iv.evaluation.n; i++) {
    if (iv.evaluation.y[i] !== cls) continue;
    s += metricOf(logits, i, iv.classes, cls, metric);
    n++;
  }
  if (n === 0) throw new ValidationError(`faithfulness: the evaluation images have no image of class ${cls}`);
  return s / n;
}

/** 1 − m for a 0/1 mask. */
const invert = (m: Uint8Array): Uint8Array => complementOf(m, new Uint8Array(m.length));

/** Surviving weights ranked by |attribution|: `order` holds global positions (layer offset + flat index). */
export interface EdgeRanking {
  layers: { name: string; size: number; surviving: number }[];
  /** Start of each layer in the global positions. */
  offsets: number[];
  order: Uint32Array;
  /** Per layer, every weight's attribution (0 for pruned weights). */
  attribution: Float32Array[];
}

/** Rank the surviving weights by |w · ∂(Σ m)/∂w| / n over the attribution images (see the header). */
export async function rankEdges(net: MaskedNet, images: DataSplit, cls: number, metric: FaithMetric, control: RunControl = {}): Promise<EdgeRanking> {
  if (images.n === 0) throw new ValidationError(`faithfulness: no attribution images of class ${cls}`);
  const { grads } = await objectiveGradients(net, images.x, images.n, metricObjective(cls, metric), (done, total) => control.progress?.('attribution', done, total));
  const attribution: Float32Array[] = [];
  const masks: Float32Array[] = [];
  try {
    for (const [k, l] of net.layers.entries()) {
      const [a, m] = (await readAndDispose(tf.tidy(() => [tf.div(tf.mul(tf.mul(l.weight, l.mask), grads[2 * k]!), images.n), tf.clone(l.mask)]))) as [Float32Array, Float32Array];
      attribution.push(a);
      masks.push(m);
    }
  } finally {
    tf.dispose(grads);
  }
  const offsets: number[] = [];
  let total = 0;
  let surviving = 0;
  const layers = net.layers.map((l, k) => {
    offsets.push(total);
    total += l.size;
    let s = 0;
    for (const v of masks[k]!) s += +(v !== 0);
    surviving += s;
    return { name: l.name, size: l.size, surviving: s };
  });
  const order = new Uint32Array(surviving);
  // −|attribution|: its ascending, stable order is the ranking (largest |attribution| first, ties by position).
  const key = new Float32Array(surviving);
  let at = 0;
  masks.forEach((m, k) => {
    const a = attribution[k]!;
    for (let i = 0; i < m.length; i++) {
      if (m[i] === 0) continue;
      order[at] = offsets[k]! + i;
      key[at++] = -Math.abs(a[i]!);
    }
  });
  // A radix sort (stats.ts): a comparator sort of a conv net's 1.6 M weights took over a second.
  const rank = new Ranker(surviving).ascending(key);
  for (let r = 0; r < surviving; r++) rank[r] = order[rank[r]!]!;
  return { layers, offsets, order: rank, attribution };
}

/** Most weights a circuit file names (circuitSpecSchema's limit). */
export const MAX_CIRCUIT_WEIGHTS = 50_000;

/** The circuit of the `size` highest-ranked weights, as single weights of a pinned circuit; null above the file limit. */
export function rankedCircuit(ranking: EdgeRanking, size: number): { weights: { layer: string; index: number }[] } | null {
  const s = Math.min(Math.max(0, Math.round(size)), ranking.order.length);
  if (s > MAX_CIRCUIT_WEIGHTS) return null;
  const weights = Array.from(ranking.order.subarray(0, s), (g) => {
    let k = ranking.offsets.length - 1;
    while (ranking.offsets[k]! > g) k--;
    return { layer: ranking.layers[k]!.name, index: g - ranking.offsets[k]! };
  });
  return { weights };
}

/** Circuit sizes of the curve: 0, then `points − 1` sizes log-spaced from 1 to `total` (rounded, unique). */
export function logSizes(total: number, points: number): number[] {
  if (!Number.isInteger(points) || points < 2) throw new ValidationError(`faithfulness needs at least 2 points, got ${points}`);
  const sizes = new Set<number>([0, total]);
  const steps = points - 2;
  for (let j = 0; j <= steps && total > 0; j++) sizes.add(Math.round(steps === 0 ? total : total ** (j / steps)));
  return [...sizes].sort((a, b) => a - b);
}



// (+ 0 turns a -0 into 0.)
const ratio = (x: number, empty: number, full: number): number | null => (full !== empty ? (x - empty) / (full - empty) + 0 : null);

function classCount(split: DataSplit, cls: number): number {
  let n = 0;
  for (const y of split.y) n += +(y === cls);
  return n;
}

/** The faithfulness curve of `ranking`'s circuits (see the header). */
export async function faithfulnessCurve(
  iv: Intervener,
  ranking: EdgeRanking,
  cls: ClassRef,
  o: { metric: FaithMetric; points: number; attributionImages: number; /** More sizes to include (clamped to the total). */ extraSizes?: readonly number[] },
  control: RunControl = {},
): Promise<FaithfulnessResult> {
  const net = iv.net;
  const total = ranking.order.length;
  const m = (logits: Float32Array): number => meanMetric(iv, logits, cls.index, o.metric);
  const full = m(iv.clean);
  const all: AblationSet = { units: new Map(), edges: net.layers.map((l) => new Uint8Array(l.size).fill(1)) };
  const empty = m(await iv.logits(all));
  const sizes = [...new Set([...logSizes(total, o.points), ...(o.extraSizes ?? []).map((e) => Math.min(Math.max(0, Math.round(e)), total))])].sort((a, b) => a - b);
  // Built incrementally: sizes grow, so each step adds the next ranks to the circuit.
  const inCircuit = net.layers.map((l) => new Uint8Array(l.size));
  let filled = 0;
  const points: FaithfulnessPoint[] = [];
  for (const [j, s] of sizes.entries()) {
    for (; filled < s; filled++) {
      const g = ranking.order[filled]!;
      let k = ranking.offsets.length - 1;
      while (ranking.offsets[k]! > g) k--;
      inCircuit[k]![g - ranking.offsets[k]!] = 1;
    }
    let circuit: number;
    let complement: number;
    if (s === 0) [circuit, complement] = [empty, full];
    else if (s === total) [circuit, complement] = [full, empty];
    else {
      circuit = m(await iv.logits({ units: new Map(), edges: inCircuit.map(invert) }));
      complement = m(await iv.logits({ units: new Map(), edges: inCircuit }));
    }
    points.push({
      edges: s,
      fraction: total > 0 ? s / total : 1,
      faithfulness: s === 0 ? 0 : s === total ? 1 : ratio(circuit, empty, full),
      completeness: s === 0 ? 1 : s === total ? 0 : ratio(complement, empty, full),
      circuit,
      complement,
    });
    control.progress?.('faithfulness', j + 1, sizes.length);
  }
  return {
    class: cls,
    ablation: iv.ablation.kind,
    convMean: iv.ablation.convMean ?? 'position',
    metric: o.metric,
    images: { evaluation: classCount(iv.evaluation, cls.index), attribution: o.attributionImages, reference: iv.ablation.kind === 'zero' ? 0 : iv.reference.n },
    edges: total,
    full,
    empty,
    points,
  };
}

/** Faithfulness and completeness of a pinned circuit (see the header). */
export async function scoreCircuit(iv: Intervener, spec: CircuitSpec, cls: ClassRef, metric: FaithMetric): Promise<CircuitScore> {
  const net = iv.net;
  const { members, namesEdges } = circuitMembers(net, spec);
  const m = (logits: Float32Array): number => meanMetric(iv, logits, cls.index, metric);
  const edgeSet = (f: (e: Uint8Array) => Uint8Array): AblationSet['edges'] => (namesEdges ? members.edges.map((e) => f(e!)) : net.layers.map(() => null));
  const unitSet = (f: (u: Uint8Array) => Uint8Array): AblationSet['units'] => new Map([...members.units].map(([k, u]) => [k, f(u)]));
  const full = m(iv.clean);
  const empty = m(await iv.logits({ units: unitSet((u) => u.map(() => 1)), edges: edgeSet((e) => e.map(() => 1)) }));
  const circuit = m(await iv.logits({ units: unitSet(invert), edges: edgeSet(invert) }));
  const complement = m(await iv.logits({ units: unitSet((u) => u), edges: edgeSet((e) => e) }));
  let units = 0;
  for (const u of members.units.values()) for (const v of u) units += v;
  return {
    class: cls,
    ablation: iv.ablation.kind,
    convMean: iv.ablation.convMean ?? 'position',
    metric,
    faithfulness: ratio(circuit, empty, full),
    completeness: ratio(complement, empty, full),
    circuit,
    complement,
    full,
    empty,
    units,
    edges: namesEdges ? await survivingEdges(net, { units: new Map(), edges: members.edges }) : null,
  };
}
