// Interventions on a masked net: forward passes in which chosen units (a conv channel or a dense unit of any layer's
// output, or an input unit) and chosen edges (individual surviving weights) are ablated. ablate.ts and
// faithfulness.ts build on this; docs/analysis.md ("Interventions") repeats the definitions.
//
// The net as a plan. Every prunable layer k computes out_k = act_k(op_k(in_k, w_k ⊙ m_k) + b_k) with
// in_k = pre_k(out_{k-1}) (in_0 = pre_0(x)): pre_k is what the architecture does between two layers (reshape to NHWC,
// a 2x2 max-pool, flattening), op_k a matMul or a 3x3 'same' convolution, act_k ReLU for every layer but the last.
// netPlan() writes these down for LeNet-300-100 and Conv-2/4/6/8 (nets/lenet.ts, nets/conv.ts), and every run checks
// the plan's logits against net.forward on the first evaluation images (checkPlan), so a change in the nets fails
// loudly instead of silently measuring another function. A net of another shape passes its own plan.
//
// Ablation values, from the CLEAN net on a reference set of images (training images, disjoint from the evaluation
// images, which come from the test split):
// - zero: 0;
// - mean: the mean over the reference images. For conv maps, `convMean` 'position' (the default) keeps one mean per
//   position and channel (the expected map E[a(x)], which keeps the border effects of 'same' padding and the spatial
//   layout of the mean image), 'channel' one per channel (the map's spatial mean, broadcast over positions);
// - resample: the value on one reference image drawn for each evaluation image (uniformly, with replacement, seeded);
//   the same draw serves every ablated unit and edge of that evaluation image, so an ablated part of the net sees a
//   coherent other image rather than a patchwork.
// What is replaced:
// - a unit u of layer k: out_k[..., u] ← its ablation value (per position for conv maps); for the input units (the
//   input channels of a conv net, the input features of a dense first layer, as in subcircuit.ts) the input itself;
// - an edge, i.e. one surviving weight w of layer k, connecting input element a (a position and channel of in_k for a
//   conv, an input feature for a dense layer) to an output unit: its contribution w·a to the pre-activation becomes
//   w·ã, with ã the ablation value of that input element (0, its mean over the reference set, or its value on the
//   drawn reference image). So z_k = op_k(in_k, w ⊙ m ⊙ K) + op_k(ã_k, w ⊙ m ⊙ (1 − K)) + b_k with K = 1 on kept
//   edges. in_k is the intervened net's own input (upstream ablations propagate), ã_k always the clean reference.
//   Biases are not edges: they are never ablated.
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../shared/errors';
import type { DataSplit } from '../data/index';
import { isConvArch } from '../nets/factory';
import { MaskedDense } from '../nets/masked';
import type { MaskedLayer, MaskedNet } from '../nets/masked';
import { MaskedConv2D } from '../nets/masked-conv';
import { streamRng } from '../rng';
import { CancelledError } from '../types';
import { emptyAblation, layerUnits, type AblationSet } from './geometry';

export type AblationKind = 'zero' | 'mean' | 'resample';
export const ABLATION_KINDS: readonly AblationKind[] = ['zero', 'mean', 'resample'];
export type ConvMean = 'position' | 'channel';

export interface AblationSpec {
  kind: AblationKind;
  /** How conv maps are averaged for mean ablation (default 'position'). */
  convMean?: ConvMean;
  /** Seeds the resample draws. */
  seed: number;
}

/** Progress, cancellation: what a long engine computation is given by the worker that runs it. */
export interface RunControl {
  progress?: (stage: string, done: number, total: number) => void;
  /** Polled between batches; true stops the computation with CancelledError. */
  isCancelled?: () => boolean;
}

/** One prunable layer's place in the forward pass (see the header). */
export interface PlanStage {
  layer: MaskedLayer;
  /** in_k from out_{k-1} (from the flat images [n, features] for the first layer). */
  pre: (h: tf.Tensor) => tf.Tensor;
  /** ReLU after the layer (every layer but the last in the project's nets). */
  relu: boolean;
}

