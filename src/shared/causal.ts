// The causal analyses as they cross the contract (issue #12): ablation of units and edges, the per-layer unit scan,
// faithfulness/completeness curves and pinned circuits. The engine computes them (src/main/engine/analysis/
// {intervene,ablate,faithfulness,causal}.ts), the core caches them (core/causal-kinds.ts), the CLI prints them
// (`ticketscope analyze ablate|faithfulness`), the views draw them. docs/analysis.md ("Causal analyses") defines every
// field. Plain JSON; imports no runtime but zod.
import { z } from 'zod';
import type { AnalysisMeta, ClassRef, StateInfo } from './analysis';
import { stateRefSchema } from './refs';

export const ABLATION_KINDS = ['zero', 'mean', 'resample'] as const;
export type AblationKind = (typeof ABLATION_KINDS)[number];
export const CONV_MEANS = ['position', 'channel'] as const;
export type ConvMean = (typeof CONV_MEANS)[number];
export const FAITH_METRICS = ['logit', 'logit-diff'] as const;
export type FaithMetric = (typeof FAITH_METRICS)[number];

export interface LogitEffects {
  /** Mean over the class's evaluation images of its logit before minus after (positive: the ablation lowered it). */
  targetLogitDrop: number;
  /** Mean over the other images of their own label's logit before minus after; null when every image is of the class. */
  otherLogitDrop: number | null;
  /** Mean class logit over the class's evaluation images, before and after (so a drop can be read as a fraction). */
  targetLogit: { before: number; after: number };
  targetAccuracy: { before: number; after: number };
  accuracy: { before: number; after: number };
}

export interface AblationBody extends LogitEffects {
  class: ClassRef;
  ablation: AblationKind;
  convMean: ConvMean;
  /** The layer of `units` (null when the target ablates edges only). */
  layer: string | null;
  units: number[];
  /** Surviving weights whose edge was ablated. */
  edges: number;
  images: { class: number; other: number; reference: number };
}

export interface UnitEffect {
  unit: number;
  targetLogitDrop: number;
  otherLogitDrop: number | null;
  /** After ablating this unit alone (before: LayerScanBody.before). */
  targetAccuracy: number;
  accuracy: number;
}

export interface LayerScanBody {
  class: ClassRef;
  ablation: AblationKind;
  convMean: ConvMean;
  layer: string;
  images: AblationBody['images'];
  before: { targetAccuracy: number; accuracy: number };
  /** Every unit of the layer, ablated alone, in unit order. */
  units: UnitEffect[];
}

export interface FaithfulnessPoint {
  /** Surviving weights in the circuit. */
  edges: number;
  fraction: number;
  faithfulness: number | null;
  completeness: number | null;
  /** m(C) and m(M ∖ C). */
  circuit: number;
  complement: number;
}

export interface FaithfulnessBody {
  class: ClassRef;
  ablation: AblationKind;
  convMean: ConvMean;
  metric: FaithMetric;
  images: { evaluation: number; attribution: number; reference: number };
  /** Surviving weights of the state. */
  edges: number;
  /** m(M) and m(∅). */
  full: number;
  empty: number;
  points: FaithfulnessPoint[];
  /**
   * With a budget: the circuit of its first `budget` ranked weights (single weights), to score or pin again
   * (`analyze faithfulness --budget N --circuit-out FILE`); null without a budget or above 50,000 weights.
   * Absent from results cached before it existed.
   */
  budgetCircuit?: CircuitSpec | null;
}

/** A circuit pinned by hand (docs/formats.md, "Pinned circuits", for its file). */
export interface CircuitSpec {
  units?: { layer: string; units: number[] }[];
  /** By the weight layer's name, with SubEdge's source and target units: all of the connection's weights. */
  connections?: { layer: string; from: number; to: number }[];
  weights?: { layer: string; index: number }[];
}

export interface CircuitScoreBody {
  class: ClassRef;
  ablation: AblationKind;
  convMean: ConvMean;
  metric: FaithMetric;
  faithfulness: number | null;
  completeness: number | null;
  /** m(C), m(M ∖ C), m(M), m(∅). */
  circuit: number;
  complement: number;
  full: number;
  empty: number;
  /** Units in the circuit, and its surviving weights (null when it names no edges: every edge is kept). */
  units: number;
  edges: number | null;
}

/** What each causal result carries besides the engine's body: the state and the cache's provenance. */
type Stated<T> = T & { state: StateInfo; meta: AnalysisMeta };
export type AblationResult = Stated<AblationBody>;
export type LayerScanResult = Stated<LayerScanBody>;
/** `budget`: the point at the requested budget (also in `points`), null when none was asked for. */
export type FaithfulnessResult = Stated<FaithfulnessBody & { budget: FaithfulnessPoint | null }>;
export type CircuitScoreResult = Stated<CircuitScoreBody>;

