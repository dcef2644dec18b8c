// Class selectivity of every unit of stored states: how well each unit's activation tells images of one class from
// the rest, compared with what the best unit of the layer would reach by chance.
//
// For each state: the net is rebuilt (netFromState) and the split's images (the first `limit` when set) run through
// forwardTrace in batches. Per prunable layer one number per image and unit:
// - conv layers (NHWC after ReLU, before pooling): each channel's map pooled over space, by mean and by max (two
//   PoolSelectivity entries, 'mean' then 'max');
// - dense layers (hidden after ReLU, the last one the logits): the unit's value ('none').
// Maps are pooled batch by batch on the backend (mean in float32); only [images × units] Float32 buffers are kept.
// Then per layer and pooling (stats.ts has the exact definitions):
// - auroc[u]: AUROC of unit u for "image is of class ctx.cls" against the rest; best: the unit with the largest
//   AUROC (the lowest index among equals); detectors: units with AUROC ≥ options.threshold;
// - nullBest[k]: the layer's best AUROC when the positives are replaced by permutation k's stand-in set, nPos images
//   drawn without replacement (drawPermutations with options.seed); the SAME K sets serve every layer, pooling and
//   state, so states compare on equal terms; pValue = (1 + #{nullBest ≥ best}) / (1 + K);
// - probe (options.probe): logisticProbe on the layer's mean-pooled (conv) or raw (dense) features, seeded by
//   options.seed (the same fit/held-out split for every layer and state).
// accuracy: the fraction of these images whose largest logit is the label (all classes); objectiveAccuracy, for a
// one-vs-rest state, the balanced accuracy of "its class logit > 0" (its own metric; 10-way accuracy means nothing there).
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../shared/errors';
import type { LayerSelectivity, PoolSelectivity, SelectivityResult, StateSelectivity } from '../../../shared/analysis';
import type { MaskedNet } from '../nets/masked';
import { netFromState } from './net';
import { Ranker, aurocFromRanks, drawPermutations, logisticProbe, pValue, positiveIndices, updateNullBest } from './stats';
import type { AnalysisContext, LoadedState, SelectivityOptions } from './types';
import type { LayerFeatures, StateFeatures } from './features';
export { joinFeatures, type LayerFeatures, type StateFeatures } from './features';

/** Images per forward batch: conv maps are large (Conv-6's conv1 and conv2 are 64 KiB floats per image each). */
const CONV_BATCH = 100;
const DENSE_BATCH = 500;

/** Run the images through the net, pooling each prunable layer's output per batch; also count correct answers. */
async function collectFeatures(
  net: MaskedNet,
  x: Float32Array,
  y: Uint8Array,
  n: number,
  features: number,
  onBatch: (done: number, total: number) => void,
): Promise<{ layers: LayerFeatures[]; correct: number }> {
  const layers: LayerFeatures[] = net.layers.map((l) => ({
    name: l.name,
    kind: l.kind,
    units: l.outSize,
    pools: (l.kind === 'conv' ? (['mean', 'max'] as const) : (['none'] as const)).map((pooling) => ({
      pooling,
      values: new Float32Array(n * l.outSize),
    })),
  }));
  const batch = net.layers.some((l) => l.kind === 'conv') ? CONV_BATCH : DENSE_BATCH;
  const batches = Math.ceil(n / batch);
  let correct = 0;
  for (let bi = 0; bi < batches; bi++) {
    const start = bi * batch;
    const b = Math.min(batch, n - start);
    const outs = tf.tidy(() => {
      const input = tf.tensor2d(x.subarray(start * features, (start + b) * features), [b, features]);
      const trace = net.forwardTrace(input);
      const pooled: tf.Tensor[] = [];
      trace.forEach((t, i) => {
        const l = layers[i]!;
        if (l.kind === 'conv') {
          if (t.rank !== 4) throw new Error(`layer ${l.name}: expected an NHWC map, got rank ${t.rank}`);
          // Pooling windows the size of the map: native NHWC kernels, several times faster than tf.mean / tf.max
          // over axes [1, 2] (which transpose the map first on wasm).
          const [h, w] = [t.shape[1]!, t.shape[2]!];
          const map = t as tf.Tensor4D;
          pooled.push(
            tf.reshape(tf.avgPool(map, [h, w], [h, w], 'valid'), [b, l.units]),
            tf.reshape(tf.maxPool(map, [h, w], [h, w], 'valid'), [b, l.units]),
          );
        } else {
          pooled.push(t.reshape([b, l.units]));
        }
      });
      pooled.push(tf.argMax(trace[trace.length - 1]!.reshape([b, -1]), 1));
      return pooled;
    });
    try {
      let k = 0;
      for (const l of layers) {
        for (const p of l.pools) {
          const data = (await outs[k++]!.data()) as Float32Array;
          if (data.length !== b * l.units) throw new Error(`layer ${l.name}: ${data.length} values for ${b} images of ${l.units} units`);
          p.values.set(data, start * l.units);
        }
      }
      const pred = await outs[k]!.data();
      for (let i = 0; i < b; i++) if (pred[i] === y[start + i]) correct++;
    } finally {
      for (const t of outs) t.dispose();
    }
    onBatch(bi + 1, batches);
  }
  return { layers, correct };
}

