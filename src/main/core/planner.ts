// Experiment planning: which runs an experiment has, when each run's next round is ready, and what that round
// starts from. Pure over a `StateSource`, so it is the same for a fresh start and for a resume.
import type { ExperimentConfig, PruneAtInitMethod, RunKind, SupermaskMethod } from '../../shared/config';
import type { NetState, StateKind } from '../../shared/tensors';
import type { InitKind } from '../engine/init';
import type { RoundSpec } from '../engine/rounds';
import { countKept } from '../engine/prune';

export interface PlannedRun {
  kind: RunKind;
  /** Controls start at round 1: round 0 is the dense training they share with the ticket. */
  firstRound: number;
  roundsTotal: number;
  isControl: boolean;
}

export function planRuns(config: ExperimentConfig): PlannedRun[] {
  const m = config.method;
  switch (m.kind) {
    case 'dense':
      return [{ kind: 'dense', firstRound: 0, roundsTotal: 1, isControl: false }];
    case 'imp':
      return [
        { kind: 'imp', firstRound: 0, roundsTotal: m.rounds + 1, isControl: false },
        ...m.controls.map((c) => ({ kind: c, firstRound: 1, roundsTotal: m.rounds, isControl: true })),
      ];
    case 'one-shot':
      return [
        { kind: 'one-shot', firstRound: 0, roundsTotal: 2, isControl: false },
        ...m.controls.map((c) => ({ kind: c, firstRound: 1, roundsTotal: 1, isControl: true })),
      ];
    case 'prune-at-init':
      // One round: round 0 prunes the fresh net at init and trains it; each control pairs with that round 0.
      return [
        { kind: 'prune-at-init', firstRound: 0, roundsTotal: 1, isControl: false },
        ...m.controls.map((c) => ({ kind: c, firstRound: 0, roundsTotal: 1, isControl: true })),
      ];
    case 'supermask':
    case 'random-features':
      return [{ kind: m.kind, firstRound: 0, roundsTotal: 1, isControl: false }];
  }
}

/** The weight init a supermask trains on: `signed-constant` is each algorithm's own paper's constant. */
export function supermaskInit(m: Pick<SupermaskMethod, 'algorithm' | 'weightInit'>): InitKind {
  if (m.weightInit === 'signed-constant') return m.algorithm === 'bernoulli' ? 'signed-glorot-constant' : 'signed-kaiming-constant';
  return m.weightInit;
}

export interface RunRounds {
  firstRound: number;
  roundsTotal: number;
  committed: readonly number[];
}

/** The next round a run has to train, or null when every round is committed. */
export function nextRound(r: RunRounds): number | null {
  const done = new Set(r.committed);
  for (let round = r.firstRound; round < r.firstRound + r.roundsTotal; round++) if (!done.has(round)) return round;
  return null;
}

/** A run's round is ready when its own previous round is committed and, for a control, its parent's same round. */
export function isReady(round: number, own: RunRounds, parent: RunRounds | null): boolean {
  if (round > own.firstRound && !own.committed.includes(round - 1)) return false;
  return parent === null || parent.committed.includes(round);
}

/** Reads stored states: of this run (`own`) or of its parent (the ticket a control is paired with). */
export interface StateSource {
  own(round: number, state: StateKind): NetState;
  parent(round: number, state: StateKind): NetState;
  /** Whether the ticket's run stored a rewind state at round 0. */
  parentHasRewind(): boolean;
  ownHasRewind(): boolean;
}

const masksOf = (s: NetState): Uint8Array[] => s.layers.map((l) => l.mask);

