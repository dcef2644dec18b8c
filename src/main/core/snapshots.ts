// Snapshot export and import over the store: a state reference RUN[:ROUND][:WHICH] names a stored network, which is
// written as safetensors or .npz in PyTorch layout (store/snapshot.ts); an imported file is validated completely
// before anything is written, then stored as a run of kind "imported" in one transaction.
import { resolve } from 'node:path';
import { describeZodError, parseExperimentConfig } from '../../shared/config';
import { snapshotDownloadSchema, type SnapshotFormat } from '../../shared/contract';
import { targetProblem } from '../atomic-file';
import { ValidationError } from '../../shared/errors';
import { experimentId, formatStateRef, type Which } from '../../shared/refs';
import {
  SNAPSHOT_FORMAT,
  encodeSnapshot,
  layersFromStates,
  maskDensity,
  readSnapshot,
  readSnapshotFile,
  stateFromLayers,
  writeSnapshotFile,
  type LayerTensors,
  type Snapshot,
  type SnapshotMeta,
} from '../store/snapshot';
import type { Store } from '../store';
import type { SnapshotPreprocessing } from '../store/preprocessing';
import { inputShapeOf } from '../store/snapshot-arch';
import { isRealDataset } from '../engine/data/registry';
import type { Normalisation } from '../../shared/contract';
import { resolveStateRef, type ResolvedState } from './states';
import { newRunId } from './ids';
import { APP_VERSION } from './version';

/**
 * A snapshot's preprocessing from its run's normalisation: raw pixels / 255 for the real data sets (the generated
 * ones are in [0, 1] already), then the per-channel constants the run computed on its training split, or its one
 * constant for every channel; undefined when the run has none (or the data set is unknown).
 */
export function preprocessingOf(n: Normalisation | null, dataset: string): SnapshotPreprocessing | undefined {
  const shape = inputShapeOf(dataset);
  if (!n || !shape) return undefined;
  const c = shape[2];
  const per = n.perChannel && n.perChannel.mean.length === c && n.perChannel.std.length === c ? n.perChannel : null;
  return {
    scale: isRealDataset(dataset) ? 255 : 1,
    mean: per ? [...per.mean] : Array<number>(c).fill(n.mean),
    std: per ? [...per.std] : Array<number>(c).fill(n.std),
    source: `the run's training split, validation hold-out excluded; ${per || c === 1 ? 'per channel' : 'one mean and std over all channels'}`,
  };
}

/** A run's normalisation from a snapshot's preprocessing: the per-channel constants and the pooled ones they give. */
export function normalisationOf(p: SnapshotPreprocessing): Normalisation {
  const c = p.mean.length;
  if (c === 1) return { mean: p.mean[0]!, std: p.std[0]! };
  // Channels of equal size: the pooled mean is the channels' mean, the pooled variance the mean of E[x²] less its square.
  const mean = p.mean.reduce((a, b) => a + b, 0) / c;
  const ex2 = p.std.reduce((a, s, i) => a + s * s + p.mean[i]! ** 2, 0) / c;
  return { mean, std: Math.sqrt(Math.max(0, ex2 - mean * mean)), perChannel: { mean: [...p.mean], std: [...p.std] } };
}

export interface ExportOptions {
  format?: SnapshotFormat;
  /** Masks only (no weights); the default for WHICH = mask. */
  masksOnly?: boolean;
}

/** A stored state as a snapshot ready to encode, and what it is. */
interface Prepared {
  snapshot: Snapshot;
  weights: boolean;
  runId: string;
  round: number;
  which: Which;
  density: number;
}

/**
 * The layers a snapshot of `s` holds: `trained` (trained weights, the round's mask, and its starting weights as
 * weight_init), `init` (the round's starting weights under its mask), `mask` (the masks; the trained weights too
 * unless masks only), `ticket-at-init` (the round's mask on the original init, which is also its weight_init) and
 * `dense-init` (that init with an all-ones mask).
 * An import exports what its file held.
 */
function snapshotLayers(s: ResolvedState): { layers: LayerTensors[]; withWeights: boolean } {
  const which = s.info.which;
  const init = s.stored('init');
  if (s.imported) {
    const trained = which === 'mask' ? null : s.stored('trained');
    if (!trained) return { layers: s.masks().map((m) => ({ ...m })), withWeights: false };
    return { layers: layersFromStates(which === 'init' && init ? init : trained, init ?? undefined), withWeights: true };
  }
  if (which === 'ticket-at-init' || which === 'dense-init') {
    const weights = s.weights()!;
    return { layers: layersFromStates(weights, weights), withWeights: true };
  }
  return { layers: layersFromStates(which === 'init' ? init! : s.stored('trained')!, init!), withWeights: true };
}

