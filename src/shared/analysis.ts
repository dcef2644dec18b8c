// The analyses of stored network states, as they cross the contract: what each takes and what it returns. The engine
// computes them (src/main/engine/analysis), the core resolves state references and caches results in the database
// (src/main/core/analysis.ts), the CLI prints them (`ticketscope analyze ... --json`) and the explorer's views draw
// them. Everything here is plain JSON. docs/analysis.md documents each field with its exact definition.
import type { RunObjective } from './objective';
import { DETECTOR_KINDS, detectorParamSchemas, type DetectorMethods } from './detector';
import { z } from 'zod';
import type { RunKind } from './config';
import { CAUSAL_KINDS, causalParamSchemas, type CausalMethods } from './causal';
import { experimentIdSchema, runIdSchema, stateRefSchema, type Which } from './refs';


/** A stored state, as pickers list it and every result names it. */
export interface StateInfo {
  /** Canonical reference RUN:ROUND:WHICH. */
  ref: string;
  runId: string;
  round: number;
  which: Which;
  kind: RunKind;
  seed: number;
  experimentName: string;
  arch: string;
  dataset: string;
  /** Fraction of prunable weights the mask keeps. */
  density: number;
  /** False for `mask` and for snapshots imported without weights: only mask analyses apply. */
  hasWeights: boolean;
  /** Short human label, e.g. "imp s0 r3 trained (26.2%)" or "supermask dog-vs-rest s0 r0 trained (50.0%)". */
  label: string;
  /** A class-specific supermask's objective (as RunSummary.objective); null or absent: the full classification loss. */
  objective?: RunObjective | null;
}

/** Provenance of every analysis result: the cache key, whether this answer came from the cache, how long it took. */
export interface AnalysisMeta {
  kind: AnalysisKind;
  key: string;
  cached: boolean;
  /** Milliseconds the computation took when it ran (also for a cached answer: the original time). */
  computeMs: number;
  computedAt: string;
  /** The analysis code's version: a new version recomputes instead of reusing older cached results. */
  version: number;
}

export const ANALYSIS_KINDS = ['overlap', 'overlap-matrix', 'selectivity', 'activations', 'subcircuit', 'multigraph', ...CAUSAL_KINDS, ...DETECTOR_KINDS] as const;
export type AnalysisKind = (typeof ANALYSIS_KINDS)[number];

// ---------------------------------------------------------------- mask overlap

/** Overlap statistics of two masks over the same set of weights (a layer, or all prunable weights). */
export interface OverlapStats {
  /** Weights in all. */
  size: number;
  keptA: number;
  keptB: number;
  /** Kept in both, and in either. */
  both: number;
  union: number;
  /** |A ∩ B| / |A ∪ B|; null when both masks are empty. */
  jaccard: number | null;
  /** |A ∩ B| / min(|A|, |B|); null when either mask is empty. */
  overlapCoefficient: number | null;
  /**
   * Chance: two independent random masks with the same kept count in every layer. E|A∩B| = Σ_layers kA·kB / n
   * (per layer and summed: pooling layers of different densities would overstate overlap); the expected overlap
   * coefficient E|A∩B| / min(|A|, |B|) and the expected Jaccard E|A∩B| / (|A| + |B| − E|A∩B|) follow from it. For
   * one layer: n·pA·pB, max(pA, pB) and pA·pB / (pA + pB − pA·pB). docs/analysis.md has the details.
   */
  expectedBoth: number;
  expectedJaccard: number | null;
  expectedOverlapCoefficient: number | null;
  /** jaccard / expectedJaccard: 1 is chance, above 1 more shared than chance. Null when undefined. */
  jaccardRatio: number | null;
  /** Of the weights kept in both, the fraction whose signs agree (both states need weights); null otherwise. */
  signAgreement: number | null;
}

