// The class subcircuit of a stored state: the units and connections that carry the class logit, by first-order
// Taylor attribution (activation × gradient), and, for two states, what their subcircuits share.
//
// Definitions (docs/analysis.md repeats them). y_c is the class logit, the images are the first `images` images of
// the class in the split (n of them), and G_W = ∂(Σ_images y_c)/∂W, G_b likewise, from one backward pass per batch.
// - Weight attribution: w · G_W / n (zero for pruned weights, whose w is zero). This is the mean over the images of
//   w · ∂y_c/∂w, the first-order estimate of what y_c loses when the weight is removed.
// - Edge (connection) i → j: the sum of its kept weights' attributions. Conv [kh, kw, in, out]: over the kernel
//   positions (i = input channel, j = output channel). The first dense layer after the convs (fc1, reading the last
//   feature map flattened in (h, w, c) order): over the spatial positions, so its sources are the last conv's
//   channels. Other dense layers: the single weight. `weights` = the connection's kept weights (9 for a full 3x3).
// - Unit j of a prunable layer: Σ_i edge(i, j) + b_j · G_b_j / n, which equals the mean over the images of
//   Σ_positions z_j · ∂y_c/∂z_j with z_j the unit's pre-activation (z = Σ x·w + b is linear in w and b). For the
//   output layer this is exactly the mean class logit for the class unit (∂y_c/∂z_c = 1) and 0 for every other unit.
// - The "input" layer: units are the input channels (conv nets) or the input features (dense first layer, lenet's
//   784 pixels); a unit's attribution is the sum of its outgoing edges' attributions into the first layer
//   (= mean Σ_positions x · ∂y_c/∂x, input × gradient).
// - Selection: the top `units` units of every layer by |attribution| (ties: lower index); the output layer keeps
//   only the class unit (the others have attribution 0 by construction). Edges: only between selected units of
//   consecutive layers, only connections with at least one kept weight, then the `edges` largest by |attribution|,
//   largest first (ties: layer, from, to).
// - Completeness: for a linear net (no ReLU) with zero biases, the attributions of every layer's units sum to the
//   mean class logit (Euler's theorem for a homogeneous function); tests/unit/analysis-subcircuit.test.ts checks it.
// - Sharing (two states of the same architecture): shared units = selected in both (same layer and index), over the
//   input and hidden layers; the output layer is left out, its class unit is forced, not selected. expectedUnits =
//   Σ_layers kA·kB/size (each state's selection drawn at random from the layer). Shared edges = the same (layer,
//   from, to) among the returned edges; expectedEdges = Σ_layer pairs eA·eB/(size_l · size_l+1), where the output
//   layer counts as size 1 (only the class unit can be a target). Jaccard = shared / (|A| + |B| − shared), null when
//   both are empty.
import * as tf from '@tensorflow/tfjs';
import type { SubEdge, SubLayer, Subcircuit, SubcircuitResult, SubcircuitShare } from '../../../shared/analysis';
import { ValidationError } from '../../../shared/errors';
import type { MaskedNet } from '../nets/masked';
import { classIndices, gatherRows, readAndDispose, splitOf } from './activations';
import { foldShape } from './geometry';
import { netFromState } from './net';
import type { AnalysisContext, LoadedState, SubcircuitOptions } from './types';

/** Class images per backward pass. */
const BATCH = 128;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Every unit's and connection's attribution, before selection. */
export interface Attribution {
  /** Mean class logit over the images. */
  logit: number;
  images: number;
  /** "input", then the prunable layers: every unit's attribution. */
  layers: { name: string; size: number; units: Float64Array }[];
  /** Per pair of consecutive layers k → k+1: edge attributions and kept-weight counts, [size_k, size_k+1] row-major. */
  edges: { attribution: Float32Array; weights: Float32Array; rows: number; cols: number }[];
}

/** The sum over images of an objective and its gradient with respect to every layer's weight and bias. */
export interface ObjectiveGradients {
  /** Σ over the images of the objective. */
  value: number;
  /** [weight of layer 0, bias of layer 0, weight of layer 1, ...]: Σ over the images of ∂objective/∂parameter. */
  grads: tf.Tensor[];
}

/**
 * Σ_images objective and its gradients for the images x [n, features], in batches of BATCH images (one backward
 * pass each). `objective` maps a batch's logits to the SUM over the batch of the per-image objective. The caller
 * disposes the returned gradients.
 */