/** Defaults the core fills in (part of the cache key once filled). */
export const CAUSAL_DEFAULTS = {
  ablation: 'mean' as AblationKind,
  convMean: 'position' as ConvMean,
  /** Training images the mean and resample values come from. */
  reference: 500,
  /** The first N test images (all classes) the effects are measured on. */
  evaluation: 2000,
  metric: 'logit' as FaithMetric,
  points: 12,
  /** Class training images the faithfulness edge ranking averages over. */
  attribution: 256,
  seed: 0,
};

const classArg = z.union([z.number().int().min(0).max(999), z.string().min(1).max(64).regex(/^[\w -]+$/, 'expected a class name')]);
const unitLayer = z.string().regex(/^(input|[a-z]+\d{1,2})$/, 'expected a layer name such as input, conv2 or fc1');
const weightLayer = z.string().regex(/^[a-z]+\d{1,2}$/, 'expected a layer name such as conv2 or fc1');
const unitIndex = z.number().int().min(0).max(1_000_000);
const common = {
  state: stateRefSchema,
  class: classArg.optional(),
  ablation: z.enum(ABLATION_KINDS).optional(),
  convMean: z.enum(CONV_MEANS).optional(),
  reference: z.number().int().min(1).max(60_000).optional(),
  evaluation: z.number().int().min(10).max(1_000_000).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
};

export const circuitSpecSchema = z
  .object({
    units: z.array(z.object({ layer: unitLayer, units: z.array(unitIndex).min(1).max(100_000) }).strict()).max(64).optional(),
    connections: z.array(z.object({ layer: weightLayer, from: unitIndex, to: unitIndex }).strict()).max(50_000).optional(),
    weights: z.array(z.object({ layer: weightLayer, index: z.number().int().min(0).max(1e9) }).strict()).max(50_000).optional(),
  })
  .strict();

export const causalParamSchemas = {
  analyzeAblate: z
    .object({
      ...common,
      /** Units of one layer ("input" or a hidden layer): a list, or "all" (every unit of the layer). */
      layer: unitLayer.optional(),
      units: z.union([z.array(unitIndex).min(1).max(100_000), z.literal('all')]).optional(),
      connections: circuitSpecSchema.shape.connections,
      weights: circuitSpecSchema.shape.weights,
    })
    .strict()
    .refine((p) => (p.units === undefined) === (p.layer === undefined), { message: 'units and layer go together', path: ['units'] })
    .refine((p) => p.units !== undefined || (p.connections?.length ?? 0) + (p.weights?.length ?? 0) > 0, { message: 'name units (with their layer), connections or weights to ablate', path: ['units'] }),
  analyzeAblationScan: z.object({ ...common, layer: weightLayer }).strict(),
  analyzeFaithfulness: z
    .object({
      ...common,
      metric: z.enum(FAITH_METRICS).optional(),
      points: z.number().int().min(2).max(64).optional(),
      attribution: z.number().int().min(1).max(10_000).optional(),
      /** A circuit size (surviving weights) to include as a point and report as `budget`, e.g. the view's edge budget. */
      budget: z.number().int().min(0).max(1e9).optional(),
    })
    .strict(),
  analyzeCircuit: z.object({ ...common, metric: z.enum(FAITH_METRICS).optional(), circuit: circuitSpecSchema }).strict(),
} as const;

export type AblateParams = z.infer<(typeof causalParamSchemas)['analyzeAblate']>;
export type AblationScanParams = z.infer<(typeof causalParamSchemas)['analyzeAblationScan']>;
export type FaithfulnessParams = z.infer<(typeof causalParamSchemas)['analyzeFaithfulness']>;
export type CircuitParams = z.infer<(typeof causalParamSchemas)['analyzeCircuit']>;

export interface CausalMethods {
  /** Ablate units of a layer and/or edges of one state: the class logit, the others', the accuracies. Cached. */
  analyzeAblate: { params: AblateParams; result: AblationResult };
  /** Every unit of a hidden layer ablated alone (the AUROC-against-ablation scatter). Cached. */
  analyzeAblationScan: { params: AblationScanParams; result: LayerScanResult };
  /** The faithfulness/completeness curve of a state's class subcircuit over circuit size. Cached. */
  analyzeFaithfulness: { params: FaithfulnessParams; result: FaithfulnessResult };
  /** Faithfulness and completeness of a pinned circuit. Cached. */
  analyzeCircuit: { params: CircuitParams; result: CircuitScoreResult };
}

export const CAUSAL_KINDS = ['ablate', 'ablation-scan', 'faithfulness', 'circuit-score'] as const;
