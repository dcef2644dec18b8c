// Data sets as the trainer sees them: normalised train / validation / test splits in memory.
import type { ExperimentConfig } from '../../../shared/config';
import { streamRng } from '../rng';
import { resolveDataDir } from './folder';
import { prepareRealDataset, readRealDataset } from './real';
import type { Normalisation } from './real';
import { isRealDataset } from './registry';
import type { RealDatasetName } from './registry';
import type { RawSplit } from './synthetic';
import { NUM_CLASSES, PIXELS, SYNTHETIC_MNIST_SEED, generateSyntheticMnist } from './synthetic';
import { CIFAR_FEATURES, SYNTHETIC_CIFAR_CLASS_NAMES, SYNTHETIC_CIFAR_DEFAULT_SIZES, SYNTHETIC_CIFAR_SEED, generateSyntheticCifar } from './synthetic';

export interface DataSplit {
  /** n * features values, row-major, already normalised. */
  x: Float32Array;
  y: Uint8Array;
  n: number;
}

export interface Dataset {
  name: string;
  /** Shape of one example, NHWC without N. */
  inputShape: [number, number, number];
  features: number;
  numClasses: number;
  train: DataSplit;
  validation: DataSplit;
  test: DataSplit;
  /**
   * Computed on the training split (after the hold-out) and applied to every split: one mean and std, or one per
   * channel in `perChannel` (CIFAR-10; the scalars are then the pooled values, for reference).
   */
  normalisation: Normalisation;
  /** Class names, index = label (real data sets). */
  classNames?: readonly string[];
}

export type { Normalisation } from './real';

export interface LoadOptions {
  /** The data folder real data sets are read from (default: TICKETSCOPE_DATA_DIR). */
  dataDir?: string;
}

export const DEFAULT_SYNTHETIC_SIZES = { train: 12000, test: 2000 } as const;

function take(src: RawSplit, idx: Uint32Array, features: number): RawSplit {
  const x = new Float32Array(idx.length * features);
  const y = new Uint8Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    x.set(src.x.subarray(j * features, (j + 1) * features), i * features);
    y[i] = src.y[j]!;
  }
  return { x, y, n: idx.length };
}

/** Mean and (population) standard deviation of all values, accumulated in float64. */
export function meanStd(x: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / Math.max(1, x.length);
  let sq = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - mean;
    sq += d * d;
  }
  const std = Math.sqrt(sq / Math.max(1, x.length));
  return { mean, std: std > 0 ? std : 1 };
}

function normalise(s: RawSplit, mean: number, std: number): DataSplit {
  const inv = 1 / std;
  const x = s.x;
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) * inv;
  return { x, y: s.y, n: s.n };
}

/**
 * Split a training pool into train and validation with a fixed seeded permutation (the same hold-out for every run
 * seed), compute normalisation on the train part and apply it to all three splits. Consumes (overwrites) copies only.
 */
export function splitAndNormalise(
  name: string,
  pool: RawSplit,
  test: RawSplit,
  validation: number,
  features: number,
  inputShape: [number, number, number],
  numClasses: number,
  holdoutSeed: number,
): Dataset {
  if (validation < 0 || validation >= pool.n) {
    throw new Error(`validation (${validation}) must be at least 0 and smaller than the training set (${pool.n})`);
  }
  const perm = streamRng(holdoutSeed, `${name}/holdout`).permutation(pool.n);
  const valRaw = take(pool, perm.subarray(0, validation), features);
  const trainRaw = take(pool, perm.subarray(validation), features);
  const testRaw: RawSplit = { x: new Float32Array(test.x), y: new Uint8Array(test.y), n: test.n };
  const { mean, std } = meanStd(trainRaw.x);
  return {
    name,
    inputShape,
    features,
    numClasses,
    train: normalise(trainRaw, mean, std),
    validation: normalise(valRaw, mean, std),
    test: normalise(testRaw, mean, std),
    normalisation: { mean, std },
  };
}

let cache: { key: string; data: Dataset } | null = null;

/** A real data set from the data folder (see real.ts): bytes cached per process, the split built per validation size. */
function loadRealDataset(name: RealDatasetName, validation: number, dataDir: string | undefined): Dataset {
  const dir = resolveDataDir(dataDir);
  const raw = readRealDataset(name, dir);
  const key = JSON.stringify(['real', name, dir, raw.manifest.importedAt, validation]);
  if (cache?.key === key) return cache.data;
  cache = null;
  const p = prepareRealDataset(raw, validation);
  const data: Dataset = {
    name,
    inputShape: p.shape,
    features: p.shape[0] * p.shape[1] * p.shape[2],
    numClasses: p.classes.length,
    train: p.train,
    validation: p.validation,
    test: p.test,
    normalisation: p.normalisation,
    classNames: p.classes,
  };
  cache = { key, data };
  return data;
}

/**
 * Build (or reuse the last built) data set for a config: generated sets from their fixed seed, real sets
 * (mnist, fashion-mnist, cifar10) from the data folder (`opts.dataDir`, else TICKETSCOPE_DATA_DIR).
 */
export function loadDataset(config: Pick<ExperimentConfig, 'dataset' | 'validation' | 'synthetic'>, opts: LoadOptions = {}): Dataset {
  if (isRealDataset(config.dataset)) return loadRealDataset(config.dataset, config.validation, opts.dataDir);
  const sizes = config.synthetic ?? DEFAULT_SYNTHETIC_SIZES;
  const key = JSON.stringify([config.dataset, sizes.train, sizes.test, config.validation]);
  if (cache?.key === key) return cache.data;
  let data: Dataset;
  switch (config.dataset) {
    case 'synthetic-mnist': {
      const raw = generateSyntheticMnist(sizes);
      data = splitAndNormalise('synthetic-mnist', raw.train, raw.test, config.validation, PIXELS, [28, 28, 1], NUM_CLASSES, SYNTHETIC_MNIST_SEED);
      break;
    }
    case 'synthetic-cifar': {
      const raw = generateSyntheticCifar(config.synthetic ?? SYNTHETIC_CIFAR_DEFAULT_SIZES);
      const d = splitAndNormalise('synthetic-cifar', raw.train, raw.test, config.validation, CIFAR_FEATURES, [32, 32, 3], NUM_CLASSES, SYNTHETIC_CIFAR_SEED);
      data = { ...d, classNames: SYNTHETIC_CIFAR_CLASS_NAMES };
      break;
    }
    default:
      throw new Error(`dataset ${String(config.dataset)} is not implemented yet`);
  }
  cache = { key, data };
  return data;
}