export interface LayerOverlap extends OverlapStats {
  layer: string;
  kind: 'dense' | 'conv';
  /** Output units (dense) or channels (conv) of the layer. */
  units: number;
  /** Units with at least one incoming weight kept, in A, in B, in both. */
  aliveA: number;
  aliveB: number;
  aliveBoth: number;
  /** Per unit: 0 dead in both, 1 alive only in A, 2 alive only in B, 3 alive in both. */
  unitCodes: number[];
}

export interface OverlapResult {
  a: StateInfo;
  b: StateInfo;
  layers: LayerOverlap[];
  overall: OverlapStats;
  meta: AnalysisMeta;
}

export interface OverlapMatrixResult {
  states: StateInfo[];
  /** [i][j]: overall Jaccard of states i and j (1 on the diagonal for a non-empty mask). */
  jaccard: (number | null)[][];
  /** [i][j]: the expected Jaccard for independent random masks of the same per-layer densities (OverlapStats). */
  expectedJaccard: (number | null)[][];
  /** [i][j]: jaccard / expectedJaccard. */
  jaccardRatio: (number | null)[][];
  /** Per layer, the Jaccard matrix. */
  layers: { layer: string; jaccard: (number | null)[][] }[];
  meta: AnalysisMeta;
}

/** A window of a layer's weight matrix [fan-in, units] (conv: rows in (kh, kw, in) order), coloured by two masks. */
export interface MaskPixels {
  layer: string;
  kind: 'dense' | 'conv';
  /** The whole matrix: rows = fan-in (kh·kw·in for conv), cols = output units or channels. */
  totalRows: number;
  totalCols: number;
  /** The window returned. */
  row0: number;
  col0: number;
  rows: number;
  cols: number;
  /** Base64 of rows·cols bytes, row-major: 0 pruned in both, 1 kept only in A, 2 kept only in B, 3 kept in both. */
  codes: string;
  /** What a row index means, e.g. "fan-in (kh, kw, in) = 3·3·64". */
  rowLabel: string;
}

// ---------------------------------------------------------------- class selectivity

/** A class, by index and name (CIFAR-10's "dog" is index 5). */
export interface ClassRef {
  index: number;
  name: string;
}

export interface PoolSelectivity {
  /** How a conv channel's map becomes one number per image; dense units are used directly ("none"). */
  pooling: 'mean' | 'max' | 'none';
  /** AUROC of each unit for the class against the rest (0.5 chance, 1 perfect detector, 0 perfect anti-detector). */
  auroc: number[];
  best: { unit: number; auroc: number };
  /** The best unit's AUROC in each label permutation (the null distribution of the layer's maximum). */
  nullBest: number[];
  /** (1 + #{null ≥ observed best}) / (1 + permutations): one-sided, corrected for the choice of the best unit. */
  pValue: number;
  /** Units with AUROC ≥ the threshold. */
  detectors: number;
}

export interface ProbeResult {
  /** Logistic regression on the layer's (mean-pooled, standardised) activations, fitted on one half of the images. */
  accuracy: number;
  balancedAccuracy: number;
  auroc: number;
  trainN: number;
  testN: number;
  /** Accuracy of always answering "not the class", for reference. */
  chance: number;
}

export interface LayerSelectivity {
  layer: string;
  kind: 'dense' | 'conv';
  units: number;
  pools: PoolSelectivity[];
  probe: ProbeResult | null;
}

export interface StateSelectivity {
  state: StateInfo;
  layers: LayerSelectivity[];
  /** The state's test accuracy on these images (all classes). */
  accuracy: number;
  /**
   * For a one-vs-rest state (`state.objective`): its objective's metric on these images, the balanced accuracy of
   * "class logit > 0" for the objective's class (chance 0.5). Null (or absent, in older results) otherwise.
   */
  objectiveAccuracy?: number | null;
}

export interface SelectivityResult {
  class: ClassRef;
  /** The "reliable detector" AUROC threshold every count here uses. */
  threshold: number;
  permutations: number;
  split: 'test' | 'validation';
  /** Images used, and how many of them are of the class. */
  images: number;
  positives: number;
  states: StateSelectivity[];
  meta: AnalysisMeta;
}