/** The plan of LeNet-300-100, Conv-2/4/6/8, or any net of dense layers with ReLU between them. */
export function netPlan(net: MaskedNet): PlanStage[] {
  const last = net.layers.length - 1;
  if (isConvArch(net.arch)) {
    const [h0, w0, c0] = net.inputShape;
    let convs = 0;
    return net.layers.map((layer, k) => {
      if (layer.kind === 'conv') {
        const i = convs++;
        const pre = i === 0 ? (h: tf.Tensor) => tf.reshape(h, [-1, h0, w0, c0]) : i % 2 === 0 ? (h: tf.Tensor) => tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid') : (h: tf.Tensor) => h;
        return { layer, pre, relu: true };
      }
      const first = k > 0 && net.layers[k - 1]!.kind === 'conv';
      const pre = first ? (h: tf.Tensor) => tf.reshape(tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'), [-1, layer.inSize]) : (h: tf.Tensor) => h;
      return { layer, pre, relu: k < last };
    });
  }
  if (net.layers.every((l) => l.kind === 'dense')) return net.layers.map((layer, k) => ({ layer, pre: (h) => h, relu: k < last }));
  throw new ValidationError(`interventions: no plan for ${net.arch}`);
}

/** One layer's intervention, as tensors (see the header). */
export interface LayerIntervention {
  /** Weight-shaped 0/1: 1 keeps the edge's own input; null keeps every edge. */
  edgeKeep: tf.Tensor | null;
  /** ã_k, the input ablated edges see ([1, ...] for mean, aligned with the batch for resample); null for zero. */
  edgeValue: tf.Tensor | null;
  /** [units] 0/1 over the layer's outputs: 1 keeps the unit; null keeps every unit. */
  unitKeep: tf.Tensor | null;
  unitValue: tf.Tensor | null;
}

/** out_k of one stage, optionally with ablated edges and without the activation (`preActivation`). */
export function applyStage(st: PlanStage, x: tf.Tensor, edge: { keep: tf.Tensor; value: tf.Tensor | null } | null, preActivation = false): tf.Tensor {
  const l = st.layer;
  if (l.weightTransform) throw new Error(`${l.name}: interventions need plain masked weights (no weight transform)`);
  const relu = st.relu && !preActivation;
  if (!edge) {
    if (l instanceof MaskedConv2D) return l.apply(x as tf.Tensor4D, relu, true);
    if (l instanceof MaskedDense) {
      const z = l.apply(x as tf.Tensor2D, true);
      return relu ? tf.relu(z) : z;
    }
    throw new Error(`${l.name}: unknown layer type`);
  }
  const op = (a: tf.Tensor, w: tf.Tensor): tf.Tensor =>
    l.kind === 'conv' ? tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') : tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D);
  const wm = tf.mul(l.weight, l.mask);
  const kept = tf.mul(wm, edge.keep);
  let z = tf.add(op(x, kept), l.bias);
  if (edge.value) z = tf.add(z, op(edge.value, tf.sub(wm, kept)));
  return relu ? tf.relu(z) : z;
}

/** x ⊙ keep + value ⊙ (1 − keep), keep broadcast over the last axis (value null: zero). */
function replace(x: tf.Tensor, keep: tf.Tensor, value: tf.Tensor | null): tf.Tensor {
  const kept = tf.mul(x, keep);
  return value ? tf.add(kept, tf.mul(value, tf.sub(1, keep))) : kept;
}

/**
 * Logits of the plan for flat images x, with interventions: `input` on the flat input features, `layers[k]` on layer
 * k. With `from` set, starts from layer `from`'s output h instead of x (the layers after it run; no input
 * intervention). Call inside tf.tidy.
 */
export function planForward(
  plan: readonly PlanStage[],
  x: tf.Tensor,
  iv: { input?: { keep: tf.Tensor; value: tf.Tensor | null } | null; layers?: readonly (LayerIntervention | null | undefined)[] } = {},
  from = -1,
): tf.Tensor2D {
  let h = from < 0 && iv.input ? replace(x, iv.input.keep, iv.input.value) : x;
  for (let k = from + 1; k < plan.length; k++) {
    const st = plan[k]!;
    const li = iv.layers?.[k];
    h = applyStage(st, st.pre(h), li?.edgeKeep ? { keep: li.edgeKeep, value: li.edgeValue } : null);
    if (li?.unitKeep) h = replace(h, li.unitKeep, li.unitValue);
  }
  return h as tf.Tensor2D;
}

/** Every layer's input and output of the clean plan (call inside tf.tidy). */
export function planTrace(plan: readonly PlanStage[], x: tf.Tensor): { inputs: tf.Tensor[]; outputs: tf.Tensor[] } {
  const inputs: tf.Tensor[] = [];
  const outputs: tf.Tensor[] = [];
  let h = x;
  for (const st of plan) {
    const inp = st.pre(h);
    inputs.push(inp);
    h = applyStage(st, inp, null);
    outputs.push(h);
  }
  return { inputs, outputs };
}

/** Throws when the plan's clean logits are not net.forward's on these images (rows of x). */
export async function checkPlan(net: MaskedNet, plan: readonly PlanStage[], x: Float32Array, n: number): Promise<void> {
  if (n === 0) return;
  const features = x.length / n;
  const [diff, scale] = tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, features]);
    const a = net.forward(xt);
    return [tf.max(tf.abs(tf.sub(a, planForward(plan, xt)))), tf.max(tf.abs(a))];
  });
  const [d, s] = await Promise.all([diff!.data(), scale!.data()]);
  tf.dispose([diff!, scale!]);
  if (!(d[0]! <= 1e-4 * (1 + s[0]!))) throw new Error(`interventions: the plan of ${net.arch} does not reproduce the net's logits (max difference ${d[0]})`);
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function checkCancelled(control: RunControl): void {
  if (control.isCancelled?.()) throw new CancelledError();
}

