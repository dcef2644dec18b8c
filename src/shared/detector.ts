// The contract's analyses of issue #13 ("looking for the detector in the random weights"): feature visualisation of
// one unit (Olah et al. 2017) and instability analysis of an IMP round (Frankle et al. 2020). Params and results;
// analysis.ts lists them with the other cached analyses, core/analysis-detector.ts computes them.
import { z } from 'zod';
import type { AnalysisMeta, StateInfo } from './analysis';
import { runIdSchema, stateRefSchema } from './refs';

export interface VisualizeAnalysisResult {
  state: StateInfo;
  layer: string;
  unit: number;
  steps: number;
  seed: number;
  /** What is maximised: "pre-activation, mean over positions" (conv), "pre-activation" (dense) or "logit". */
  objective: string;
  /** The objective at each step, on that step's randomly transformed image. */
  trace: { step: number; objective: number }[];
  /** On the final, untransformed image: the objective and the unit's output after its ReLU (max and mean over positions). */
  final: { objective: number; activationMax: number; activationMean: number };
  /** The image: [h, w, c] and base64 of h · w · 4 RGBA bytes (gray images repeated in R, G and B). */
  image: { shape: [number, number, number]; rgba: string };
  meta: AnalysisMeta;
}

export interface InstabilityAnalysisResult {
  /** Where both copies start: the round's `init` state (its rewind point under its mask). */
  state: StateInfo;
  round: number;
  /** Steps each copy trained, and the copies' data-order seeds. */
  iterations: number;
  seeds: [number, number];
  /** Error barrier height: max_α E(α) − (E(0) + E(1)) / 2 (Frankle et al. 2020; "stable" below 0.02). */
  barrier: number;
  /** Rise above the chord between the endpoints: max_α E(α) − (α·E(1) + (1 − α)·E(0)). */
  linearBarrier: number;
  lossBarrier: number;
  linearLossBarrier: number;
  /** Test error and mean test loss at W(α) = α·W1 + (1 − α)·W2. */
  points: { alpha: number; testError: number; testLoss: number }[];
  copies: { seed: number; testError: number; earlyStopTestAccuracy: number; earlyStopIteration: number }[];
  meta: AnalysisMeta;
}

const layerName = z.string().regex(/^[a-z]+\d{1,2}$/, 'expected a layer name such as conv2 or fc1');
const seed = z.number().int().min(0).max(2 ** 31 - 1);

export const detectorParamSchemas = {
  analyzeVisualize: z
    .object({
      state: stateRefSchema,
      layer: layerName,
      unit: z.number().int().min(0).max(100_000),
      /** Optimisation steps (default 256; lucid's default is 512). */
      steps: z.number().int().min(1).max(4096).optional(),
      seed: seed.optional(),
    })
    .strict(),
  analyzeInstability: z
    .object({
      run: runIdSchema,
      round: z.number().int().min(0).max(1000),
      /** Points on the line, α = 0 … 1 (default 11). */
      points: z.number().int().min(2).max(101).optional(),
      /** Steps each copy trains (default: the experiment's, less its rewind iteration). */
      iterations: z.number().int().min(1).max(10_000_000).optional(),
      seed: seed.optional(),
    })
    .strict(),
} as const;

export type VisualizeParams = z.infer<(typeof detectorParamSchemas)['analyzeVisualize']>;
export type InstabilityParams = z.infer<(typeof detectorParamSchemas)['analyzeInstability']>;

export interface DetectorMethods {
  /** Feature visualisation of one unit of a state (an image that maximises it, and the objective per step). Cached. */
  analyzeVisualize: { params: VisualizeParams; result: VisualizeAnalysisResult };
  /** Instability of an IMP round: two copies trained from its rewind point, the test error along the line between them. Cached. */
  analyzeInstability: { params: InstabilityParams; result: InstabilityAnalysisResult };
}

export const DETECTOR_KINDS = ['visualize', 'instability'] as const;
export const DETECTOR_DEFAULTS = { steps: 256, points: 11, seed: 0 };