function prepareExport(store: Store, refText: string, opts: ExportOptions): Prepared {
  const s = resolveStateRef(store, refText);
  const { runId, round, which, density } = s.info;
  const preprocessing = preprocessingOf(store.repo.getRun(runId).normalisation, s.config.dataset);
  const meta: SnapshotMeta = {
    format: SNAPSHOT_FORMAT,
    arch: s.config.arch,
    dataset: s.config.dataset,
    run: runId,
    round,
    density,
    which,
    config: s.config,
    createdAt: new Date().toISOString(),
    app: APP_VERSION,
    ...(preprocessing ? { preprocessing } : {}),
  };
  const { layers, withWeights } = snapshotLayers(s);
  return { snapshot: { meta, layers }, weights: withWeights && !(opts.masksOnly ?? which === 'mask'), runId, round, which, density };
}

/** Writes a stored state as a snapshot file at `out` (a path the user chose in the desktop app or the CLI). */
export function exportSnapshot(store: Store, refText: string, out: string, opts: ExportOptions = {}) {
  const path = resolve(out);
  const problem = targetProblem(path);
  if (problem) throw new ValidationError(`cannot write ${path}: ${problem}`);
  const p = prepareExport(store, refText, opts);
  const written = writeSnapshotFile(path, p.snapshot, { ...(opts.format ? { format: opts.format } : {}), weights: p.weights });
  return { path, ...written, runId: p.runId, round: p.round, which: p.which, density: p.density };
}

export interface SnapshotDownload {
  bytes: Uint8Array;
  /** `<run>-r<round>-<which>.<format>`: only letters, digits, `-`, `_` and `.`. */
  fileName: string;
  format: SnapshotFormat;
  runId: string;
  round: number;
  which: Which;
  density: number;
}

/** serve mode's export: a stored state as snapshot bytes for a browser download (params as for exportSnapshot, no path). */
export function downloadSnapshot(store: Store, params: unknown): SnapshotDownload {
  const parsed = snapshotDownloadSchema.safeParse(params);
  if (!parsed.success) throw new ValidationError(describeZodError('snapshot download', parsed.error));
  const q = parsed.data;
  const format = q.format ?? 'safetensors';
  const ref = formatStateRef(q);
  const p = prepareExport(store, ref, q.masksOnly !== undefined ? { masksOnly: q.masksOnly } : {});
  const bytes = encodeSnapshot(p.snapshot, { format, weights: p.weights });
  return { bytes, fileName: `${p.runId}-r${p.round}-${p.which}.${format}`, format, runId: p.runId, round: p.round, which: p.which, density: p.density };
}

type ImportResult = { runId: string; experimentId: string; round: number; density: number; withWeights: boolean };

/** Imports a snapshot file as a new run of kind "imported"; the database is untouched unless the whole file is valid. */
export function importSnapshot(store: Store, file: string): ImportResult {
  return storeSnapshot(store, readSnapshotFile(file), `snapshot ${file}`, `imported from ${file}`);
}

/** Imports uploaded snapshot bytes (serve mode) as a new run; `name` is the uploaded file's name, for messages only. */
export function importSnapshotBytes(store: Store, bytes: Uint8Array, name: string): ImportResult {
  return storeSnapshot(store, readSnapshot(bytes, undefined, name), `snapshot ${name}`, `imported from an upload (${name})`);
}

/** Stores a validated snapshot as a run of kind "imported", in one transaction. */
function storeSnapshot(store: Store, snap: Snapshot, label: string, origin: string): ImportResult {
  const noMask = snap.layers.find((l) => !l.mask);
  if (noMask) throw new ValidationError(`${label}: layer ${noMask.name} has no mask; a snapshot needs a mask for every layer`);
  const config = parseExperimentConfig(snap.meta.config, `${label}: config`);
  if (config.arch !== snap.meta.arch || config.dataset !== snap.meta.dataset) {
    throw new ValidationError(`${label}: metadata says ${snap.meta.arch} on ${snap.meta.dataset}, its config ${config.arch} on ${config.dataset}`);
  }
  const expId = experimentId(config);
  const runId = newRunId();
  const trained = stateFromLayers(config.arch, snap.layers, 'weight');
  const init = stateFromLayers(config.arch, snap.layers, 'weightInit');
  const density = maskDensity(snap.layers) ?? snap.meta.density;
  store.transaction(() => {
    store.repo.ensureExperiment(expId, config);
    store.repo.createRun({
      id: runId,
      experimentId: expId,
      seed: config.seeds[0] ?? 0,
      kind: 'imported',
      config,
      iterations: 0,
      pid: process.pid,
      firstRound: snap.meta.round,
      roundsTotal: 1,
    });
    if (trained) store.tensors.saveState(runId, snap.meta.round, 'trained', trained);
    if (init) store.tensors.saveState(runId, snap.meta.round, 'init', init);
    store.tensors.saveMasks(runId, snap.meta.round, 'mask', snap.layers.map((l) => ({ name: l.name, kind: l.kind, shape: l.shape, mask: l.mask! })));
    store.repo.updateRun(runId, {
      status: 'done',
      pid: null,
      ...(snap.meta.preprocessing ? { normalisation: normalisationOf(snap.meta.preprocessing) } : {}),
      warnings: [`${origin} (run ${snap.meta.run}, round ${snap.meta.round}, ${snap.meta.which}, ${(density * 100).toFixed(2)}% of weights remaining)`],
    });
  });
  return { runId, experimentId: expId, round: snap.meta.round, density, withWeights: !!trained };
}