// ---------------------------------------------------------------- activation maps

export interface ImageRef {
  /** Index in the split. */
  index: number;
  label: number;
  /** Base64 of h·w·c bytes (0..255), un-normalised, HWC order. */
  pixels: string;
}

export interface UnitMap {
  /** Image index in the split. */
  index: number;
  /** The unit's pooled activation for the image (conv: max over the map; dense: the value). */
  activation: number;
  /** The map at the layer's resolution (mapShape), row-major; empty for dense units. */
  map: number[];
}

export interface StateActivations {
  state: StateInfo;
  /** The chosen unit on the class images, in the order of `classImages` of the result. */
  classImages: UnitMap[];
  /** The test images that activate the unit most (any class), highest first. */
  top: UnitMap[];
  /** The mean map over every class image of the split; empty for dense units. */
  meanMap: number[];
  /** Mean pooled activation over class images and over the other images. */
  meanClass: number;
  meanOther: number;
  /** Grad-CAM of the class logit at `gradcam.layer` (a conv layer), or input × gradient for nets without convs. */
  gradcam: { method: 'grad-cam' | 'input-x-gradient'; layer: string; shape: [number, number]; maps: number[][]; mean: number[] };
}

export interface ActivationsResult {
  class: ClassRef;
  layer: string;
  unit: number;
  /** [h, w] of the unit's maps; null for a dense layer. */
  mapShape: [number, number] | null;
  /** One example: [h, w, c]. */
  imageShape: [number, number, number];
  classNames: string[];
  /** Every image the result refers to, by index. */
  images: ImageRef[];
  /** Indices of the class images shown (the same for every state). */
  classImages: number[];
  states: StateActivations[];
  meta: AnalysisMeta;
}

// ---------------------------------------------------------------- subcircuit

export interface SubUnit {
  unit: number;
  /** Mean over class images of Σ (pre-activation × ∂logit/∂pre-activation) (incoming edges plus bias). */
  attribution: number;
}

export interface SubLayer {
  /** "input", then the prunable layers' names. */
  name: string;
  /** Units (input channels, or pixels for a dense first layer; channels; dense units). */
  size: number;
  /** The top units by |attribution|, largest first. */
  units: SubUnit[];
}

export interface SubEdge {
  /** Index into `layers` of the source layer; the target is `layer + 1`. */
  layer: number;
  from: number;
  to: number;
  /** Mean over class images of Σ w·∂logit/∂w over the connection's kept weights (kernel positions, or pixels). */
  attribution: number;
  /** Kept weights in the connection (9 for a full 3x3 kernel). */
  weights: number;
}

export interface Subcircuit {
  state: StateInfo;
  /** Mean class logit over the class images. */
  logit: number;
  layers: SubLayer[];
  /** Edges between selected units of consecutive layers, largest |attribution| first, at most the edge budget. */
  edges: SubEdge[];
}

export interface SubcircuitShare {
  units: number;
  /** Shared units expected if each state's selected units were drawn at random from its layers. */
  expectedUnits: number;
  unitJaccard: number | null;
  edges: number;
  expectedEdges: number;
  edgeJaccard: number | null;
}

export interface SubcircuitResult {
  class: ClassRef;
  images: number;
  unitsPerLayer: number;
  edgeBudget: number;
  circuits: Subcircuit[];
  /** With two states: what their subcircuits share. */
  shared: SubcircuitShare | null;
  meta: AnalysisMeta;
}

// ---------------------------------------------------------------- multigraph intuition pump

export const MULTIGRAPH_TARGETS = ['xor', 'random'] as const;
export const MULTIGRAPH_VARIANTS = ['base2', 'random'] as const;

