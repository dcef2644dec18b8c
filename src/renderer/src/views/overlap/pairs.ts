// Which two states the mask overlap view opens with: a state the route names (or a run's last round), else a
// pruning-at-init mask against the IMP ticket of the nearest density, else the first and last pruned round of a
// pruning run, else any two. Pure functions over the stored states.
import type { StateInfo } from '../../../../shared/analysis';

const PRUNING = new Set(['imp', 'one-shot', 'prune-at-init', 'supermask']);

/** The state of (run, round) to use for a pick: trained when it exists (sign agreement needs weights), else its mask. */
function stateOf(states: StateInfo[], runId: string, round: number): StateInfo | undefined {
  const here = states.filter((s) => s.runId === runId && s.round === round);
  return here.find((s) => s.which === 'trained') ?? here.find((s) => s.which === 'mask') ?? here[0];
}

function roundsOf(states: StateInfo[], runId: string): number[] {
  return [...new Set(states.filter((s) => s.runId === runId).map((s) => s.round))].sort((x, y) => x - y);
}

/**
 * Sensible first pair: a state named by the route (a ref, or a run id: its last round); else a pruning-at-init mask
 * against the IMP ticket of the nearest density on the same network and data; else the first and the last pruned
 * round of the first IMP (or other pruning) run; else any two states.
 */
export function defaultPair(states: StateInfo[], arg: string | null): [string, string] | null {
  if (states.length < 2) return null;
  const named = arg ? (states.find((s) => s.ref === arg) ?? (states.some((s) => s.runId === arg) ? stateOf(states, arg, Math.max(...roundsOf(states, arg))) : undefined)) : undefined;
  const lastOf = (runId: string) => stateOf(states, runId, Math.max(...roundsOf(states, runId)))!;
  if (named) {
    const rounds = roundsOf(states, named.runId).filter((r) => r !== named.round && r > 0);
    const other = rounds.length ? stateOf(states, named.runId, rounds[0]!)! : states.find((s) => s.runId !== named.runId)!;
    return [named.ref, other.ref];
  }
  const pai = states.find((s) => s.kind === 'prune-at-init' && (s.which === 'mask' || s.which === 'trained'));
  if (pai) {
    const imp = states.filter((s) => s.kind === 'imp' && s.arch === pai.arch && s.dataset === pai.dataset && s.round > 0 && s.which === 'trained');
    if (imp.length) {
      const near = imp.reduce((best, s) => (Math.abs(Math.log(s.density / pai.density)) < Math.abs(Math.log(best.density / pai.density)) ? s : best));
      return [lastOf(pai.runId).ref, near.ref];
    }
  }
  const run = states.find((s) => s.kind === 'imp') ?? states.find((s) => PRUNING.has(s.kind));
  if (run) {
    const rounds = roundsOf(states, run.runId).filter((r) => r > 0);
    if (rounds.length >= 2) return [stateOf(states, run.runId, rounds[0]!)!.ref, stateOf(states, run.runId, rounds[rounds.length - 1]!)!.ref];
    if (rounds.length === 1) {
      const a = stateOf(states, run.runId, rounds[0]!)!;
      const b = states.find((s) => s.runId !== a.runId && s.round === a.round && s.arch === a.arch) ?? stateOf(states, run.runId, 0);
      if (b) return [a.ref, b.ref];
    }
  }
  const masks = states.filter((s) => s.which === 'mask');
  const pool = masks.length >= 2 ? masks : states;
  return [pool[0]!.ref, pool[pool.length - 1]!.ref];
}
