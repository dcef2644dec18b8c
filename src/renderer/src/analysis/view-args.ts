// Route arguments of the analysis views. A route argument must match /^[A-Za-z0-9_.-]{1,100}$/ (app/routes.ts), so a
// state's canonical reference RUN:ROUND:WHICH (shared/refs.ts) travels with dots: `RUN.ROUND.WHICH`; a unit adds its
// layer, index and class: `RUN.ROUND.WHICH.LAYER.UNIT[.CLASS]`, e.g. `r29b4b9c345.3.trained.conv2.17.5`. Run ids never
// contain dots. A bare run id is accepted too (the view then picks that run's states), and so is a reference written
// with colons.
import type { StateInfo } from '../../../shared/analysis';
import { canonicalRef, isId, parseCanonicalRef, type Which } from '../../../shared/refs';
import { defaultRunId } from './route-defaults';

export interface ParsedArg {
  runId: string;
  round: number | null;
  which: Which | null;
  layer: string | null;
  unit: number | null;
  classIndex: number | null;
}

const LAYER = /^[a-z]+\d{1,2}$/;
const INT = /^\d{1,6}$/;

/** The state reference (RUN:ROUND:WHICH) as a route argument. */
export function stateArg(ref: string): string {
  return ref.split(':').join('.');
}

/** A unit of a state as a route argument for the activation maps view. */
export function unitArg(ref: string, layer: string, unit: number, classIndex?: number | null): string {
  return [stateArg(ref), layer, String(unit), ...(classIndex === undefined || classIndex === null ? [] : [String(classIndex)])].join('.');
}

/** Parses what stateArg / unitArg wrote (or a bare run id, or RUN:ROUND:WHICH); null for anything else. */
export function parseViewArg(arg: string | null | undefined): ParsedArg | null {
  if (!arg) return null;
  const parts = arg.split(/[.:]/);
  const [runId, , , layer, unit, cls] = parts;
  if (!runId || !isId(runId) || parts.length > 6) return null;
  const out: ParsedArg = { runId, round: null, which: null, layer: null, unit: null, classIndex: null };
  if (parts.length === 1) return out;
  const ref = parseCanonicalRef(parts.slice(0, 3).join('.'), '.');
  if (!ref) return null;
  out.round = ref.round;
  out.which = ref.which;
  if (layer === undefined) return out;
  if (!LAYER.test(layer) || !unit || !INT.test(unit)) return null;
  out.layer = layer;
  out.unit = Number(unit);
  if (cls !== undefined) {
    if (!INT.test(cls)) return null;
    out.classIndex = Number(cls);
  }
  return out;
}

/** The state reference an argument names, or null when it names only a run. */
export function refOfArg(p: ParsedArg | null): string | null {
  return p && p.round !== null && p.which ? canonicalRef(p.runId, p.round, p.which) : null;
}

/**
 * The comparison the lottery-ticket question asks for, from the states of one run: the random init (round 0, dense),
 * the ticket at init (round R's mask on those weights), the trained ticket (round R) and the trained dense net
 * (round 0). R is `round` when given, else the run's last round. Only states with weights, at most 4, in that order.
 * A run whose round 0 is already masked (a supermask, pruning at init: it lists a `dense-init`) compares instead the
 * unmasked init, the round-0 `init` (for a supermask the initial scores' mask: a random mask of the same per-layer
 * densities), the learned mask on those weights (`trained`), and a trained network of the same architecture and
 * data set from another run (the newest dense or IMP round 0), when there is one.
 */
export function comparisonStates(states: StateInfo[], runId: string, round?: number | null): StateInfo[] {
  const mine = states.filter((s) => s.runId === runId && s.hasWeights);
  if (!mine.length) return [];
  const last = round ?? Math.max(...mine.map((s) => s.round));
  const find = (r: number, w: Which) => mine.find((s) => s.round === r && s.which === w);
  const dense = find(0, 'dense-init');
  const picks = dense
    ? [dense, find(0, 'init'), find(last, 'trained'), trainedElsewhere(states, dense)]
    : [find(0, 'init'), find(last, 'ticket-at-init'), find(last, 'trained'), last > 0 ? find(0, 'trained') : undefined];
  const out: StateInfo[] = [];
  for (const p of picks) if (p && !out.some((o) => o.ref === p.ref)) out.push(p);
  if (!out.length) out.push(...mine.slice(-1));
  return out.slice(0, 4);
}

/** The newest trained dense network (round 0 of a dense, IMP or one-shot run) of `like`'s architecture and data set. */
function trainedElsewhere(states: StateInfo[], like: StateInfo): StateInfo | undefined {
  const ok = (s: StateInfo) => s.runId !== like.runId && s.round === 0 && s.which === 'trained' && s.hasWeights && s.arch === like.arch && s.dataset === like.dataset;
  return states.filter((s) => ok(s) && TRAINED_KINDS.has(s.kind)).at(-1);
}

const TRAINED_KINDS = new Set(['dense', 'imp', 'one-shot']);

/** `comparisonStates` with `ref` kept (first when it is not among them), at most `max`. */
export function comparisonWith(states: StateInfo[], ref: string, max = 4): string[] {
  const s = states.find((x) => x.ref === ref);
  if (!s) return [ref];
  const list = comparisonStates(states, s.runId, s.round).map((x) => x.ref);
  return (list.includes(ref) ? list : [ref, ...list]).slice(0, max);
}

/**
 * The states a comparison view opens with for its route argument: the referenced state with its run's comparison
 * states, or a run's comparison states; with neither (and nothing picked yet), the default run's (route-defaults.ts:
 * the newest run with a ticket at init). Empty when there is nothing to change.
 */
export function statesForArg(states: StateInfo[], parsed: ParsedArg | null, pickedCount: number, max = 4): string[] {
  const ref = refOfArg(parsed);
  let next: string[] = [];
  if (ref && states.some((s) => s.ref === ref && s.hasWeights)) next = comparisonWith(states, ref, max);
  else if (parsed) next = comparisonStates(states, parsed.runId).map((s) => s.ref);
  if (!next.length && !pickedCount) {
    const runId = defaultRunId(states);
    if (runId) next = comparisonStates(states, runId).map((s) => s.ref);
  }
  return next;
}
