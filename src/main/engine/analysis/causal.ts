// Entry points of the causal analyses for one stored state, in the shape of the other analyses (runSubcircuit ...):
// a loaded state, the analysis context (data set, class, progress) and fully resolved options in, a plain result out.
// They rebuild the net, pick the images (ablate.ts, causalImages), run, and dispose. Deterministic given the options'
// seed on a given backend. The core runs them in workers through the registry (core/causal-kinds.ts).
import { createHash } from 'node:crypto';
import { ValidationError } from '../../../shared/errors';
import type { NetState } from '../../../shared/tensors';
import type { Dataset } from '../data/index';
import { classSubset, causalImages, runAblation, scanLayer, type AblationResult, type LayerScanResult } from './ablate';
import { faithfulnessCurve, rankedCircuit, rankEdges, scoreCircuit, type CircuitScore, type FaithMetric, type FaithfulnessResult } from './faithfulness';
import type { AblationTarget, CircuitSpec } from './geometry';
import { Intervener, type AblationKind, type ConvMean, type RunControl } from './intervene';
import { netFromState } from './net';
import type { AnalysisContext, LoadedState } from './types';
import { visualizeUnit, type VisualizeOptions, type VisualizeResult } from './visualize';

export interface CausalOptions {
  ablation: AblationKind;
  convMean: ConvMean;
  /** Training images the ablation values come from (mean, resample). */
  reference: number;
  /** The first `evaluation` test images (ablation: all of them; faithfulness: the class's among them). */
  evaluation: number;
  seed: number;
}

function needsWeights(s: LoadedState, what: string): void {
  if (!s.info.hasWeights) throw new ValidationError(`${s.info.label} has no weights: ${what} needs a network`);
}

/** A number per data set object in this process: a data set loaded again (re-imported files) is a new object. */
const datasetIds = new WeakMap<Dataset, number>();
let nextDatasetId = 0;