/**
 * A one-vs-rest state's own metric: the balanced accuracy of "logit c > 0" over the first n images, (TP/P + TN/N) / 2
 * (as the trainer's tally, shared/objective.ts); null for a state trained on the full classification loss.
 */
export function objectiveAccuracy(info: LoadedState['info'], c: StateFeatures, y: Uint8Array, n: number): number | null {
  const o = info.objective;
  const logits = c.layers[c.layers.length - 1];
  if (!o || !logits || o.class >= logits.units) return null;
  const v = logits.pools[0]!.values;
  let p = 0, tp = 0, neg = 0, tn = 0;
  for (let i = 0; i < n; i++) {
    const above = v[i * logits.units + o.class]! > 0;
    if (y[i] === o.class) {
      p++;
      if (above) tp++;
    } else {
      neg++;
      if (!above) tn++;
    }
  }
  return p && neg ? (tp / p + tn / neg) / 2 : null;
}

/** Per unit AUROC, the best unit, the permutation null of the best and the p-value, for one [n × units] buffer. */
function poolSelectivity(
  pooling: PoolSelectivity['pooling'],
  values: Float32Array,
  units: number,
  n: number,
  positives: Uint32Array,
  perms: readonly Uint32Array[],
  threshold: number,
  ranker: Ranker,
  column: Float32Array,
  r: Float64Array,
): PoolSelectivity {
  const nPos = positives.length;
  const nNeg = n - nPos;
  const aurocs: number[] = new Array<number>(units);
  const best = { unit: 0, auroc: -Infinity };
  const nullBest = new Float64Array(perms.length).fill(-Infinity);
  let detectors = 0;
  for (let u = 0; u < units; u++) {
    for (let i = 0, j = u; i < n; i++, j += units) column[i] = values[j]!;
    ranker.rank(column, r);
    const a = aurocFromRanks(r, positives, nPos, nNeg);
    aurocs[u] = a;
    if (a > best.auroc) {
      best.unit = u;
      best.auroc = a;
    }
    if (a >= threshold) detectors++;
    updateNullBest(nullBest, r, perms, nPos, nNeg);
  }
  if (units === 0) {
    best.auroc = 0.5;
    nullBest.fill(0.5);
  }
  return {
    pooling,
    auroc: aurocs,
    best,
    nullBest: Array.from(nullBest),
    pValue: pValue(best.auroc, nullBest),
    detectors,
  };
}

