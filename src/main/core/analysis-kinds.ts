// The analyses the contract offers, one entry each: the states its params name, what the states must share, what
// decides its result (with the states' tensor checksums and the data set, the cache key), its version, and how it is
// computed: here (pure array code, milliseconds) or in an engine worker through the job queue (forward passes).
// analysis.ts runs any entry the same way (resolve, check, cache, share, cancel, progress); docs/architecture.md says
// how to add one.
import {
  ANALYSIS_DEFAULTS,
  type AnalysisKind,
  type AnalysisMethodName,
  type AnalysisMethods,
  type AnalysisProgress,
} from '../../shared/analysis';
import type { EngineAnalysisRequest, LoadedState, SelectivityShard } from '../engine/analysis/types';
import { joinFeatures } from '../engine/analysis/features';
import { runMultigraph } from '../engine/analysis/multigraph';
import { maskOverlap, overlapMatrix } from '../engine/analysis/overlap';
import { CAUSAL_ENTRIES } from './causal-kinds';
import { instabilityEntry, visualizeEntry } from './analysis-detector';
import { CancelledError } from './requests';
import type { MaskLayer, ResolvedState } from './states';

/** What an entry's computation may use. */
export interface ComputeContext {
  /** The states' weights, for a worker (the states passed the entry's checks). */
  loaded(states: ResolvedState[]): LoadedState[];
  /** The data set the states were trained on, as the engine loads it. */
  data(state: ResolvedState): EngineAnalysisRequest['data'];
  /**
   * Runs an engine request in a worker from the job queue, relaying its progress (with an ETA, or as `progress`
   * maps it); rejects with CancelledError once `signal` aborts.
   */
  worker(
    request: EngineAnalysisRequest,
    signal: AbortSignal,
    progress?: (stage: string, done: number, total: number) => Omit<AnalysisProgress, 'key' | 'kind'>,
  ): Promise<unknown>;
  /** Workers one request may use at once (one per core). */
  shards: number;
}

type Params<M extends AnalysisMethodName> = AnalysisMethods[M]['params'];
type Body<M extends AnalysisMethodName> = Omit<AnalysisMethods[M]['result'], 'meta'>;

/** One request of an analysis, its options settled (defaults filled in). */
export interface Prepared<M extends AnalysisMethodName> {
  /** What decides the result besides the states and the data set: part of the cache key. */
  key: unknown;
  /** The parameters as the cache row records them (for inspection). */
  stored: unknown;
  compute(c: ComputeContext, states: ResolvedState[], signal: AbortSignal): Promise<Body<M>> | Body<M>;
}

export interface AnalysisEntry<M extends AnalysisMethodName> {
  kind: AnalysisKind;
  /** Bump it when the kind computes something different: its older cached results are then not reused. */
  version: number;
  /** The state references the params name, in order. */
  refs(p: Params<M>): string[];
  /** Refuse mask-only states; require one architecture (same layers); require one data set. */
  needWeights: boolean;
  sameArch: boolean;
  sameData: boolean;
  /**
   * The result lists one entry per requested state (`states`, in order) computed from that state alone, the rest of
   * it the same for every state of the request: each state's entry is then cached on its own too, and a request that
   * adds or drops states computes only the states the cache lacks (analysis.ts, runPerState).
   */
  perState?: true;
  prepare(p: Params<M>): Prepared<M>;
}

/** Selectivity requests over at least this many images split their forward passes over several workers. */
const SHARD_MIN_IMAGES = 2000;
const MAX_SHARDS = 4;

/** Masks with their weights, where the state has weights. */
function withWeights(s: ResolvedState): MaskLayer[] {
  const state = s.weights();
  return state ? state.layers.map((l) => ({ name: l.name, kind: l.kind, shape: l.shape, mask: l.mask, weight: l.weight })) : s.masks();
}

const withClass = (cls: string | number | null) => (cls !== null ? { class: cls } : {});

/** Mask analyses: states of one net, masks only needed; computed here. */
const MASKS = { needWeights: false, sameArch: true, sameData: false } as const;