export async function objectiveGradients(
  net: MaskedNet,
  x: Float32Array,
  n: number,
  objective: (logits: tf.Tensor2D) => tf.Scalar,
  report: (done: number, total: number) => void = () => {},
): Promise<ObjectiveGradients> {
  const features = x.length / n;
  const vars = net.layers.flatMap((l) => [l.weight as tf.Variable, l.bias as tf.Variable]);
  let acc: tf.Tensor[] | null = null;
  let sum = 0;
  try {
    for (let start = 0; start < n; start += BATCH) {
      const b = Math.min(BATCH, n - start);
      const prev: tf.Tensor[] | null = acc;
      const [value, ...next] = tf.tidy(() => {
        const xb = tf.tensor2d(x.subarray(start * features, (start + b) * features), [b, features]);
        const { value, grads } = tf.variableGrads(() => objective(net.forward(xb)), vars);
        return [value, ...vars.map((v, k) => {
          const g = grads[v.name]!;
          return prev ? tf.add(prev[k]!, g) : g;
        })];
      });
      prev?.forEach((t) => t.dispose());
      acc = next;
      try {
        sum += (await value!.data())[0]!;
      } finally {
        value!.dispose();
      }
      report(start + b, n);
      await tick();
    }
    const grads = acc!;
    acc = null;
    return { value: sum, grads };
  } finally {
    (acc as tf.Tensor[] | null)?.forEach((t) => t.dispose());
  }
}

/**
 * Taylor attributions of logit `cls` for the images x [n, features] (see the header). Computes in batches of BATCH
 * images, accumulating Σ_images ∂y_c/∂W over every weight and bias.
 */
export async function attributeNet(
  net: MaskedNet,
  x: Float32Array,
  n: number,
  cls: number,
  report: (done: number, total: number) => void = () => {},
): Promise<Attribution> {
  if (n === 0) throw new ValidationError('subcircuit: no images to attribute over');
  const { value: logitSum, grads } = await objectiveGradients(net, x, n, (logits) => tf.sum(tf.slice(logits, [0, cls], [-1, 1])), report);
  try {
    const layers: Attribution['layers'] = [];
    const edges: Attribution['edges'] = [];
    for (const [i, l] of net.layers.entries()) {
      const { positions, sources } = foldShape(net, i);
      const out = l.outSize;
      const folded = tf.tidy(() => {
        const e = tf.div(tf.mul(l.weight, grads[2 * i]!), n);
        const fold = (t: tf.Tensor): tf.Tensor => tf.sum(tf.reshape(t, [positions, sources, out]), 0);
        const bt = tf.div(tf.mul(l.bias, grads[2 * i + 1]!), n);
        return [fold(e), fold(l.mask), bt];
      });
      const [attribution, weights, bias] = (await readAndDispose(folded)) as [Float32Array, Float32Array, Float32Array];
      edges.push({ attribution, weights, rows: sources, cols: out });
      if (i === 0) layers.push({ name: 'input', size: sources, units: rowSums(attribution, sources, out) });
      const units = new Float64Array(out);
      for (let r = 0; r < sources; r++) for (let j = 0; j < out; j++) units[j]! += attribution[r * out + j]!;
      for (let j = 0; j < out; j++) units[j]! += bias[j]!;
      layers.push({ name: l.name, size: out, units });
    }
    return { logit: logitSum / n, images: n, layers, edges };
  } finally {
    grads.forEach((t) => t.dispose());
  }
}

function rowSums(m: Float32Array, rows: number, cols: number): Float64Array {
  const s = new Float64Array(rows);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) s[r]! += m[r * cols + j]!;
  return s;
}

/** Indices of the k largest |values| (ties: lower index first), largest first. */
function topUnits(values: Float64Array, k: number): number[] {
  const idx = Array.from(values, (_, i) => i);
  idx.sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!) || a - b);
  return idx.slice(0, k);
}