/** The labels (1 = the class) of the first n images of the split, with a clear error when one side is empty. */
function classLabels(ctx: AnalysisContext, options: SelectivityOptions): { n: number; labels: Uint8Array; positives: Uint32Array } {
  const split = ctx.data[options.split];
  const n = Math.min(split.n, options.limit ?? split.n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = split.y[i] === ctx.cls.index ? 1 : 0;
  const positives = positiveIndices(labels);
  const nPos = positives.length;
  if (nPos === 0 || nPos === n) {
    const which = options.limit !== undefined && options.limit < split.n ? `the first ${n} images of the ${options.split} split` : `the ${options.split} split (${n} images)`;
    throw new ValidationError(`${which} ${nPos === 0 ? 'have no image' : 'have only images'} of class ${ctx.cls.name}: selectivity needs both`);
  }
  return { n, labels, positives };
}

/** The number of images a selectivity request reads (the split, or its first `limit`). */
export function selectivityImages(ctx: AnalysisContext, options: SelectivityOptions): number {
  return classLabels(ctx, options).n;
}

/**
 * The forward passes: every state over images [start, end) of the split (all the request's images by default).
 * Shards of the images can run in separate workers and be joined with joinFeatures.
 */
export async function collectStateFeatures(
  states: LoadedState[],
  ctx: AnalysisContext,
  options: SelectivityOptions,
  range?: [number, number],
): Promise<StateFeatures[]> {
  const split = ctx.data[options.split];
  const { n } = classLabels(ctx, options);
  const [start, end] = range ?? [0, n];
  if (!(start >= 0 && end <= n && start < end)) throw new Error(`image range [${start}, ${end}) is not within [0, ${n})`);
  const features = ctx.data.features;
  for (const s of states) {
    if (!s.info.hasWeights) throw new ValidationError(`state ${s.info.ref} has no weights: selectivity needs a network`);
  }
  const out: StateFeatures[] = [];
  for (const s of states) {
    const net = await netFromState(s.state, ctx.data);
    try {
      out.push(
        await collectFeatures(net, split.x.subarray(start * features, end * features), split.y.subarray(start, end), end - start, features, (done, total) =>
          ctx.progress(`forward: ${s.info.label}`, done, total),
        ),
      );
    } finally {
      net.dispose();
    }
  }
  return out;
}

/** The statistics of every state from its features over all the request's images. */
export function selectivityFromFeatures(
  states: LoadedState[] | { info: LoadedState['info'] }[],
  ctx: AnalysisContext,
  options: SelectivityOptions,
  collected: readonly StateFeatures[],
): Omit<SelectivityResult, 'meta'> {
  const { n, labels, positives } = classLabels(ctx, options);
  const nPos = positives.length;
  const perms = drawPermutations(n, nPos, options.permutations, options.seed);
  const ranker = new Ranker(n);
  const column = new Float32Array(n);
  const r = new Float64Array(n);
  const out: StateSelectivity[] = [];
  states.forEach((s, si) => {
    const label = s.info.label;
    const c = collected[si]!;
    const layers: LayerSelectivity[] = [];
    const total = c.layers.length;
    ctx.progress(`statistics: ${label}`, 0, total);
    for (const [li, l] of c.layers.entries()) {
      if (l.pools[0]!.values.length !== n * l.units) throw new Error(`layer ${l.name}: features for ${l.pools[0]!.values.length / l.units} images, expected ${n}`);
      const pools = l.pools.map((p) => poolSelectivity(p.pooling, p.values, l.units, n, positives, perms, options.threshold, ranker, column, r));
      const probeFeatures = l.pools[0]!.values; // 'mean' for conv, 'none' for dense
      const probe = options.probe ? logisticProbe(probeFeatures, labels, options.seed) : null;
      layers.push({ layer: l.name, kind: l.kind, units: l.units, pools, probe });
      ctx.progress(`statistics: ${label}`, li + 1, total);
    }
    out.push({ state: s.info, layers, accuracy: c.correct / n, objectiveAccuracy: objectiveAccuracy(s.info, c, ctx.data[options.split].y, n) });
  });
  return {
    class: { index: ctx.cls.index, name: ctx.cls.name },
    threshold: options.threshold,
    permutations: options.permutations,
    split: options.split,
    images: n,
    positives: nPos,
    states: out,
  };
}

export async function runSelectivity(
  states: LoadedState[],
  ctx: AnalysisContext,
  options: SelectivityOptions,
): Promise<Omit<SelectivityResult, 'meta'>> {
  const collected = await collectStateFeatures(states, ctx, options);
  return selectivityFromFeatures(states, ctx, options, collected);
}