export interface MultigraphLayer {
  in: number;
  out: number;
  /** Target weights [in][out]. */
  target: number[][];
  /** With K parallel edges per pair: candidate weights [in][out][K], the mask found [in][out][K] (0/1), and the sum. */
  candidates: number[][][];
  mask: number[][][];
  approx: number[][];
}

export interface MultigraphPoint {
  k: number;
  /** Largest and mean |approx − target| over all weights. */
  maxWeightError: number;
  meanWeightError: number;
  /** RMS of (network − target network) outputs over the evaluation inputs: masked, and with every edge kept. */
  outputRmse: number;
  unmaskedRmse: number;
}

export interface MultigraphResult {
  target: (typeof MULTIGRAPH_TARGETS)[number];
  variant: (typeof MULTIGRAPH_VARIANTS)[number];
  description: string;
  /** Error against K = 1 … kMax. */
  curve: MultigraphPoint[];
  /** The network at K = `shown`: its layers, and its outputs on the evaluation inputs. */
  shown: number;
  layers: MultigraphLayer[];
  /** Evaluation inputs with the target's, the masked network's and the unmasked network's outputs (first 16). */
  samples: { input: number[]; target: number[]; masked: number[]; unmasked: number[] }[];
  meta: AnalysisMeta;
}

// ---------------------------------------------------------------- params

const stateRef = stateRefSchema;
/** A class by index (0..999) or by name ("dog"). */
const classArg = z.union([z.number().int().min(0).max(999), z.string().min(1).max(64).regex(/^[\w -]+$/, 'expected a class name')]);
const layerName = z.string().regex(/^[a-z]+\d{1,2}$/, 'expected a layer name such as conv2 or fc1');

/** The cached analyses of the contract: each method's params and result (src/main/core/analysis-kinds.ts). */
export interface AnalysisMethods extends CausalMethods, DetectorMethods {
  /** Mask overlap of two states, per layer and overall, against the chance value. Cached. */
  analyzeOverlap: { params: OverlapParams; result: OverlapResult };
  /** Overall and per-layer Jaccard between every pair of 2–64 states (rounds of a run, seeds, PaI vs trained). */
  analyzeOverlapMatrix: { params: OverlapMatrixParams; result: OverlapMatrixResult };
  /** Class selectivity (AUROC) of every unit, with the permutation null and a linear probe per layer. Cached. */
  analyzeSelectivity: { params: SelectivityParams; result: SelectivityResult };
  /** One unit's activation maps on class images, its top-activating images and Grad-CAM, per state. Cached. */
  analyzeActivations: { params: ActivationsParams; result: ActivationsResult };
  /** The class subcircuit of a state (and what it shares with a second one). Cached. */
  analyzeSubcircuit: { params: SubcircuitParams; result: SubcircuitResult };
  /** The multigraph intuition pump: subset-sum masks over K parallel edges against a target network. Cached. */
  analyzeMultigraph: { params: MultigraphParams; result: MultigraphResult };
}
export type AnalysisMethodName = keyof AnalysisMethods;
const analysisMethods: Record<AnalysisMethodName, true> = {
  analyzeOverlap: true,
  analyzeOverlapMatrix: true,
  analyzeSelectivity: true,
  analyzeActivations: true,
  analyzeSubcircuit: true,
  analyzeMultigraph: true,
  analyzeAblate: true,
  analyzeAblationScan: true,
  analyzeFaithfulness: true,
  analyzeCircuit: true,
  analyzeVisualize: true,
  analyzeInstability: true,
};
export const ANALYSIS_METHOD_NAMES = Object.keys(analysisMethods) as AnalysisMethodName[];