/** SHA-1 of every layer's shape, weight, bias and mask: the net's content, whatever its ref. */
function stateDigest(state: NetState): string {
  const h = createHash('sha1').update(state.arch);
  for (const l of state.layers) {
    h.update(`${l.name}:${l.kind}:${l.shape.join('x')}`);
    for (const a of [l.weight, l.bias, l.mask]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}

/** The Intervener's memo key: the net's content, the data set object and everything that picks the images and means. */
function preparedKey(s: LoadedState, ctx: AnalysisContext, o: CausalOptions, classOnly: boolean, reference: number, attribution: number): string {
  let id = datasetIds.get(ctx.data);
  if (id === undefined) datasetIds.set(ctx.data, (id = nextDatasetId++));
  const picks = { reference, evaluation: o.evaluation, attribution, seed: o.seed, classOnly, cls: ctx.cls.index, ablation: o.ablation, convMean: o.convMean };
  return `${stateDigest(s.state)} ${id} ${JSON.stringify(picks)}`;
}

/** Run `f` on an Intervener over the state's net, disposing both. */
async function withIntervener<T>(
  s: LoadedState,
  ctx: AnalysisContext,
  o: CausalOptions,
  control: RunControl,
  classOnly: boolean,
  f: (iv: Intervener, attribution: ReturnType<typeof causalImages>['attribution']) => Promise<T>,
  attribution = 0,
): Promise<T> {
  // At most half of the training images are reference images, so that a small training set keeps images of the class
  // for the attribution (faithfulness ranks its edges on them).
  const reference = attribution > 0 ? Math.min(o.reference, Math.floor(ctx.data.train.n / 2)) : o.reference;
  const images = causalImages(ctx.data, ctx.cls.index, { reference, evaluation: o.evaluation, attribution, seed: o.seed });
  const evaluation = classOnly ? classSubset(images.evaluation, ctx.cls.index, ctx.data.features) : images.evaluation;
  if (classOnly && evaluation.n === 0) throw new ValidationError(`the first ${images.evaluation.n} test images have no image of class ${ctx.cls.name}`);
  const net = await netFromState(s.state, ctx.data);
  try {
    const memo = preparedKey(s, ctx, o, classOnly, reference, attribution);
    const iv = await Intervener.create(net, { evaluation, reference: images.reference }, { kind: o.ablation, convMean: o.convMean, seed: o.seed }, { progress: ctx.progress, ...control }, undefined, memo);
    try {
      return await f(iv, images.attribution);
    } finally {
      iv.dispose();
    }
  } finally {
    net.dispose();
  }
}

/** Ablate units and/or edges of one state (`ticketscope analyze ablate`). */
export async function runAblate(s: LoadedState, ctx: AnalysisContext, o: CausalOptions & { target: AblationTarget }, control: RunControl = {}): Promise<AblationResult> {
  needsWeights(s, 'ablation');
  return withIntervener(s, ctx, o, control, false, (iv) => runAblation(iv, ctx.cls, o.target));
}

/** Ablate every unit of one hidden layer, one at a time (the AUROC-against-ablation scatter). */
export async function runLayerScan(s: LoadedState, ctx: AnalysisContext, o: CausalOptions & { layer: string }, control: RunControl = {}): Promise<LayerScanResult> {
  needsWeights(s, 'ablation');
  return withIntervener(s, ctx, o, control, false, (iv) => scanLayer(iv, ctx.cls, o.layer));
}

/** The faithfulness and completeness curve of one state (`ticketscope analyze faithfulness`). */
export async function runFaithfulness(
  s: LoadedState,
  ctx: AnalysisContext,
  o: CausalOptions & { metric: FaithMetric; points: number; attribution: number; budget?: number },
  control: RunControl = {},
): Promise<FaithfulnessResult> {
  needsWeights(s, 'faithfulness');
  return withIntervener(
    s,
    ctx,
    o,
    control,
    true,
    async (iv, att) => {
      const ranking = await rankEdges(iv.net, att, ctx.cls.index, o.metric, { progress: ctx.progress, ...control });
      const curve = await faithfulnessCurve(iv, ranking, ctx.cls, { metric: o.metric, points: o.points, attributionImages: att.n, ...(o.budget !== undefined ? { extraSizes: [o.budget] } : {}) }, { progress: ctx.progress, ...control });
      return { ...curve, budgetCircuit: o.budget !== undefined ? rankedCircuit(ranking, o.budget) : null };
    },
    o.attribution,
  );
}

/** Faithfulness and completeness of a pinned circuit of one state. */
export async function runCircuitScore(
  s: LoadedState,
  ctx: AnalysisContext,
  o: CausalOptions & { metric: FaithMetric; circuit: CircuitSpec },
  control: RunControl = {},
): Promise<CircuitScore> {
  needsWeights(s, 'a circuit score');
  return withIntervener(s, ctx, o, control, true, (iv) => scoreCircuit(iv, o.circuit, ctx.cls, o.metric));
}

/** Feature visualisation of one unit of one state (`ticketscope analyze visualize`). */
export async function runVisualize(s: LoadedState, ctx: AnalysisContext, o: VisualizeOptions, control: RunControl = {}): Promise<VisualizeResult> {
  needsWeights(s, 'feature visualisation');
  const net = await netFromState(s.state, ctx.data);
  try {
    return await visualizeUnit(net, ctx.data.normalisation, o, { progress: ctx.progress, ...control });
  } finally {
    net.dispose();
  }
}

/** A causal analysis of one state as the core asks a worker for it (EngineAnalysisRequest 'causal'). */
export type CausalRequest =
  | { op: 'ablate'; causal: CausalOptions; target: AblationTarget }
  | { op: 'scan'; causal: CausalOptions; layer: string }
  | { op: 'faithfulness'; causal: CausalOptions; metric: FaithMetric; points: number; attribution: number; budget?: number }
  | { op: 'circuit'; causal: CausalOptions; metric: FaithMetric; circuit: CircuitSpec };
export type CausalBody = AblationResult | LayerScanResult | FaithfulnessResult | CircuitScore;

export function runCausal(s: LoadedState, ctx: AnalysisContext, r: CausalRequest): Promise<CausalBody> {
  switch (r.op) {
    case 'ablate':
      return runAblate(s, ctx, { ...r.causal, target: r.target });
    case 'scan':
      return runLayerScan(s, ctx, { ...r.causal, layer: r.layer });
    case 'faithfulness':
      return runFaithfulness(s, ctx, { ...r.causal, metric: r.metric, points: r.points, attribution: r.attribution, ...(r.budget !== undefined ? { budget: r.budget } : {}) });
    case 'circuit':
      return runCircuitScore(s, ctx, { ...r.causal, metric: r.metric, circuit: r.circuit });
  }
}