const overlap: AnalysisEntry<'analyzeOverlap'> = {
  kind: 'overlap',
  // 2: chance per layer and summed (1 pooled all layers into one density).
  version: 2,
  refs: (p) => [p.a, p.b],
  ...MASKS,
  prepare: (p) => ({
    key: {},
    stored: p,
    compute: (_c, [a, b]) => {
      const r = maskOverlap(withWeights(a!), withWeights(b!), a!.info.hasWeights && b!.info.hasWeights);
      return { a: a!.info, b: b!.info, layers: r.layers, overall: r.overall };
    },
  }),
};

const overlapMatrixEntry: AnalysisEntry<'analyzeOverlapMatrix'> = {
  kind: 'overlap-matrix',
  version: 2,
  refs: (p) => p.states,
  ...MASKS,
  prepare: (p) => ({
    key: {},
    stored: p,
    compute: (_c, states) => ({ states: states.map((s) => s.info), ...overlapMatrix(states.map((s) => s.masks())) }),
  }),
};

const selectivity: AnalysisEntry<'analyzeSelectivity'> = {
  kind: 'selectivity',
  // 2: a one-vs-rest state's objectiveAccuracy (balanced accuracy of "class logit > 0").
  version: 2,
  refs: (p) => p.states,
  needWeights: true,
  sameArch: false,
  sameData: true,
  // A state's entry depends on that state alone: the same K permutations and probe split serve every state.
  perState: true,
  prepare: (p) => {
    const options = {
      permutations: p.permutations ?? ANALYSIS_DEFAULTS.permutations,
      threshold: p.threshold ?? ANALYSIS_DEFAULTS.threshold,
      split: p.split ?? ANALYSIS_DEFAULTS.split,
      ...(p.limit !== undefined ? { limit: p.limit } : {}),
      probe: p.probe ?? true,
      seed: p.seed ?? ANALYSIS_DEFAULTS.seed,
    };
    const cls = p.class ?? null;
    return { key: { options, cls }, stored: p, compute: (c, states, signal) => selectivityIn(c, states, signal, options, cls, p.limit) };
  },
};

/**
 * The forward passes dominate (Conv-6 on 10,000 images: minutes on one wasm thread), so large requests split the
 * images over several workers, then compute the statistics over the joined features in one more.
 */
async function selectivityIn(
  c: ComputeContext,
  states: ResolvedState[],
  signal: AbortSignal,
  options: Extract<EngineAnalysisRequest, { kind: 'selectivity' }>['options'],
  cls: string | number | null,
  limit: number | undefined,
): Promise<Body<'analyzeSelectivity'>> {
  const base = { data: c.data(states[0]!), ...withClass(cls), options };
  const shards = (limit ?? Infinity) >= SHARD_MIN_IMAGES ? Math.min(c.shards, MAX_SHARDS) : 1;
  if (shards <= 1) return (await c.worker({ kind: 'selectivity', states: c.loaded(states), ...base }, signal)) as never;
  const loaded = c.loaded(states);
  const done = new Array<number>(shards).fill(0);
  const total = new Array<number>(shards).fill(0);
  const t0 = Date.now();
  const parts = (await Promise.all(
    Array.from({ length: shards }, (_, index) =>
      c.worker({ kind: 'selectivity-features', states: loaded, ...base, shard: { index, count: shards } }, signal, (stage, d, t) => {
        // Progress of all shards together: batches done over batches in all (the stage names one state at a time).
        done[index] = d;
        total[index] = t;
        const sd = done.reduce((a, b) => a + b, 0);
        const st = total.reduce((a, b) => a + b, 0);
        const elapsed = (Date.now() - t0) / 1000;
        return { stage: `${stage} (${shards} workers)`, done: sd, total: st, etaSeconds: sd > 0 && sd < st ? (elapsed / sd) * (st - sd) : null };
      }),
    ),
  )) as SelectivityShard[];
  if (signal.aborted) throw new CancelledError();
  const first = parts[0]!;
  if (!first.labels) throw new Error('the first selectivity shard returned no labels');
  const request: EngineAnalysisRequest = {
    kind: 'selectivity-stats',
    states: loaded.map((s) => ({ info: s.info })),
    data: base.data,
    options,
    features: joinFeatures(parts.map((r) => r.features)),
    labels: first.labels,
    cls: first.cls,
  };
  return (await c.worker(request, signal)) as never;
}

