// Experiment planning: which runs an experiment has, when each run's next round is ready, and what that round
// starts from. Pure over a `StateSource`, so it is the same for a fresh start and for a resume.
import { controlRoundsOf, type ExperimentConfig, type MethodConfig, type RunKind } from '../../shared/config';
import type { NetState, StateKind } from '../../shared/tensors';
import type { RoundSpec } from '../engine/rounds';
import { METHODS, type MethodEntry } from './methods';

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
 * The ticket (the method's own run) trains the rounds its method's entry gives (methods.ts: round 0, dense or pruned
 * at init, then each pruning round); each control trains the rounds `controlRoundsOf` gives, paired with the
 * ticket's same round.
 */
export function planRuns(config: ExperimentConfig): PlannedRun[] {
  const m = config.method;
  const ticket = (METHODS[m.kind] as MethodEntry<MethodConfig>).ticketRounds(m);
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

/** The spec of a run's round, from its method's registry entry (methods.ts). */
export function buildSpec(config: ExperimentConfig, kind: RunKind, round: number, src: StateSource): RoundSpec {
  const m = config.method;
  return (METHODS[m.kind] as MethodEntry<MethodConfig>).spec(m, kind, round, src);
}