export function buildSpec(config: ExperimentConfig, kind: RunKind, round: number, src: StateSource): RoundSpec {
  const m = config.method;
  if (m.kind === 'dense') return { round: 0, weights: { kind: 'seed', stream: 'init' }, mask: { kind: 'ones' } };
  if (m.kind === 'supermask') {
    const { kind: _kind, weightInit: _weightInit, ...sm } = m;
    return {
      round: 0,
      weights: { kind: 'seed', stream: 'init', init: supermaskInit(m) },
      mask: { kind: 'ones' },
      training: { kind: 'supermask', ...sm },
    };
  }
  if (m.kind === 'random-features') {
    return { round: 0, weights: { kind: 'seed', stream: 'init' }, mask: { kind: 'ones' }, training: { kind: 'random-features' } };
  }
  if (m.kind === 'prune-at-init') return pruneAtInitSpec(m, kind, src);
  // Rewinding to iteration k > 0 (Frankle et al. 2020, as open_lth runs it): round 0 is open_lth's pretraining to k
  // (captured) followed by its level 0, i.e. a fresh optimizer from step k on; every later round, the controls'
  // included, starts at step k from the rewound weights and trains T - k steps, the schedule and data order going on
  // from step k.
  const k = m.rewindIteration;
  const rewound = k > 0 ? { startIteration: k } : {};
  if (kind === m.kind) {
    if (round === 0) {
      return {
        round,
        weights: { kind: 'seed', stream: 'init' },
        mask: { kind: 'ones' },
        ...(k > 0 ? { captureAt: k, restartOptimizerAt: k } : {}),
      };
    }
    const rewind = src.ownHasRewind() ? src.own(0, 'rewind') : src.own(0, 'init');
    const previous = src.own(round - 1, 'trained');
    const mask: RoundSpec['mask'] =
      m.kind === 'imp'
        ? { kind: 'magnitude', from: previous, rates: m.rates, ranking: m.ranking, ...(m.globalRate !== undefined ? { globalRate: m.globalRate } : {}) }
        : { kind: 'one-shot', from: previous, density: m.density, ranking: m.ranking };
    return { round, weights: { kind: 'state', state: rewind }, mask, ...rewound };
  }
  // A control, paired with the ticket's round.
  const ticket = masksOf(src.parent(round, 'trained'));
  const rewind = src.parentHasRewind() ? src.parent(0, 'rewind') : src.parent(0, 'init');
  switch (kind) {
    case 'reinit':
      // open_lth's randomly_reinitialize branch also starts at the rewind step (fresh weights, schedule from k).
      return { round, weights: { kind: 'seed', stream: 'reinit' }, mask: { kind: 'given', masks: ticket }, ...rewound };
    case 'shuffle':
      return { round, weights: { kind: 'state', state: rewind }, mask: { kind: 'shuffle', of: ticket, stream: `shuffle/round${round}` }, ...rewound };
    case 'random-prune': {
      const from = round === 1 ? masksOf(src.parent(0, 'trained')) : masksOf(src.own(round - 1, 'trained'));
      return {
        round,
        weights: { kind: 'state', state: rewind },
        mask: { kind: 'random-prune', from, keep: ticket.map(countKept), stream: `random-prune/round${round}` },
        ...rewound,
      };
    }
    default:
      throw new Error(`run kind ${kind} does not belong to method ${m.kind}`);
  }
}

/**
 * Pruning at initialisation: the ticket's round 0 prunes the fresh net (its own init) and trains it. The controls
 * pair with that round 0: reinit keeps the mask with fresh weights; shuffle and random-prune keep the ticket's init
 * weights (regenerated from the seed, unpruned) and each layer's number of kept weights, at other positions.
 */
function pruneAtInitSpec(m: PruneAtInitMethod, kind: RunKind, src: StateSource): RoundSpec {
  if (kind === 'prune-at-init') {
    const { kind: _kind, controls: _controls, ...atInit } = m;
    return { round: 0, weights: { kind: 'seed', stream: 'init' }, mask: { kind: 'at-init', ...atInit } };
  }
  const ticket = masksOf(src.parent(0, 'trained'));
  const init = { kind: 'seed', stream: 'init' } as const;
  switch (kind) {
    case 'reinit':
      return { round: 0, weights: { kind: 'seed', stream: 'reinit' }, mask: { kind: 'given', masks: ticket } };
    case 'shuffle':
      return { round: 0, weights: init, mask: { kind: 'shuffle', of: ticket, stream: 'shuffle/round0' } };
    case 'random-prune':
      return {
        round: 0,
        weights: init,
        mask: { kind: 'random-prune', from: ticket.map((t) => new Uint8Array(t.length).fill(1)), keep: ticket.map(countKept), stream: 'random-prune/round0' },
      };
    default:
      throw new Error(`run kind ${kind} does not belong to method prune-at-init`);
  }
}