/** The forward-pass analyses of one unit or one subcircuit: states of one net on one data set, with weights. */
const FORWARD = { needWeights: true, sameArch: true, sameData: true } as const;

/** An engine request of the states with these options (and the class), answered by one worker. */
function inOneWorker<M extends 'analyzeActivations' | 'analyzeSubcircuit'>(
  kind: 'activations' | 'subcircuit',
  p: Params<M>,
  options: Extract<EngineAnalysisRequest, { kind: typeof kind }>['options'],
): Prepared<M> {
  const cls = p.class ?? null;
  return {
    key: { options, cls },
    stored: p,
    compute: async (c, states, signal) => {
      const request = { kind, states: c.loaded(states), data: c.data(states[0]!), ...withClass(cls), options } as EngineAnalysisRequest;
      return (await c.worker(request, signal)) as Body<M>;
    },
  };
}

const activations: AnalysisEntry<'analyzeActivations'> = {
  kind: 'activations',
  version: 1,
  refs: (p) => p.states,
  ...FORWARD,
  prepare: (p) => {
    const options = {
      layer: p.layer,
      unit: p.unit,
      images: p.images ?? ANALYSIS_DEFAULTS.images,
      top: p.top ?? ANALYSIS_DEFAULTS.top,
      split: p.split ?? ANALYSIS_DEFAULTS.split,
      ...(p.gradcamLayer ? { gradcamLayer: p.gradcamLayer } : {}),
    };
    return inOneWorker('activations', p, options);
  },
};

const subcircuit: AnalysisEntry<'analyzeSubcircuit'> = {
  kind: 'subcircuit',
  version: 1,
  refs: (p) => [p.state, ...(p.compare ? [p.compare] : [])],
  ...FORWARD,
  prepare: (p) => {
    const options = {
      units: p.units ?? ANALYSIS_DEFAULTS.units,
      edges: p.edges ?? ANALYSIS_DEFAULTS.edges,
      images: p.images ?? ANALYSIS_DEFAULTS.subcircuitImages,
      split: p.split ?? ANALYSIS_DEFAULTS.split,
    };
    return inOneWorker('subcircuit', p, options);
  },
};

const multigraph: AnalysisEntry<'analyzeMultigraph'> = {
  kind: 'multigraph',
  version: 1,
  refs: () => [],
  needWeights: false,
  sameArch: false,
  sameData: false,
  prepare: (p) => {
    const kMax = p.kMax ?? ANALYSIS_DEFAULTS.kMax;
    const full = { target: p.target ?? 'xor', variant: p.variant ?? 'base2', kMax, k: Math.min(p.k ?? kMax, kMax), seed: p.seed ?? ANALYSIS_DEFAULTS.seed };
    return { key: full, stored: full, compute: () => runMultigraph(full) };
  },
};

/** Every cached analysis of the contract, by method name. */
export const ANALYSES: { [M in AnalysisMethodName]: AnalysisEntry<M> } = {
  analyzeOverlap: overlap,
  analyzeOverlapMatrix: overlapMatrixEntry,
  analyzeSelectivity: selectivity,
  analyzeActivations: activations,
  analyzeSubcircuit: subcircuit,
  analyzeMultigraph: multigraph,
  ...CAUSAL_ENTRIES,
  analyzeVisualize: visualizeEntry,
  analyzeInstability: instabilityEntry,
};

/** Each kind's version (part of its cache key). */
export const ANALYSIS_VERSIONS = Object.fromEntries(Object.values(ANALYSES).map((e) => [e.kind, e.version])) as Readonly<Record<AnalysisKind, number>>;
