// Snapshot export and import over the store: a state reference RUN[:ROUND][:WHICH] names a stored network, which is
// written as safetensors or .npz in PyTorch layout (store/snapshot.ts); an imported file is validated completely
// before anything is written, then stored as a run of kind "imported" in one transaction.
import { resolve } from 'node:path';
import { parseExperimentConfig } from '../../shared/config';
import { NotFoundError, ValidationError } from '../../shared/errors';
import type { NetState } from '../../shared/tensors';
import {
  SNAPSHOT_FORMAT,
  layersFromStates,
  maskDensity,
  readSnapshotFile,
  stateFromLayers,
  writeSnapshotFile,
  type LayerTensors,
  type SnapshotFileFormat,
  type SnapshotMeta,
} from '../store/snapshot';
import { APP_VERSION, experimentId, newRunId, type Core } from './service';

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

export function exportSnapshot(core: Core, refText: string, out: string, opts: ExportOptions = {}) {
  const ref = parseStateRef(refText);
  const run = core.repo.getRun(ref.runId);
  if (run.kind === 'imported') {
    const round = core.repo.roundInfo(ref.runId).firstRound;
    const { layers, density, withWeights } = resolveImported(core, ref, round);
    const path = resolve(out);
    const meta: SnapshotMeta = {
      format: SNAPSHOT_FORMAT, arch: run.config.arch, dataset: run.config.dataset, run: run.runId, round, density,
      which: ref.which, config: run.config, createdAt: new Date().toISOString(), app: APP_VERSION,
    };
    const written = writeSnapshotFile(path, { meta, layers }, {
      ...(opts.format ? { format: opts.format } : {}),
      weights: withWeights && !(opts.masksOnly ?? ref.which === 'mask'),
    });
    return { path, ...written, runId: run.runId, round, which: ref.which, density };
  }
  const { weights, init, round, density } = resolveState(core, ref);
  const meta: SnapshotMeta = {
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
  };
  const path = resolve(out);
  const written = writeSnapshotFile(path, { meta, layers: layersFromStates(weights, init) }, {
    ...(opts.format ? { format: opts.format } : {}),
    weights: !(opts.masksOnly ?? ref.which === 'mask'),
  });
  return { path, ...written, runId: run.runId, round, which: ref.which, density };
}

/** Imports a snapshot file as a new run of kind "imported"; the database is untouched unless the whole file is valid. */
export function importSnapshot(core: Core, file: string): { runId: string; experimentId: string; round: number; density: number; withWeights: boolean } {
  const snap = readSnapshotFile(file);
  const noMask = snap.layers.find((l) => !l.mask);
  if (noMask) throw new ValidationError(`snapshot ${file}: layer ${noMask.name} has no mask; a snapshot needs a mask for every layer`);
  const config = parseExperimentConfig(snap.meta.config, `snapshot ${file}: config`);
  if (config.arch !== snap.meta.arch || config.dataset !== snap.meta.dataset) {
    throw new ValidationError(`snapshot ${file}: metadata says ${snap.meta.arch} on ${snap.meta.dataset}, its config ${config.arch} on ${config.dataset}`);
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
      warnings: [`imported from ${file} (run ${snap.meta.run}, round ${snap.meta.round}, ${snap.meta.which}, ${(density * 100).toFixed(2)}% of weights remaining)`],
    });
  })();
  return { runId, experimentId: expId, round: snap.meta.round, density, withWeights: !!trained };
}
