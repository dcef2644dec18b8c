// Real data sets as the trainer sees them, read from the data folder: the validation split is held out of the
// training set by a fixed seeded permutation (the same for every run seed, as for the synthetic sets), normalisation
// constants are computed on what remains for training and applied to every split. Pixels are scaled to [0, 1]
// first. MNIST-style sets (one channel) use one mean and std; CIFAR-10 uses one per channel (recorded in
// `perChannel`; the scalar mean/std are then those of all channels pooled, for reference only).
//
// Parsed bytes are cached per process (the last data set read), so runs that differ only in validation size do not
// re-read the files. Memory: CIFAR-10 as float32 is 60,000 * 3,072 * 4 bytes = 737 MB, plus 184 MB of bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../../shared/errors';
import { streamRng } from '../rng';
import { CIFAR_IMAGE_BYTES, parseCifarBatch, validateCifarBatch } from './cifar';
import { datasetPath, datasetStatus, notFoundMessage } from './folder';
import type { DatasetManifest } from './folder';
import { checkPair, parseIdxImages, parseIdxLabels } from './idx';
import { DataFileError } from './io';
import { CIFAR_TEST_BATCH, CIFAR_TRAIN_BATCHES, DATA_HOLDOUT_SEED, IDX_FILES, REAL_DATASETS } from './registry';
import type { RealDatasetName } from './registry';

/** Per-example bytes (HWC) and labels of one split. */
export interface ByteSplit {
  n: number;
  pixels: Uint8Array;
  labels: Uint8Array;
}

export interface RawRealDataset {
  name: RealDatasetName;
  manifest: DatasetManifest;
  train: ByteSplit;
  test: ByteSplit;
}

/** Present `perChannel` means each channel is normalised with its own constants (CIFAR-10): what is applied. */
export type { Normalisation } from '../../../shared/contract';
import type { Normalisation } from '../../../shared/contract';

export interface RealSplit {
  x: Float32Array;
  y: Uint8Array;
  n: number;
}

