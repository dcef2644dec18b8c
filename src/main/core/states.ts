// Stored states: what a state reference RUN[:ROUND][:WHICH] (shared/refs.ts) names in the store, for snapshot export
// and for every analysis, and the list of states the pickers offer. The one place that knows how a trained run, a
// control and an imported snapshot store their rounds:
// - a trained run stores per round its `init` and `trained` weights (each with the round's mask); `ticket-at-init`
//   is the round's mask on the original round-0 init of the run (of its ticket, for a control), `dense-init` that
//   init with every weight kept (any round names the same state; listed once, at round 0, where round 0 is masked);
// - an imported run stores one round: its masks as `mask`, and `trained` and `init` weights when the file had them.
// Tensors load on first use: a cached analysis needs only the checksums (the digest).
import { runObjectiveOf } from '../../shared/objective';
import { createHash } from 'node:crypto';
import type { ListStatesParams, StateInfo } from '../../shared/analysis';
import type { ExperimentConfig } from '../../shared/config';
import type { RunDetail } from '../../shared/contract';
import { NotFoundError } from '../../shared/errors';
import { canonicalRef, parseStateRef, type StateRef, type Which } from '../../shared/refs';
import type { LayerState, NetState, StateKind } from '../../shared/tensors';
import type { Store } from '../store';
import { maskDensity } from '../store/snapshot';

/** The store as states read it. */
export type StateStore = Pick<Store, 'repo' | 'tensors'>;

export type MaskLayer = Pick<LayerState, 'name' | 'kind' | 'shape' | 'mask'> & { weight?: Float32Array };

export interface ResolvedState {
  /** What the reference names, canonically (the round resolved). */
  info: StateInfo;
  config: ExperimentConfig;
  imported: boolean;
  /** The layers' names and mask shapes: two states fit together when these are equal. */
  shapes: string;
  /** Digest of the stored tensors the state is made of (their checksums): the state's part of a cache key. */
  digest: string;
  /** The masks; with their weights when the state has weights. */
  masks(): MaskLayer[];
  /** The weights WHICH names, under their mask; null for `mask` and for an import without those weights. */
  weights(): NetState | null;
  /** A state the round stored as it is (its starting or its trained weights), or null when it has none. */
  stored(kind: 'init' | 'trained'): NetState | null;
}

const label = (kind: string, seed: number, round: number, which: Which, density: number) =>
  `${kind} s${seed} r${round} ${which} (${(density * 100).toFixed(density < 0.01 ? 2 : 1)}%)`;

function stateInfo(run: RunDetail, round: number, which: Which, density: number, hasWeights: boolean): StateInfo {
  const objective = runObjectiveOf(run.config.dataset, run.config.method);
  const kind = objective ? `${run.kind} ${objective.className}-vs-rest` : run.kind;
  return {
    ref: canonicalRef(run.runId, round, which),
    runId: run.runId,
    kind: run.kind,
    seed: run.seed,
    experimentName: run.experimentName,
    arch: run.config.arch,
    dataset: run.config.dataset,
    round,
    which,
    density,
    hasWeights,
    label: label(kind, run.seed, round, which, density),
    objective,
  };
}

const memo = <T>(load: () => T): (() => T) => {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = load();
      done = true;
    }
    return value;
  };
};

/** The round's mask on the run's original round-0 init (of its ticket, for a control). */
function ticketAtInit(store: StateStore, run: RunDetail, trained: NetState): NetState {
  const original = store.tensors.loadState(run.parentRunId ?? run.runId, 0, 'init', run.config.arch);
  return {
    arch: run.config.arch,
    layers: original.layers.map((l, i) => {
      const mask = trained.layers[i]!.mask;
      return { ...l, mask, weight: l.weight.map((w, j) => (mask[j] ? w : 0)) };
    }),
  };
}

/** The run's original round-0 init (of its ticket, for a control) with every weight kept: `dense-init`. */
function denseInit(store: StateStore, run: RunDetail): NetState {
  const original = store.tensors.loadState(run.parentRunId ?? run.runId, 0, 'init', run.config.arch);
  return { arch: original.arch, layers: original.layers.map((l) => ({ ...l, mask: new Uint8Array(l.mask.length).fill(1) })) };
}

