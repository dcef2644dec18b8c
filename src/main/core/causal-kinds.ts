// The causal analyses' registry entries (issue #12): ablation, the per-layer unit scan, faithfulness curves and pinned
// circuits, each of one state with weights, computed in an engine worker (engine/analysis/causal.ts) and cached like
// every entry of analysis-kinds.ts. Defaults are settled here (CAUSAL_DEFAULTS), so they are part of the cache key.
import type { AnalysisMethods } from '../../shared/analysis';
import { CAUSAL_DEFAULTS, type AblateParams, type CausalMethods } from '../../shared/causal';
import { ValidationError } from '../../shared/errors';
import type { CausalOptions, CausalRequest } from '../engine/analysis/causal';
import { ablationSet, circuitMembers, geometryOf, hiddenLayerIndex, type NetGeometry } from '../engine/analysis/geometry';
import type { AnalysisEntry, ComputeContext } from './analysis-kinds';
import type { ResolvedState } from './states';

type Common = Pick<AblateParams, 'ablation' | 'convMean' | 'reference' | 'evaluation' | 'seed' | 'class'>;

function causalOptions(p: Common): CausalOptions {
  return {
    ablation: p.ablation ?? CAUSAL_DEFAULTS.ablation,
    convMean: p.convMean ?? CAUSAL_DEFAULTS.convMean,
    reference: p.reference ?? CAUSAL_DEFAULTS.reference,
    evaluation: p.evaluation ?? CAUSAL_DEFAULTS.evaluation,
    seed: p.seed ?? CAUSAL_DEFAULTS.seed,
  };
}

/** Runs `options` on the state in one worker; the result gains the state's description. */
async function inWorker(c: ComputeContext, s: ResolvedState, cls: string | number | undefined, options: CausalRequest, signal: AbortSignal): Promise<object> {
  const [loaded] = c.loaded([s]);
  const body = (await c.worker({ kind: 'causal', states: [loaded!], data: c.data(s), ...(cls !== undefined ? { class: cls } : {}), options }, signal)) as object;
  return { state: s.info, ...body };
}

/**
 * The state's layers as the interventions address them, from its stored shapes: a target out of range is refused
 * here, at once, with the worker's own message, instead of after a worker has loaded the net and its data.
 */
const geometry = (s: ResolvedState): NetGeometry => geometryOf(s.info.arch, s.masks());

/** Every unit of a hidden layer, for `units: "all"`. */
function allUnits(g: NetGeometry, layer: string): number[] {
  const k = g.layers.findIndex((l) => l.name === layer);
  if (k < 0 || k === g.layers.length - 1) {
    throw new ValidationError(`units "all" needs a hidden layer of ${g.arch} (${g.layers.slice(0, -1).map((l) => l.name).join(', ')}), not ${layer}`);
  }
  return Array.from({ length: g.layers[k]!.outSize }, (_, u) => u);
}

const ONE_STATE = { needWeights: true, sameArch: false, sameData: false } as const;
type Entry<M extends keyof CausalMethods> = AnalysisEntry<M & keyof AnalysisMethods>;

const ablate: Entry<'analyzeAblate'> = {
  kind: 'ablate',
  version: 1,
  refs: (p) => [p.state],
  ...ONE_STATE,
  prepare: (p) => {
    const causal = causalOptions(p);
    const key = { causal, cls: p.class ?? null, layer: p.layer ?? null, units: p.units ?? null, connections: p.connections ?? [], weights: p.weights ?? [] };
    return {
      key,
      stored: p,
      compute: (c, [s], signal) => {
        const g = geometry(s!);
        const units = p.units === 'all' ? allUnits(g, p.layer!) : p.units;
        const target = { ...(p.layer !== undefined ? { layer: p.layer, units: units! } : {}), connections: p.connections ?? [], weights: p.weights ?? [] };
        ablationSet(g, target);
        return inWorker(c, s!, p.class, { op: 'ablate', causal, target }, signal) as never;
      },
    };
  },
};

const scan: Entry<'analyzeAblationScan'> = {
  kind: 'ablation-scan',
  version: 1,
  refs: (p) => [p.state],
  ...ONE_STATE,
  prepare: (p) => {
    const causal = causalOptions(p);
    return {
      key: { causal, cls: p.class ?? null, layer: p.layer },
      stored: p,
      compute: (c, [s], signal) => {
        hiddenLayerIndex(geometry(s!), p.layer);
        return inWorker(c, s!, p.class, { op: 'scan', causal, layer: p.layer }, signal) as never;
      },
    };
  },
};

const faithfulness: Entry<'analyzeFaithfulness'> = {
  kind: 'faithfulness',
  version: 1,
  refs: (p) => [p.state],
  ...ONE_STATE,
  prepare: (p) => {
    const causal = causalOptions(p);
    const o = {
      metric: p.metric ?? CAUSAL_DEFAULTS.metric,
      points: p.points ?? CAUSAL_DEFAULTS.points,
      attribution: p.attribution ?? CAUSAL_DEFAULTS.attribution,
      ...(p.budget !== undefined ? { budget: p.budget } : {}),
    };
    return {
      key: { causal, cls: p.class ?? null, ...o },
      stored: p,
      compute: async (c, [s], signal) => {
        const r = (await inWorker(c, s!, p.class, { op: 'faithfulness', causal, ...o }, signal)) as AnalysisMethods['analyzeFaithfulness']['result'];
        const budget = p.budget === undefined ? null : (r.points.find((x) => x.edges === Math.min(p.budget!, r.edges)) ?? null);
        return { ...r, budget };
      },
    };
  },
};

const circuit: Entry<'analyzeCircuit'> = {
  kind: 'circuit-score',
  version: 1,
  refs: (p) => [p.state],
  ...ONE_STATE,
  prepare: (p) => {
    const causal = causalOptions(p);
    const metric = p.metric ?? CAUSAL_DEFAULTS.metric;
    return {
      key: { causal, cls: p.class ?? null, metric, circuit: p.circuit },
      stored: p,
      compute: (c, [s], signal) => {
        circuitMembers(geometry(s!), p.circuit);
        return inWorker(c, s!, p.class, { op: 'circuit', causal, metric, circuit: p.circuit }, signal) as never;
      },
    };
  },
};

export const CAUSAL_ENTRIES = { analyzeAblate: ablate, analyzeAblationScan: scan, analyzeFaithfulness: faithfulness, analyzeCircuit: circuit };
