// Experiment planning: which runs an experiment has, when each run's next round is ready, and what that round
// starts from. Pure over a `StateSource`, so it is the same for a fresh start and for a resume.
import { controlRoundsOf, type ExperimentConfig, type PruneAtInitMethod, type RunKind, type SupermaskMethod } from '../../shared/config';
import type { NetState, StateKind } from '../../shared/tensors';
import type { InitKind } from '../engine/init';
import type { RoundSpec } from '../engine/rounds';
import { countKept } from '../engine/prune';

export interface PlannedRun {
  kind: RunKind;
  /**
   * The rounds the run trains, in order. Controls start at round 1 (round 0 is the dense training they share with
   * the ticket); an IMP experiment's `controlRounds` may leave rounds out.
   */
  rounds: number[];
  isControl: boolean;
}

/**
 * The ticket (the method's own run) trains round 0 (dense, or pruned at init for `prune-at-init`) and, for IMP, each
 * pruning round 1 .. rounds, for one-shot its pruning round 1; each control trains the rounds `controlRoundsOf`
 * gives, paired with the ticket's same round.
 */
export function planRuns(config: ExperimentConfig): PlannedRun[] {
  const m = config.method;
  const ticket = m.kind === 'imp' ? Array.from({ length: m.rounds + 1 }, (_, i) => i) : m.kind === 'one-shot' ? [0, 1] : [0];
  const controls = 'controls' in m ? m.controls : [];
  return [
    { kind: m.kind, rounds: ticket, isControl: false },
    ...controls.map((c) => ({ kind: c, rounds: controlRoundsOf(m), isControl: true })),
  ];
}

/**
 * The rounds a stored run trains: its kind's planned rounds, or, for a run no plan has (an imported snapshot),
 * the `roundsTotal` consecutive rounds from `firstRound` the store holds.
 */
export function plannedRounds(config: ExperimentConfig, kind: RunKind, stored: { firstRound: number; roundsTotal: number }): number[] {
  const planned = planRuns(config).find((p) => p.kind === kind);
  return planned ? planned.rounds : Array.from({ length: stored.roundsTotal }, (_, i) => stored.firstRound + i);
}

/** The weight init a supermask trains on: `signed-constant` is each algorithm's own paper's constant. */
export function supermaskInit(m: Pick<SupermaskMethod, 'algorithm' | 'weightInit'>): InitKind {
  if (m.weightInit === 'signed-constant') return m.algorithm === 'bernoulli' ? 'signed-glorot-constant' : 'signed-kaiming-constant';
  return m.weightInit;
}

export interface RunRounds {
  /** The rounds the run trains, strictly increasing (not necessarily consecutive). */
  rounds: readonly number[];
  committed: readonly number[];
}

/** The next round a run has to train, or null when every round is committed. */
export function nextRound(r: RunRounds): number | null {
  const done = new Set(r.committed);
  return r.rounds.find((round) => !done.has(round)) ?? null;
}

/**
 * A run's round is ready when its own previous round (the one before it in its list) is committed and, for a
 * control, its parent's same round.
 */
export function isReady(round: number, own: RunRounds, parent: RunRounds | null): boolean {
  const i = own.rounds.indexOf(round);
  if (i < 0 || (i > 0 && !own.committed.includes(own.rounds[i - 1]!))) return false;
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
      // Nested: the control's own previous round (with controlRounds, its previous chosen round) is pruned further
      // to the ticket's per-layer counts; its first round starts from the ticket's dense round 0.
      const rounds = controlRoundsOf(m);
      const i = rounds.indexOf(round);
      if (i < 0) throw new Error(`random-prune does not train round ${round}: its rounds are ${rounds.join(', ')}`);
      const from = i === 0 ? masksOf(src.parent(0, 'trained')) : masksOf(src.own(rounds[i - 1]!, 'trained'));
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