/** Images per forward batch: conv maps are large. */
export const batchFor = (net: MaskedNet): number => (net.layers.some((l) => l.kind === 'conv') ? 100 : 500);

/** Rows `idx` of a split. */
function rows(split: DataSplit, idx: ArrayLike<number>, start: number, end: number, features: number): Float32Array {
  const out = new Float32Array((end - start) * features);
  for (let i = start; i < end; i++) {
    const j = idx[i]!;
    out.set(split.x.subarray(j * features, (j + 1) * features), (i - start) * features);
  }
  return out;
}

/**
 * 1 − m of a 0/1 mask into `out` (the keep mask of an ablation, or a circuit's complement). A plain loop:
 * `Float32Array.from(m, fn)` takes ~180 ms on a conv layer's 1.6 M weights (about 25 times longer), and a faithfulness
 * curve builds such masks some 40 times.
 */
export function complementOf<T extends Float32Array | Uint8Array>(m: Uint8Array, out: T): T {
  for (let i = 0; i < m.length; i++) out[i] = 1 - m[i]!;
  return out;
}

const keepOf = (ablated: Uint8Array): Float32Array => complementOf(ablated, new Float32Array(ablated.length));

/** What Intervener.create computes from the net and the images alone, kept per memo key (see create). */
interface Prepared {
  clean: Float32Array;
  /** The mean ablation's reference means (null for the other kinds). */
  means: { values: Float32Array; shape: number[] }[] | null;
}

/** The most recently used last; a few conv nets' means are some megabytes. */
const prepared = new Map<string, Prepared>();
const PREPARED_MAX = 8;

