// Snapshot export and import over the store: a state reference RUN[:ROUND][:WHICH] names a stored network, which is
// written as safetensors or .npz in PyTorch layout (store/snapshot.ts); an imported file is validated completely
// before anything is written, then stored as a run of kind "imported" in one transaction.
import { resolve } from 'node:path';
import { describeZodError, parseExperimentConfig } from '../../shared/config';
import { snapshotDownloadSchema } from '../../shared/contract';
import { targetProblem } from '../atomic-file';
import { NotFoundError, ValidationError } from '../../shared/errors';
import type { NetState } from '../../shared/tensors';
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
  type SnapshotFileFormat,
  type SnapshotMeta,
} from '../store/snapshot';
import type { SnapshotPreprocessing } from '../store/preprocessing';
import { inputShapeOf } from '../store/snapshot-arch';
import { isRealDataset } from '../engine/data/registry';
import type { Normalisation } from '../../shared/contract';
import { APP_VERSION, experimentId, newRunId, type Core } from './service';

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

/** What a state reference can name, for a round of a run. */
export const WHICH = ['trained', 'init', 'mask', 'ticket-at-init'] as const;
export type Which = (typeof WHICH)[number];

export interface StateRef {
  runId: string;
  /** Undefined: the run's last committed round. */
  round?: number;
  which: Which;
}

/** Parses RUN[:ROUND][:WHICH], e.g. `r1a2b3c4d5`, `r1a2b3c4d5:3`, `r1a2b3c4d5:3:mask`, `r1a2b3c4d5:init`. */
export function parseStateRef(ref: string): StateRef {
  const parts = ref.split(':');
  const runId = parts[0] ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId) || parts.length > 3) throw new ValidationError(`state ${ref}: expected RUN[:ROUND][:WHICH]`);
  let round: number | undefined;
  let which: Which = 'trained';
  for (const p of parts.slice(1)) {
    if (/^\d+$/.test(p) && round === undefined) round = Number(p);
    else if ((WHICH as readonly string[]).includes(p)) which = p as Which;
    else throw new ValidationError(`state ${ref}: "${p}" is neither a round number nor one of ${WHICH.join(', ')}`);
  }
  return { runId, round, which };
}

/**
 * Resolves a reference to the states to export: `trained` (trained weights, the round's mask, and its starting
 * weights as weight_init), `init` (the round's starting weights under its mask), `mask` (masks only) and
 * `ticket-at-init` (the round's mask on the run's original round-0 init, before any training or rewinding).
 */
export function resolveState(core: Core, ref: StateRef): { weights: NetState; init: NetState; round: number; density: number } {
  const run = core.repo.getRun(ref.runId);
  const rounds = run.rounds.map((r) => r.round);
  if (!rounds.length) throw new NotFoundError(`run ${ref.runId} has no finished round yet`);
  const round = ref.round ?? rounds[rounds.length - 1]!;
  const result = run.rounds.find((r) => r.round === round);
  if (!result) throw new NotFoundError(`run ${ref.runId} has no round ${round}; it has ${rounds.join(', ')}`);
  const arch = run.config.arch;
  const init = core.tensors.loadState(ref.runId, round, 'init', arch);
  const trained = core.tensors.loadState(ref.runId, round, 'trained', arch);
  if (ref.which === 'ticket-at-init') {
    const root = run.parentRunId ?? ref.runId;
    const original = core.tensors.loadState(root, 0, 'init', arch);
    const weights: NetState = {
      arch,
      layers: original.layers.map((l, i) => {
        const mask = trained.layers[i]!.mask;
        return { ...l, mask, weight: l.weight.map((w, j) => (mask[j] ? w : 0)) };
      }),
    };
    return { weights, init: weights, round, density: result.density };
  }
  return { weights: ref.which === 'init' ? init : trained, init, round, density: result.density };
}

export interface ExportOptions {
  format?: SnapshotFileFormat;
  /** Masks only (no weights); the default for WHICH = mask. */
  masksOnly?: boolean;
}