export const analysisParamSchemas = {
  ...detectorParamSchemas,
  listStates: z
    .object({
      runId: runIdSchema.optional(),
      experimentId: experimentIdSchema.optional(),
    })
    .strict(),
  analyzeOverlap: z.object({ a: stateRef, b: stateRef }).strict(),
  analyzeOverlapMatrix: z.object({ states: z.array(stateRef).min(2).max(64) }).strict(),
  maskPixels: z
    .object({
      a: stateRef,
      b: stateRef,
      layer: layerName,
      row0: z.number().int().min(0).max(10_000_000).optional(),
      col0: z.number().int().min(0).max(100_000).optional(),
      rows: z.number().int().min(1).max(1024).optional(),
      cols: z.number().int().min(1).max(1024).optional(),
    })
    .strict(),
  analyzeSelectivity: z
    .object({
      states: z.array(stateRef).min(1).max(6),
      class: classArg.optional(),
      permutations: z.number().int().min(0).max(1000).optional(),
      threshold: z.number().min(0.5).max(1).optional(),
      split: z.enum(['test', 'validation']).optional(),
      /** Use the first N images of the split (all by default). */
      limit: z.number().int().min(10).max(1_000_000).optional(),
      probe: z.boolean().optional(),
      seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    })
    .strict(),
  analyzeActivations: z
    .object({
      states: z.array(stateRef).min(1).max(6),
      layer: layerName,
      unit: z.number().int().min(0).max(100_000),
      class: classArg.optional(),
      /** Class images in the grid (default 16) and top-activating images (default 16). */
      images: z.number().int().min(1).max(64).optional(),
      top: z.number().int().min(1).max(64).optional(),
      split: z.enum(['test', 'validation']).optional(),
      /** The conv layer Grad-CAM reads (default: the last conv layer). */
      gradcamLayer: layerName.optional(),
    })
    .strict(),
  analyzeSubcircuit: z
    .object({
      state: stateRef,
      compare: stateRef.optional(),
      class: classArg.optional(),
      /** Top units kept per layer (default 12) and edges kept in all (default 2000). */
      units: z.number().int().min(1).max(512).optional(),
      edges: z.number().int().min(1).max(50_000).optional(),
      /** Class images the attribution averages over (default 256). */
      images: z.number().int().min(1).max(10_000).optional(),
      split: z.enum(['test', 'validation']).optional(),
    })
    .strict(),
  analyzeMultigraph: z
    .object({
      target: z.enum(MULTIGRAPH_TARGETS).optional(),
      variant: z.enum(MULTIGRAPH_VARIANTS).optional(),
      /** Largest K (parallel edges per pair), default 12; the curve runs K = 1 … kMax. */
      kMax: z.number().int().min(1).max(20).optional(),
      /** The K whose network is returned (default kMax). */
      k: z.number().int().min(1).max(20).optional(),
      seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    })
    .strict(),
  ...causalParamSchemas,
} as const;

type P<K extends keyof typeof analysisParamSchemas> = z.infer<(typeof analysisParamSchemas)[K]>;
export type ListStatesParams = P<'listStates'>;
export type OverlapParams = P<'analyzeOverlap'>;
export type OverlapMatrixParams = P<'analyzeOverlapMatrix'>;
export type MaskPixelsParams = P<'maskPixels'>;
export type SelectivityParams = P<'analyzeSelectivity'>;
export type ActivationsParams = P<'analyzeActivations'>;
export type SubcircuitParams = P<'analyzeSubcircuit'>;
export type MultigraphParams = P<'analyzeMultigraph'>;

/** Defaults the core fills in before computing (and before hashing the cache key). */
export const ANALYSIS_DEFAULTS = {
  classIndex: 5,
  permutations: 20,
  threshold: 0.9,
  split: 'test' as const,
  images: 16,
  top: 16,
  units: 12,
  edges: 2000,
  subcircuitImages: 256,
  kMax: 12,
  seed: 0,
};

/** An analysis in progress (for progress bars): pushed by the core while a computation runs. */
export interface AnalysisProgress {
  key: string;
  kind: AnalysisKind;
  /** In serve mode: the id of the call this progress answers (progress goes only to the clients that asked). */
  requestId?: string | number;
  /** What it is doing, e.g. "forward pass: trained" or "permutations". */
  stage: string;
  done: number;
  total: number;
  etaSeconds: number | null;
}
