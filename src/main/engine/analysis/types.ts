// What the engine's analyses take: states already loaded from the store (the core resolves references), the data
// set to read, and fully resolved parameters (defaults filled in). Results are the contract's types without `meta`,
// which the core adds with the cache.
import type { ExperimentConfig } from '../../../shared/config';
import type {
  ActivationsResult,
  ClassRef,
  SelectivityResult,
  StateInfo,
  SubcircuitResult,
} from '../../../shared/analysis';
import type { NetState } from '../../../shared/tensors';
import type { Dataset } from '../data/index';
import type { CausalBody, CausalRequest } from './causal';
import type { DetectorRequest, DetectorResult } from './detector';

export interface LoadedState {
  info: StateInfo;
  /** Weights, biases and masks (the weights under the mask are what the analysis sees). */
  state: NetState;
}

/** Where the images come from: the data set of the states' runs (all states of one request share it). */
export interface DataRef {
  config: Pick<ExperimentConfig, 'dataset' | 'validation' | 'synthetic'>;
  dataDir?: string;
}

export interface SelectivityOptions {
  permutations: number;
  threshold: number;
  split: 'test' | 'validation';
  /** Use only the first `limit` images of the split. */
  limit?: number;
  probe: boolean;
  /** Seeds the label permutations and the probe's train/test split. */
  seed: number;
}

export interface ActivationsOptions {
  layer: string;
  unit: number;
  images: number;
  top: number;
  split: 'test' | 'validation';
  gradcamLayer?: string;
}

export interface SubcircuitOptions {
  units: number;
  edges: number;
  images: number;
  split: 'test' | 'validation';
}

/** One state's forward-pass features for selectivity: per layer and pooling, [images × units] values. */
export interface StateFeaturesWire {
  layers: { name: string; kind: 'dense' | 'conv'; units: number; pools: { pooling: 'mean' | 'max' | 'none'; values: Float32Array }[] }[];
  correct: number;
}

export type EngineAnalysisRequest =
  | { kind: 'selectivity'; states: LoadedState[]; data: DataRef; class?: number | string; options: SelectivityOptions }
  /** Selectivity in shards: the forward passes over shard `index` of `count` equal parts of the images (one worker each)… */
  | { kind: 'selectivity-features'; states: LoadedState[]; data: DataRef; class?: number | string; options: SelectivityOptions; shard: { index: number; count: number } }
  /**
   * …then the statistics over the joined features (states without their weights), with the images' labels and the
   * class the first shard resolved: this step reads no data set.
   */
  | {
      kind: 'selectivity-stats';
      states: { info: StateInfo }[];
      data: DataRef;
      options: SelectivityOptions;
      features: StateFeaturesWire[];
      labels: Uint8Array;
      cls: ClassRef;
    }
  | { kind: 'activations'; states: LoadedState[]; data: DataRef; class?: number | string; options: ActivationsOptions }
  | { kind: 'subcircuit'; states: LoadedState[]; data: DataRef; class?: number | string; options: SubcircuitOptions }
  /** The causal analyses of one state (causal.ts, runCausal). */
  | { kind: 'causal'; states: [LoadedState]; data: DataRef; class?: number | string; options: CausalRequest }
  | (DetectorRequest & { data: DataRef });

/** A shard's forward passes; the first shard also returns the labels of all the request's images and the class. */
export interface SelectivityShard {
  features: StateFeaturesWire[];
  labels: Uint8Array | null;
  cls: ClassRef;
}

export type EngineAnalysisResult =
  | Omit<SelectivityResult, 'meta'>
  | SelectivityShard
  | Omit<ActivationsResult, 'meta'>
  | Omit<SubcircuitResult, 'meta'>
  | CausalBody
  | DetectorResult;

/** Progress of a long analysis: a stage name and how far it is. */
export type AnalysisProgressFn = (stage: string, done: number, total: number) => void;

/** What every analysis gets: the loaded data set, the class of interest, progress reporting. */
export interface AnalysisContext {
  data: Dataset;
  cls: ClassRef;
  progress: AnalysisProgressFn;
}