/**
 * Ablated forward passes of one net over one evaluation set, with the ablation values of one reference set. create()
 * computes the clean reference statistics (mean) or draws the reference image of every evaluation image (resample);
 * logits() evaluates any AblationSet; scanUnits() ablates the units of one layer one at a time.
 */
export class Intervener {
  /** Clean logits of the evaluation images, [n × classes]. */
  clean!: Float32Array;
  readonly classes: number;
  private readonly features: number;
  private readonly batch: number;
  /** Mean ablation: [flat input, in_0, out_0, in_1, out_1, ...], each [1, ...]. */
  private means: tf.Tensor[] | null = null;
  /** Resample: the reference image drawn for each evaluation image. */
  readonly draws: Uint32Array;

  private constructor(
    readonly net: MaskedNet,
    readonly plan: readonly PlanStage[],
    readonly evaluation: DataSplit,
    readonly reference: DataSplit,
    readonly ablation: AblationSpec,
    private readonly control: RunControl,
  ) {
    this.features = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
    this.classes = net.layers[net.layers.length - 1]!.outSize;
    this.batch = batchFor(net);
    this.draws = new Uint32Array(evaluation.n);
    if (ablation.kind === 'resample') {
      const rng = streamRng(ablation.seed, 'ablation/resample');
      for (let i = 0; i < evaluation.n; i++) this.draws[i] = rng.int(0, reference.n);
    }
  }

  /**
   * `memo`: a key that names the net's content, the images and the ablation (causal.ts, preparedKey). The clean logits
   * and the reference means of the last few keys are kept as plain arrays in this process, so a worker asked about the
   * same state again (a layer scan, then one of its units, then a circuit) skips both passes.
   */
  static async create(
    net: MaskedNet,
    images: { evaluation: DataSplit; reference: DataSplit },
    ablation: AblationSpec,
    control: RunControl = {},
    plan: readonly PlanStage[] = netPlan(net),
    memo?: string,
  ): Promise<Intervener> {
    if (images.evaluation.n === 0) throw new ValidationError('interventions: no evaluation images');
    if (ablation.kind !== 'zero' && images.reference.n === 0) throw new ValidationError(`${ablation.kind} ablation needs reference images`);
    const iv = new Intervener(net, plan, images.evaluation, images.reference, ablation, control);
    const check = Math.min(8, images.evaluation.n);
    await checkPlan(net, plan, images.evaluation.x.subarray(0, check * iv.features), check);
    const hit = memo === undefined ? undefined : prepared.get(memo);
    if (memo !== undefined && hit) {
      // Most recently used last.
      prepared.delete(memo);
      prepared.set(memo, hit);
      if (ablation.kind === 'mean') iv.means = hit.means!.map((m) => tf.tensor(m.values, m.shape));
      iv.clean = hit.clean.slice();
      return iv;
    }
    if (ablation.kind === 'mean') await iv.computeMeans();
    iv.clean = await iv.logits(emptyAblation(net));
    if (memo !== undefined) {
      const means = iv.means ? await Promise.all(iv.means.map(async (m) => ({ values: (await m.data()).slice() as Float32Array, shape: [...m.shape] }))) : null;
      prepared.set(memo, { clean: iv.clean.slice(), means });
      while (prepared.size > PREPARED_MAX) prepared.delete(prepared.keys().next().value!);
    }
    return iv;
  }

  dispose(): void {
    if (this.means) tf.dispose(this.means);
    this.means = null;
  }