/** The subcircuit of an attribution: top units per layer, edges between them within the budget (see the header). */
export function selectSubcircuit(att: Attribution, cls: number, units: number, edgeBudget: number): { layers: SubLayer[]; edges: SubEdge[] } {
  const last = att.layers.length - 1;
  const layers: SubLayer[] = att.layers.map((l, k) => {
    const chosen = k === last ? [cls] : topUnits(l.units, units);
    return { name: l.name, size: l.size, units: chosen.map((unit) => ({ unit, attribution: l.units[unit]! })) };
  });
  const edges: SubEdge[] = [];
  att.edges.forEach((e, k) => {
    const from = layers[k]!.units;
    const to = layers[k + 1]!.units;
    for (const a of from) {
      for (const b of to) {
        const p = a.unit * e.cols + b.unit;
        const weights = Math.round(e.weights[p]!);
        if (weights > 0) edges.push({ layer: k, from: a.unit, to: b.unit, attribution: e.attribution[p]!, weights });
      }
    }
  });
  edges.sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution) || a.layer - b.layer || a.from - b.from || a.to - b.to);
  return { layers, edges: edges.slice(0, edgeBudget) };
}

const jaccard = (shared: number, a: number, b: number): number | null => (a + b - shared > 0 ? shared / (a + b - shared) : null);

/** What two subcircuits of the same architecture share, against chance (see the header). */
export function shareStats(a: Pick<Subcircuit, 'layers' | 'edges'>, b: Pick<Subcircuit, 'layers' | 'edges'>): SubcircuitShare {
  if (a.layers.length !== b.layers.length) throw new ValidationError('subcircuits of different architectures cannot be compared');
  const last = a.layers.length - 1;
  let units = 0;
  let expectedUnits = 0;
  let nA = 0;
  let nB = 0;
  for (let k = 0; k < last; k++) {
    const la = a.layers[k]!;
    const lb = b.layers[k]!;
    const inB = new Set(lb.units.map((u) => u.unit));
    units += la.units.filter((u) => inB.has(u.unit)).length;
    expectedUnits += (la.units.length * lb.units.length) / la.size;
    nA += la.units.length;
    nB += lb.units.length;
  }
  const key = (e: SubEdge): string => `${e.layer}:${e.from}:${e.to}`;
  const edgesB = new Set(b.edges.map(key));
  const edges = a.edges.filter((e) => edgesB.has(key(e))).length;
  let expectedEdges = 0;
  for (let k = 0; k < last; k++) {
    const eA = a.edges.filter((e) => e.layer === k).length;
    const eB = b.edges.filter((e) => e.layer === k).length;
    const targets = k + 1 === last ? 1 : a.layers[k + 1]!.size;
    expectedEdges += (eA * eB) / (a.layers[k]!.size * targets);
  }
  return {
    units,
    expectedUnits,
    unitJaccard: jaccard(units, nA, nB),
    edges,
    expectedEdges,
    edgeJaccard: jaccard(edges, a.edges.length, b.edges.length),
  };
}

export async function runSubcircuit(
  states: LoadedState[],
  ctx: AnalysisContext,
  options: SubcircuitOptions,
): Promise<Omit<SubcircuitResult, 'meta'>> {
  const { data, cls } = ctx;
  if (states.length < 1 || states.length > 2) throw new ValidationError(`subcircuit takes one state or two to compare, got ${states.length}`);
  for (const s of states) if (!s.info.hasWeights) throw new ValidationError(`${s.info.label} has no weights: the subcircuit needs trained weights`);
  if (states.length === 2 && states[0]!.state.arch !== states[1]!.state.arch) {
    throw new ValidationError(`subcircuits can only be compared within one architecture: ${states[0]!.state.arch} vs ${states[1]!.state.arch}`);
  }
  const split = splitOf(data, options.split);
  const idx = classIndices(split, cls.index, options.images);
  if (idx.length === 0) throw new ValidationError(`the ${options.split} split has no images of class ${cls.index} (${cls.name})`);
  const x = gatherRows(split, idx, data.features);
  const circuits: Subcircuit[] = [];
  for (const [si, s] of states.entries()) {
    const net = await netFromState(s.state, data);
    try {
      const stage = `attribution: ${s.info.label}`;
      const att = await attributeNet(net, x, idx.length, cls.index, (done, total) => ctx.progress(stage, si * total + done, states.length * total));
      const { layers, edges } = selectSubcircuit(att, cls.index, options.units, options.edges);
      circuits.push({ state: s.info, logit: att.logit, layers, edges });
    } finally {
      net.dispose();
    }
  }
  return {
    class: { index: cls.index, name: cls.name },
    images: idx.length,
    unitsPerLayer: options.units,
    edgeBudget: options.edges,
    circuits,
    shared: circuits.length === 2 ? shareStats(circuits[0]!, circuits[1]!) : null,
  };
}