/** An imported run has no round result: its round, density and (maybe) weights come from what the file held. */
function resolveImported(core: Core, ref: StateRef, round: number): { layers: LayerTensors[]; density: number; withWeights: boolean } {
  if (ref.round !== undefined && ref.round !== round) throw new NotFoundError(`run ${ref.runId} has no round ${ref.round}; it has ${round}`);
  const masks = core.tensors.loadMasks(ref.runId, round, 'mask');
  const density = maskDensity(masks) ?? 0;
  const arch = core.repo.getRun(ref.runId).config.arch;
  const hasWeights = ref.which !== 'mask' && core.tensors.hasState(ref.runId, round, 'trained');
  if (ref.which === 'ticket-at-init' || (ref.which === 'init' && !core.tensors.hasState(ref.runId, round, 'init'))) {
    throw new NotFoundError(`run ${ref.runId} was imported without ${ref.which} weights`);
  }
  if (!hasWeights) return { layers: masks.map((m) => ({ ...m })), density, withWeights: false };
  const trained = core.tensors.loadState(ref.runId, round, 'trained', arch);
  const init = core.tensors.hasState(ref.runId, round, 'init') ? core.tensors.loadState(ref.runId, round, 'init', arch) : undefined;
  return { layers: layersFromStates(ref.which === 'init' && init ? init : trained, init), density, withWeights: true };
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

function prepareExport(core: Core, refText: string, opts: ExportOptions): Prepared {
  const ref = parseStateRef(refText);
  const run = core.repo.getRun(ref.runId);
  const preprocessing = preprocessingOf(run.normalisation, run.config.dataset);
  const meta = (round: number, density: number): SnapshotMeta => ({
    format: SNAPSHOT_FORMAT,
    arch: run.config.arch,
    dataset: run.config.dataset,
    run: run.runId,
    round,
    density,
    which: ref.which,
    config: run.config,
    createdAt: new Date().toISOString(),
    app: APP_VERSION,
    ...(preprocessing ? { preprocessing } : {}),
  });
  const base = { runId: run.runId, which: ref.which };
  if (run.kind === 'imported') {
    const round = core.repo.roundInfo(ref.runId).firstRound;
    const { layers, density, withWeights } = resolveImported(core, ref, round);
    const weights = withWeights && !(opts.masksOnly ?? ref.which === 'mask');
    return { ...base, snapshot: { meta: meta(round, density), layers }, weights, round, density };
  }
  const { weights, init, round, density } = resolveState(core, ref);
  const snapshot = { meta: meta(round, density), layers: layersFromStates(weights, init) };
  return { ...base, snapshot, weights: !(opts.masksOnly ?? ref.which === 'mask'), round, density };
}

/** Writes a stored state as a snapshot file at `out` (a path the user chose in the desktop app or the CLI). */
export function exportSnapshot(core: Core, refText: string, out: string, opts: ExportOptions = {}) {
  const path = resolve(out);
  const problem = targetProblem(path);
  if (problem) throw new ValidationError(`cannot write ${path}: ${problem}`);
  const p = prepareExport(core, refText, opts);
  const written = writeSnapshotFile(path, p.snapshot, { ...(opts.format ? { format: opts.format } : {}), weights: p.weights });
  return { path, ...written, runId: p.runId, round: p.round, which: p.which, density: p.density };
}

export interface SnapshotDownload {
  bytes: Uint8Array;
  /** `<run>-r<round>-<which>.<format>`: only letters, digits, `-`, `_` and `.`. */
  fileName: string;
  format: SnapshotFileFormat;
  runId: string;
  round: number;
  which: Which;
  density: number;
}

/** serve mode's export: a stored state as snapshot bytes for a browser download (params as for exportSnapshot, no path). */
export function downloadSnapshot(core: Core, params: unknown): SnapshotDownload {
  const parsed = snapshotDownloadSchema.safeParse(params);
  if (!parsed.success) throw new ValidationError(describeZodError('snapshot download', parsed.error));
  const q = parsed.data;
  const format = q.format ?? 'safetensors';
  const ref = [q.runId, ...(q.round !== undefined ? [String(q.round)] : []), q.which ?? 'trained'].join(':');
  const p = prepareExport(core, ref, q.masksOnly !== undefined ? { masksOnly: q.masksOnly } : {});
  const bytes = encodeSnapshot(p.snapshot, { format, weights: p.weights });
  return { bytes, fileName: `${p.runId}-r${p.round}-${p.which}.${format}`, format, runId: p.runId, round: p.round, which: p.which, density: p.density };
}

type ImportResult = { runId: string; experimentId: string; round: number; density: number; withWeights: boolean };

/** Imports a snapshot file as a new run of kind "imported"; the database is untouched unless the whole file is valid. */
export function importSnapshot(core: Core, file: string): ImportResult {
  return storeSnapshot(core, readSnapshotFile(file), `snapshot ${file}`, `imported from ${file}`);
}

/** Imports uploaded snapshot bytes (serve mode) as a new run; `name` is the uploaded file's name, for messages only. */
export function importSnapshotBytes(core: Core, bytes: Uint8Array, name: string): ImportResult {
  return storeSnapshot(core, readSnapshot(bytes, undefined, name), `snapshot ${name}`, `imported from an upload (${name})`);
}

/** Stores a validated snapshot as a run of kind "imported", in one transaction. */
function storeSnapshot(core: Core, snap: Snapshot, label: string, origin: string): ImportResult {
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
  core.db.transaction(() => {
    core.repo.ensureExperiment(expId, config);
    core.repo.createRun({
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
    if (trained) core.tensors.saveState(runId, snap.meta.round, 'trained', trained);
    if (init) core.tensors.saveState(runId, snap.meta.round, 'init', init);
    core.tensors.saveMasks(runId, snap.meta.round, 'mask', snap.layers.map((l) => ({ name: l.name, kind: l.kind, shape: l.shape, mask: l.mask! })));
    core.repo.updateRun(runId, {
      status: 'done',
      pid: null,
      ...(snap.meta.preprocessing ? { normalisation: normalisationOf(snap.meta.preprocessing) } : {}),
      warnings: [`${origin} (run ${snap.meta.run}, round ${snap.meta.round}, ${snap.meta.which}, ${(density * 100).toFixed(2)}% of weights remaining)`],
    });
  })();
  return { runId, experimentId: expId, round: snap.meta.round, density, withWeights: !!trained };
}
