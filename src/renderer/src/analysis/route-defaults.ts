// What an analysis view opens on when its route argument names nothing it can show, and what it says then (issue #15:
// a route is never ignored silently). The default is a comparison that answers the lottery-ticket question: the
// newest run that has a ticket at init (a method's own run, not a control), else the newest run with weights.
import type { StateInfo } from '../../../shared/analysis';
import { CONTROL_KINDS } from '../../../shared/config';
import { canonicalRef } from '../../../shared/refs';
import type { ParsedArg } from './view-args';

const CONTROLS: ReadonlySet<string> = new Set(CONTROL_KINDS);

/**
 * The run a view opens on without a usable route argument. listStates lists the oldest run first, so the newest is
 * found from the end: the newest method run with a `ticket-at-init` state, else the newest run with weights.
 */
export function defaultRunId(states: readonly StateInfo[]): string | null {
  let fallback: string | null = null;
  for (let i = states.length - 1; i >= 0; i--) {
    const s = states[i]!;
    if (!s.hasWeights) continue;
    if (s.which === 'ticket-at-init' && !CONTROLS.has(s.kind)) return s.runId;
    fallback ??= s.runId;
  }
  return fallback;
}

/**
 * Why the route argument cannot be shown as given (one clause), or null when it can (or there is none). `needWeights`:
 * the view analyses weights, so a mask-only state does not do.
 */
export function routeProblem(arg: string | null, parsed: ParsedArg | null, states: readonly StateInfo[], needWeights: boolean): string | null {
  if (!arg) return null;
  if (!parsed) return `“${arg}” in the address is not a run or a state (RUN, RUN.ROUND.WHICH)`;
  if (!states.some((s) => s.runId === parsed.runId)) return `run ${parsed.runId} is not in this database`;
  const ref = parsed.round !== null && parsed.which ? canonicalRef(parsed.runId, parsed.round, parsed.which) : null;
  if (ref) {
    const s = states.find((x) => x.ref === ref);
    if (!s) return `state ${ref} is not stored`;
    if (needWeights && !s.hasWeights) return `state ${ref} is a mask without weights, which this view cannot analyse`;
  } else if (needWeights && !states.some((s) => s.runId === parsed.runId && s.hasWeights)) {
    return `run ${parsed.runId} has no stored state with weights`;
  }
  return null;
}

/** States as the notice names them: per run, its experiment, id, network and data, then the states' labels. */
export function describeStates(states: readonly StateInfo[]): string {
  const runs = [...new Set(states.map((s) => s.runId))];
  return runs
    .map((runId) => {
      const mine = states.filter((s) => s.runId === runId);
      const f = mine[0]!;
      return `${f.experimentName} run ${runId} (${f.arch} on ${f.dataset}): ${mine.map((s) => s.label).join(', ')}`;
    })
    .join('; ');
}

/** The notice: what the address asked for, why it is not shown, and what is shown instead (empty: nothing). */
export function routeNoticeText(problem: string, shown: string): string {
  return `${problem[0]!.toUpperCase()}${problem.slice(1)}; ${shown ? `showing ${shown} instead` : 'pick a state below'}.`;
}