  private async computeMeans(): Promise<void> {
    const ref = this.reference;
    const f = this.features;
    let sums: tf.Tensor[] | null = null;
    try {
      for (let start = 0; start < ref.n; start += this.batch) {
        checkCancelled(this.control);
        const end = Math.min(ref.n, start + this.batch);
        const prev: tf.Tensor[] | null = sums;
        sums = tf.tidy(() => {
          const x = tf.tensor2d(ref.x.subarray(start * f, end * f), [end - start, f]);
          const t = planTrace(this.plan, x);
          const parts = [x, ...t.inputs.flatMap((inp, k) => [inp, t.outputs[k]!])].map((a) => tf.sum(a, 0, true));
          return prev ? parts.map((p, i) => tf.add(prev[i]!, p)) : parts;
        });
        if (prev) tf.dispose(prev);
        this.control.progress?.('reference means', end, ref.n);
        await tick();
      }
      const total: tf.Tensor[] = sums!;
      sums = null;
      this.means = tf.tidy(() => {
        const channel = this.ablation.convMean === 'channel';
        const means = total.map((s) => {
          const m = tf.div(s, ref.n);
          // Spread over the positions again: a 'same' convolution of the map must see the padding where it is.
          return channel && m.rank === 4 ? tf.broadcastTo(tf.mean(m, [1, 2], true), m.shape) : m;
        });
        // Channel means of a conv net's input units: in_0's, as the flat input.
        const in0 = means[1]!;
        if (channel && in0.rank === 4) means[0] = tf.reshape(in0, [1, this.features]);
        return means;
      });
      tf.dispose(total);
    } finally {
      if (sums) tf.dispose(sums as tf.Tensor[]);
    }
  }

  /** Ablation values for evaluation images [start, end): [flat input, in_0, out_0, ...], or null for zero. */
  private values(start: number, end: number): tf.Tensor[] | null {
    if (this.ablation.kind === 'zero') return null;
    if (this.ablation.kind === 'mean') return this.means!;
    const x = tf.tensor2d(rows(this.reference, this.draws, start, end, this.features), [end - start, this.features]);
    const t = planTrace(this.plan, x);
    return [x, ...t.inputs.flatMap((inp, k) => [inp, t.outputs[k]!])];
  }

  /** Expand a unit mask of the input units to the flat input features (conv nets: channel = feature mod channels). */
  private inputKeep(ablated: Uint8Array): Float32Array {
    const keep = new Float32Array(this.features);
    const units = ablated.length;
    for (let k = 0; k < this.features; k++) keep[k] = ablated[units === this.features ? k : k % units] ? 0 : 1;
    return keep;
  }

  private validate(set: AblationSet): void {
    for (const [k, m] of set.units) {
      if (k >= this.plan.length - 1) throw new ValidationError(`the output layer ${this.net.layers[k]?.name ?? k} cannot be ablated: its class logit is what is measured`);
      if (m.length !== layerUnits(this.net, k)) throw new Error(`unit mask of layer ${k} has ${m.length} entries, expected ${layerUnits(this.net, k)}`);
    }
    set.edges.forEach((e, k) => {
      if (e && e.length !== this.net.layers[k]!.size) throw new Error(`edge mask of ${this.net.layers[k]!.name} has ${e.length} entries, expected ${this.net.layers[k]!.size}`);
    });
  }

  /** Logits of every evaluation image with `set` ablated, [n × classes]. */
  async logits(set: AblationSet): Promise<Float32Array> {
    this.validate(set);
    const n = this.evaluation.n;
    const f = this.features;
    const out = new Float32Array(n * this.classes);
    // Uploads only (no intermediate tensors): disposed in the finally below.
    const keeps = {
      units: new Map([...set.units].map(([k, m]) => [k, tf.tensor1d(k < 0 ? this.inputKeep(m) : keepOf(m))] as const)),
      edges: set.edges.map((e, k) => (e ? tf.tensor(keepOf(e), [...this.net.layers[k]!.shape]) : null)),
    };
    try {
      for (let start = 0; start < n; start += this.batch) {
        checkCancelled(this.control);
        const end = Math.min(n, start + this.batch);
        const logits = tf.tidy(() => {
          const v = this.values(start, end);
          const x = tf.tensor2d(this.evaluation.x.subarray(start * f, end * f), [end - start, f]);
          const inKeep = keeps.units.get(-1);
          const layers: LayerIntervention[] = this.plan.map((_, k) => ({
            edgeKeep: keeps.edges[k] ?? null,
            edgeValue: v ? v[1 + 2 * k]! : null,
            unitKeep: keeps.units.get(k) ?? null,
            unitValue: v ? v[2 + 2 * k]! : null,
          }));
          return planForward(this.plan, x, { input: inKeep ? { keep: inKeep, value: v ? v[0]! : null } : null, layers });
        });
        out.set((await logits.data()) as Float32Array, start * this.classes);
        logits.dispose();
        await tick();
      }
    } finally {
      tf.dispose([...keeps.units.values(), ...keeps.edges.filter((e): e is tf.Tensor => e !== null)]);
    }
    return out;
  }