/** Resolves a reference (text or parsed) against the store; NotFoundError for a run, round or state it lacks. */
export function resolveStateRef(store: StateStore, ref: string | StateRef): ResolvedState {
  const r = typeof ref === 'string' ? parseStateRef(ref) : ref;
  const { repo, tensors } = store;
  const run = repo.getRun(r.runId);
  const arch = run.config.arch;
  const which = r.which;
  const imported = run.kind === 'imported';
  let round: number;
  let density: number;
  /** The stored tensors the state is made of: [run, round, state kind, masks only]. */
  let parts: [string, number, StateKind, boolean][];
  let masks: () => MaskLayer[] = () => [];
  let weights: () => NetState | null;
  const stored = (kind: 'init' | 'trained') => (tensors.hasState(run.runId, round, kind) ? tensors.loadState(run.runId, round, kind, arch) : null);
  if (imported) {
    round = repo.roundInfo(run.runId).firstRound;
    if (r.round !== undefined && r.round !== round) throw new NotFoundError(`run ${run.runId} has no round ${r.round}; it has ${round}`);
    const own = tensors.loadMasks(run.runId, round, 'mask');
    density = maskDensity(own) ?? 0;
    masks = () => own;
    parts = [[run.runId, round, 'mask', true]];
    weights = () => null;
    if (which === 'dense-init') throw new NotFoundError(`run ${run.runId} is an import: it has no original round-0 init to unmask (dense-init); analyse ${run.runId}:init or :trained`);
    if (which === 'ticket-at-init' || (which === 'init' && !tensors.hasState(run.runId, round, 'init'))) {
      throw new NotFoundError(`run ${run.runId} was imported without ${which} weights; its masks are ${run.runId}:mask`);
    }
    const kind = which === 'init' ? 'init' : 'trained';
    if (which !== 'mask' && tensors.hasState(run.runId, round, kind)) {
      weights = () => tensors.loadState(run.runId, round, kind, arch);
      parts.push([run.runId, round, kind, false]);
    }
  } else {
    const rounds = run.rounds.map((x) => x.round);
    if (!rounds.length) throw new NotFoundError(`run ${run.runId} has no finished round yet`);
    round = r.round ?? rounds[rounds.length - 1]!;
    const result = run.rounds.find((x) => x.round === round);
    if (!result) throw new NotFoundError(`run ${run.runId} has no round ${round}; it has ${rounds.join(', ')}`);
    density = result.density;
    const at = round;
    if (which === 'dense-init') {
      const root = run.parentRunId ?? run.runId;
      if (!tensors.hasState(root, 0, 'init')) throw new NotFoundError(`run ${root} has no stored round-0 init, so ${run.runId} has no dense-init`);
      density = 1;
      weights = () => denseInit(store, run);
      // The round does not change it; its digest is the original init's and the word `dense-init`.
      parts = [[root, 0, 'init', false]];
    } else if (which === 'mask') {
      masks = () => tensors.loadMasks(run.runId, at, 'trained');
      weights = () => null;
      parts = [[run.runId, round, 'trained', true]];
    } else {
      const kind = which === 'init' ? 'init' : 'trained';
      weights = which === 'ticket-at-init' ? () => ticketAtInit(store, run, tensors.loadState(run.runId, at, 'trained', arch)) : () => tensors.loadState(run.runId, at, kind, arch);
      parts =
        which === 'ticket-at-init'
          ? [[run.runId, round, 'trained', true], [run.parentRunId ?? run.runId, 0, 'init', false]]
          : [[run.runId, round, kind, false]];
    }
  }
  // An import has weights when the file had the ones WHICH names (its second part); a trained run always has them.
  const info = stateInfo(run, round, which, density, which !== 'mask' && (!imported || parts.length > 1));
  const digest = createHash('sha256').update(which);
  const shapes: string[] = [];
  for (const [i, [runId, rnd, kind, masksOnly]] of parts.entries()) {
    const rows = tensors.checksums(runId, rnd, kind, masksOnly);
    if (!rows.length) throw new NotFoundError(`run ${runId} has no ${kind} tensors for round ${rnd}`);
    for (const row of rows) {
      digest.update(`${row.layer}.${row.param}:${row.sha256};`);
      if (i === 0 && row.param === 'mask') shapes.push(`${row.layer}:${row.shape}`);
    }
  }
  const w = memo(weights);
  const m = imported || which === 'mask' ? memo(masks) : memo(() => w()!.layers as MaskLayer[]);
  return { info, config: run.config, imported, shapes: shapes.join(','), digest: digest.digest('hex'), masks: m, weights: w, stored };
}

/**
 * The stored states analyses can read: every committed round of every run (or of one run or experiment), newest run
 * first, each as trained, init, ticket-at-init (a later round, when the original init is stored) and mask; an
 * imported run's one round as what the file held.
 */
export function listStates(store: StateStore, p: ListStatesParams): StateInfo[] {
  const { repo, tensors } = store;
  let runs = repo.listRuns();
  if (p.runId) {
    repo.getSummary(p.runId);
    runs = runs.filter((r) => r.runId === p.runId);
  }
  if (p.experimentId) {
    repo.getExperiment(p.experimentId);
    runs = runs.filter((r) => r.experimentId === p.experimentId);
  }
  const out: StateInfo[] = [];
  for (const s of [...runs].reverse()) {
    const run = repo.getRun(s.runId);
    const add = (round: number, which: Which, density: number, hasWeights: boolean) => out.push(stateInfo(run, round, which, density, hasWeights));
    if (run.kind === 'imported') {
      const round = repo.roundInfo(run.runId).firstRound;
      if (!tensors.hasState(run.runId, round, 'mask')) continue;
      const density = maskDensity(tensors.loadMasks(run.runId, round, 'mask')) ?? 0;
      if (tensors.hasState(run.runId, round, 'trained')) add(round, 'trained', density, true);
      if (tensors.hasState(run.runId, round, 'init')) add(round, 'init', density, true);
      add(round, 'mask', density, false);
      continue;
    }
    const rootInit = tensors.hasState(run.parentRunId ?? run.runId, 0, 'init');
    for (const r of run.rounds) {
      add(r.round, 'trained', r.density, true);
      add(r.round, 'init', r.density, true);
      if (r.round > 0 && rootInit) add(r.round, 'ticket-at-init', r.density, true);
      // The unmasked init, once per run, where round 0 starts from a mask (a supermask, pruning at init): elsewhere
      // it is `RUN:0:init` itself.
      if (r.round === 0 && rootInit && r.density < 1) add(0, 'dense-init', 1, true);
      add(r.round, 'mask', r.density, false);
    }
  }
  return out;
}
