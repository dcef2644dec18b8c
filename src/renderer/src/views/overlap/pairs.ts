// Which two states the mask overlap view opens with: a state the route names (or a run's last round), else the newest
// pruning-at-init mask against the IMP ticket of the nearest density, else the first and last pruned round of the
// newest pruning run, else any two. Pure functions over the stored states (listStates lists the oldest run first).
import type { StateInfo } from '../../../../shared/analysis';
import { parseViewArg, refOfArg } from '../../analysis/view-args';

const PRUNING = new Set(['imp', 'one-shot', 'prune-at-init', 'supermask']);

/** The state of (run, round) to use for a pick: trained when it exists (sign agreement needs weights), else its mask. */
function stateOf(states: StateInfo[], runId: string, round: number): StateInfo | undefined {
  const here = states.filter((s) => s.runId === runId && s.round === round);
  return here.find((s) => s.which === 'trained') ?? here.find((s) => s.which === 'mask') ?? here[0];
}

function roundsOf(states: StateInfo[], runId: string): number[] {
  return [...new Set(states.filter((s) => s.runId === runId).map((s) => s.round))].sort((x, y) => x - y);
}

const lastOf = (states: StateInfo[], runId: string) => stateOf(states, runId, Math.max(...roundsOf(states, runId)));

/** The state a route argument names: the state itself (RUN.ROUND.WHICH or RUN:ROUND:WHICH), or its run's last round. */
export function namedState(states: StateInfo[], arg: string | null): StateInfo | undefined {
  const parsed = parseViewArg(arg);
  if (!parsed) return undefined;
  const ref = refOfArg(parsed);
  return (ref ? states.find((s) => s.ref === ref) : undefined) ?? (states.some((s) => s.runId === parsed.runId) ? lastOf(states, parsed.runId) : undefined);
}

/**
 * What to compare `a` with: its run's first pruned round other than its own; else another run's state at the same
 * round on the same network and data (a control, another seed); else its run's dense round 0; else any other state.
 * Undefined only when `a` is the only state.
 */
export function partnerOf(states: StateInfo[], a: StateInfo): StateInfo | undefined {
  const rounds = roundsOf(states, a.runId).filter((r) => r !== a.round && r > 0);
  if (rounds.length) return stateOf(states, a.runId, rounds[0]!);
  return (
    states.find((s) => s.runId !== a.runId && s.round === a.round && s.arch === a.arch && s.dataset === a.dataset) ??
    (a.round !== 0 ? stateOf(states, a.runId, 0) : undefined) ??
    states.find((s) => s.ref !== a.ref && s.arch === a.arch) ??
    states.find((s) => s.ref !== a.ref)
  );
}

/**
 * The pair to show for the address `arg`: `current` while both its states are stored and it agrees with what `arg`
 * names (A is the named state, or a state of the named run), or `arg` names nothing stored (the view says so); else
 * defaultPair.
 */
export function pairForRoute(states: StateInfo[], current: [string, string] | null, arg: string | null): [string, string] | null {
  const stored = (ref: string) => states.some((s) => s.ref === ref);
  if (current && stored(current[0]) && stored(current[1])) {
    const named = namedState(states, arg);
    if (!named) return current;
    const namesState = refOfArg(parseViewArg(arg)) !== null;
    if (namesState ? current[0] === named.ref : states.find((s) => s.ref === current[0])?.runId === named.runId) return current;
  }
  return defaultPair(states, arg);
}

/**
 * Sensible first pair: a state named by the route (a ref, or a run id: its last round) against its partner; else the
 * newest pruning-at-init mask against the IMP ticket of the nearest density on the same network and data; else the
 * first and the last pruned round of the newest IMP (or other pruning) run; else the first and last mask, or state.
 */
export function defaultPair(states: StateInfo[], arg: string | null): [string, string] | null {
  if (states.length < 2) return null;
  const named = namedState(states, arg);
  if (named) {
    const other = partnerOf(states, named);
    if (other) return [named.ref, other.ref];
  }
  const pai = states.findLast((s) => s.kind === 'prune-at-init' && (s.which === 'mask' || s.which === 'trained'));
  if (pai) {
    const imp = states.filter((s) => s.kind === 'imp' && s.arch === pai.arch && s.dataset === pai.dataset && s.round > 0 && s.which === 'trained');
    if (imp.length) {
      const near = imp.reduce((best, s) => (Math.abs(Math.log(s.density / pai.density)) < Math.abs(Math.log(best.density / pai.density)) ? s : best));
      return [lastOf(states, pai.runId)!.ref, near.ref];
    }
  }
  const run = states.findLast((s) => s.kind === 'imp') ?? states.findLast((s) => PRUNING.has(s.kind));
  if (run) {
    const rounds = roundsOf(states, run.runId).filter((r) => r > 0);
    if (rounds.length >= 2) return [stateOf(states, run.runId, rounds[0]!)!.ref, stateOf(states, run.runId, rounds[rounds.length - 1]!)!.ref];
    if (rounds.length === 1) {
      const a = stateOf(states, run.runId, rounds[0]!)!;
      const b = partnerOf(states, a);
      if (b) return [a.ref, b.ref];
    }
  }
  const masks = states.filter((s) => s.which === 'mask');
  const pool = masks.length >= 2 ? masks : states;
  return [pool[0]!.ref, pool[pool.length - 1]!.ref];
}