  /**
   * Ablate each of `units` of hidden layer `k` alone. The clean forward pass up to layer k runs once per batch of
   * evaluation images; then chunks of units are ablated together, each unit in its own copy of the batch (the copies
   * stacked into one batch), and only the layers after k run. `onChunk(units, start, end, logits)` gets the logits
   * [units.length × (end − start) × classes], unit-major.
   */
  async scanUnits(k: number, units: readonly number[], onChunk: (units: number[], start: number, end: number, logits: Float32Array) => void): Promise<void> {
    if (k < 0 || k >= this.plan.length - 1) throw new ValidationError('only the units of hidden layers can be scanned');
    const size = this.net.layers[k]!.outSize;
    for (const u of units) if (!Number.isInteger(u) || u < 0 || u >= size) throw new ValidationError(`unit ${u} out of range: ${this.net.layers[k]!.name} has ${size}`);
    const n = this.evaluation.n;
    const f = this.features;
    const perChunk = Math.max(1, Math.floor((this.net.layers.some((l) => l.kind === 'conv') ? 400 : 4000) / this.batch));
    const total = Math.ceil(n / this.batch) * Math.ceil(units.length / perChunk);
    let done = 0;
    for (let start = 0; start < n; start += this.batch) {
      const end = Math.min(n, start + this.batch);
      const b = end - start;
      const [h, value = null] = tf.tidy(() => {
        const x = tf.tensor2d(this.evaluation.x.subarray(start * f, end * f), [b, f]);
        const clean = planTrace(this.plan.slice(0, k + 1), x).outputs[k]!;
        const v = this.values(start, end);
        // A clone: the means belong to this object and outlive the batch.
        return v ? [clean, tf.clone(v[2 + 2 * k]!)] : [clean];
      }) as [tf.Tensor, tf.Tensor?];
      try {
        for (let c = 0; c < units.length; c += perChunk) {
          checkCancelled(this.control);
          const chunk = units.slice(c, c + perChunk);
          const logits = tf.tidy(() => {
            const rest = h.shape.slice(1);
            const keep = new Float32Array(chunk.length * size).fill(1);
            chunk.forEach((u, j) => (keep[j * size + u] = 0));
            // [copies, 1, (1, 1,) units]: copy j ablates unit chunk[j] in every image of the batch.
            const keepT = tf.reshape(tf.tensor1d(keep), [chunk.length, 1, ...rest.slice(0, -1).map(() => 1), size]);
            const hs = tf.expandDims(h, 0);
            const kept = tf.mul(hs, keepT);
            const ablated = value ? tf.add(kept, tf.mul(tf.expandDims(value, 0), tf.sub(1, keepT))) : kept;
            return planForward(this.plan, tf.reshape(ablated, [chunk.length * b, ...rest]), {}, k);
          });
          onChunk(chunk, start, end, (await logits.data()) as Float32Array);
          logits.dispose();
          this.control.progress?.(`ablating ${this.net.layers[k]!.name}`, ++done, total);
          await tick();
        }
      } finally {
        tf.dispose(value ? [h, value] : [h]);
      }
    }
  }
}