function readStored(dir: string, name: string): Buffer {
  const path = join(dir, name);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DataFileError(path, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function readIdxSplit(dir: string, images: string, labels: string, shape: [number, number]): ByteSplit {
  const ip = join(dir, images);
  const lp = join(dir, labels);
  const img = parseIdxImages(readStored(dir, images), ip, shape);
  const lbl = parseIdxLabels(readStored(dir, labels), lp);
  checkPair(img, ip, lbl, lp);
  return { n: img.n, pixels: img.pixels, labels: lbl.labels };
}

function readCifarSplit(dir: string, files: readonly string[]): ByteSplit {
  const bufs = files.map((f) => ({ path: join(dir, f), buf: readStored(dir, f) }));
  const n = bufs.reduce((s, b) => s + validateCifarBatch(b.buf, b.path), 0);
  const out = { pixels: new Uint8Array(n * CIFAR_IMAGE_BYTES), labels: new Uint8Array(n), at: 0 };
  for (const b of bufs) out.at += parseCifarBatch(b.buf, b.path, out).n;
  return { n, pixels: out.pixels, labels: out.labels };
}

let rawCache: { key: string; data: RawRealDataset } | null = null;

/** Reads (or reuses) the parsed bytes of a real data set in the data folder. */
export function readRealDataset(name: RealDatasetName, dataDir: string): RawRealDataset {
  const status = datasetStatus(dataDir, name);
  if (!status.present || !status.manifest) {
    throw new ValidationError(status.problem ? `data set ${name} in ${dataDir} is damaged (${status.problem}); import or fetch it again` : notFoundMessage(name, dataDir));
  }
  const manifest = status.manifest;
  const key = JSON.stringify([dataDir, name, manifest.importedAt]);
  if (rawCache?.key === key) return rawCache.data;
  rawCache = null;
  const info = REAL_DATASETS[name];
  const dir = datasetPath(dataDir, name);
  let train: ByteSplit;
  let test: ByteSplit;
  if (info.format === 'idx') {
    const shape: [number, number] = [info.shape[0], info.shape[1]];
    train = readIdxSplit(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, shape);
    test = readIdxSplit(dir, IDX_FILES.testImages, IDX_FILES.testLabels, shape);
  } else {
    train = readCifarSplit(dir, CIFAR_TRAIN_BATCHES);
    test = readCifarSplit(dir, [CIFAR_TEST_BATCH]);
  }
  if (train.n !== manifest.counts.train || test.n !== manifest.counts.test) {
    throw new ValidationError(`data set ${name} in ${dataDir} does not match its manifest (${train.n}/${test.n} examples, the manifest says ${manifest.counts.train}/${manifest.counts.test}); import or fetch it again`);
  }
  const data: RawRealDataset = { name, manifest, train, test };
  rawCache = { key, data };
  return data;
}

/** Mean and population std of each channel over the examples `idx` of a split, pixels scaled to [0, 1]. */
export function channelStats(split: ByteSplit, idx: Uint32Array, channels: number): { mean: number[]; std: number[]; pooled: { mean: number; std: number } } {
  const features = split.pixels.length / Math.max(1, split.n);
  const hist = Array.from({ length: channels }, () => new Float64Array(256));
  for (let i = 0; i < idx.length; i++) {
    const off = idx[i]! * features;
    const row = split.pixels.subarray(off, off + features);
    if (channels === 1) {
      const h = hist[0]!;
      for (let p = 0; p < features; p++) h[row[p]!]!++;
    } else {
      for (let p = 0; p < features; p++) hist[p % channels]![row[p]!]!++;
    }
  }
  const moments = (h: Float64Array): { mean: number; std: number } => {
    let n = 0;
    let s = 0;
    for (let v = 0; v < 256; v++) {
      n += h[v]!;
      s += h[v]! * (v / 255);
    }
    const mean = s / Math.max(1, n);
    let sq = 0;
    for (let v = 0; v < 256; v++) sq += h[v]! * (v / 255 - mean) ** 2;
    const std = Math.sqrt(sq / Math.max(1, n));
    return { mean, std: std > 0 ? std : 1 };
  };
  const per = hist.map(moments);
  const all = new Float64Array(256);
  for (const h of hist) for (let v = 0; v < 256; v++) all[v]! += h[v]!;
  return { mean: per.map((m) => m.mean), std: per.map((m) => m.std), pooled: moments(all) };
}

/** Float32 copy of the examples `idx` (all when null), each channel mapped through its 256-entry table. */
function toFloat(split: ByteSplit, idx: Uint32Array | null, tables: Float32Array[]): RealSplit {
  const features = split.pixels.length / Math.max(1, split.n);
  const n = idx ? idx.length : split.n;
  const channels = tables.length;
  const x = new Float32Array(n * features);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx ? idx[i]! : i;
    y[i] = split.labels[j]!;
    const src = j * features;
    const dst = i * features;
    if (channels === 1) {
      const t = tables[0]!;
      for (let p = 0; p < features; p++) x[dst + p] = t[split.pixels[src + p]!]!;
    } else {
      for (let p = 0; p < features; p++) x[dst + p] = tables[p % channels]![split.pixels[src + p]!]!;
    }
  }
  return { x, y, n };
}

export interface PreparedRealDataset {
  train: RealSplit;
  validation: RealSplit;
  test: RealSplit;
  normalisation: Normalisation;
  shape: [number, number, number];
  classes: string[];
}

/**
 * Holds out `validation` training examples (fixed seed), computes normalisation on the rest and returns normalised
 * float32 splits, NHWC.
 */
export function prepareRealDataset(raw: RawRealDataset, validation: number): PreparedRealDataset {
  const info = REAL_DATASETS[raw.name];
  const channels = info.shape[2];
  const pool = raw.train;
  if (!Number.isInteger(validation) || validation < 0 || validation >= pool.n) {
    throw new ValidationError(`validation (${validation}) must be at least 0 and smaller than the training set (${pool.n})`);
  }
  const perm = streamRng(DATA_HOLDOUT_SEED, `${raw.name}/holdout`).permutation(pool.n);
  const valIdx = perm.subarray(0, validation);
  const trainIdx = perm.subarray(validation);
  const stats = channelStats(pool, trainIdx, channels);
  const tables = stats.mean.map((mean, c) => {
    const t = new Float32Array(256);
    const inv = 1 / stats.std[c]!;
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - mean) * inv;
    return t;
  });
  const normalisation: Normalisation =
    channels === 1 ? { mean: stats.mean[0]!, std: stats.std[0]! } : { ...stats.pooled, perChannel: { mean: stats.mean, std: stats.std } };
  return {
    train: toFloat(pool, trainIdx, tables),
    validation: toFloat(pool, valIdx, tables),
    test: toFloat(raw.test, null, tables),
    normalisation,
    shape: [...info.shape],
    classes: [...raw.manifest.classes],
  };
}
