// `ticketscope analyze ablate|faithfulness|circuit` (issue #12): the causal analyses through the contract (cached):
// their plan from the command line and their readable summaries (their options and help: analyze-causal-spec.ts).
import { readFileSync, statSync } from 'node:fs';
import type { StateInfo } from '../../shared/analysis';
import type { AblationResult, CircuitScoreResult, FaithfulnessResult, LayerScanResult } from '../../shared/causal';
import { parsePinnedCircuit, PINNED_CIRCUIT_FORMAT, type PinnedCircuitFile } from '../../shared/pinned-circuit';
import { targetProblem, writeFileAtomic } from '../atomic-file';
import type { Api, Params } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import { flag, int, text, type ParsedArgs } from './args';
import { pct, table } from './format';

export type CausalRequest =
  | { method: 'analyzeAblate'; params: Params<'analyzeAblate'> }
  | { method: 'analyzeAblationScan'; params: Params<'analyzeAblationScan'> }
  | { method: 'analyzeFaithfulness'; params: Params<'analyzeFaithfulness'> }
  | { method: 'analyzeCircuit'; params: Params<'analyzeCircuit'> };

export type CausalOutcome =
  | { method: 'analyzeAblate'; result: AblationResult }
  | { method: 'analyzeAblationScan'; result: LayerScanResult }
  | { method: 'analyzeFaithfulness'; result: FaithfulnessResult }
  | { method: 'analyzeCircuit'; result: CircuitScoreResult };

const given = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function parseUnits(s: string): number[] | 'all' {
  if (s === 'all') return 'all';
  const parts = s.split(',').map((x) => x.trim());
  if (!parts.every((x) => /^\d+$/.test(x))) throw new ValidationError(`--units ${s}: expected comma-separated unit indices (3,17) or all`);
  return [...new Set(parts.map(Number))];
}

function common(args: ParsedArgs, cls: number): Omit<Params<'analyzeFaithfulness'>, 'state'> {
  return given({
    class: cls,
    ablation: text(args, 'ablation') as Params<'analyzeAblate'>['ablation'],
    convMean: text(args, 'conv-mean') as Params<'analyzeAblate'>['convMean'],
    reference: int(args, 'reference'),
    evaluation: int(args, 'evaluation'),
    seed: int(args, 'seed'),
  });
}

/** A pinned-circuit file (docs/formats.md) from the command line: read and checked at once, one line if it is not one. */
export function readCircuitFile(path: string): PinnedCircuitFile {
  let text: string;
  try {
    if (statSync(path).size > 50_000_000) throw new Error('over 50 MB');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((e as Error).message.split('\n')[0] ?? 'unreadable');
    throw new ValidationError(`--circuit ${path}: ${why}`);
  }
  return parsePinnedCircuit(text, `--circuit ${path}`);
}

/** The contract call of `analyze ablate|faithfulness|circuit`, or null for another kind. Usage errors throw at once. */
export function planCausal(kind: string, args: ParsedArgs, classIndex: (api: Api, first: string) => Promise<number>): ((api: Api) => Promise<CausalRequest>) | null {
  const pos = args.positional;
  if (kind === 'ablate') {
    if (pos.length !== 1) throw new ValidationError('analyze ablate needs exactly one STATE');
    const layer = text(args, 'layer');
    const unitsText = text(args, 'units');
    const scan = flag(args, 'scan');
    if (layer === undefined) throw new ValidationError('analyze ablate needs --layer L (and --units LIST or --scan)');
    if (scan === (unitsText !== undefined)) throw new ValidationError('analyze ablate needs either --units LIST|all or --scan');
    const units = unitsText !== undefined ? parseUnits(unitsText) : undefined;
    return async (api) => {
      const base = { state: pos[0]!, ...common(args, await classIndex(api, pos[0]!)), layer };
      return scan ? { method: 'analyzeAblationScan', params: base } : { method: 'analyzeAblate', params: { ...base, units: units! } };
    };
  }
  if (kind === 'faithfulness') {
    if (pos.length !== 1) throw new ValidationError('analyze faithfulness needs exactly one STATE');
    const out = text(args, 'circuit-out');
    if (out !== undefined && int(args, 'budget') === undefined) throw new ValidationError('--circuit-out FILE needs --budget N (the circuit written is the budget\'s first N weights)');
    const problem = out === undefined ? null : targetProblem(out);
    if (problem) throw new ValidationError(`--circuit-out ${out}: ${problem}`);
    return async (api) => ({
      method: 'analyzeFaithfulness',
      params: given({
        state: pos[0]!,
        ...common(args, await classIndex(api, pos[0]!)),
        metric: text(args, 'metric') as Params<'analyzeFaithfulness'>['metric'],
        points: int(args, 'points'),
        attribution: int(args, 'attribution'),
        budget: int(args, 'budget'),
      }),
    });
  }
  if (kind === 'circuit') {
    if (pos.length !== 1) throw new ValidationError('analyze circuit needs exactly one STATE');
    const path = text(args, 'circuit');
    if (path === undefined) throw new ValidationError('analyze circuit needs --circuit FILE.json (a pinned circuit, as the Subcircuit view exports it)');
    const file = readCircuitFile(path);
    return async (api) => {
      // Without --class, the class the circuit was pinned for.
      const cls = text(args, 'class') === undefined && file.class ? file.class.index : await classIndex(api, pos[0]!);
      return {
        method: 'analyzeCircuit',
        params: given({ state: pos[0]!, ...common(args, cls), metric: text(args, 'metric') as Params<'analyzeCircuit'>['metric'], circuit: file.circuit }),
      };
    };
  }
  return null;
}

/** `analyze faithfulness --budget N --circuit-out FILE`: the budget's circuit as a pinned-circuit file (written whole or not at all). */
export function writeCausalFiles(args: ParsedArgs, o: CausalOutcome): void {
  const out = text(args, 'circuit-out');
  if (out === undefined || o.method !== 'analyzeFaithfulness') return;
  const r = o.result;
  if (!r.budgetCircuit) throw new ValidationError(`--circuit-out: ${r.budgetCircuit === null ? `a budget over 50,000 weights (${r.budget?.edges}) does not fit a circuit file` : 'this cached result predates circuit export: change a parameter (e.g. --seed) to recompute'}`);
  const file = { format: PINNED_CIRCUIT_FORMAT, state: r.state.ref, class: r.class, circuit: r.budgetCircuit };
  writeFileAtomic(out, `${JSON.stringify(file, null, 2)}\n`);
}

export async function executeCausal(api: Api, q: CausalRequest): Promise<CausalOutcome> {
  switch (q.method) {
    case 'analyzeAblate':
      return { method: q.method, result: await api.analyzeAblate(q.params) };
    case 'analyzeAblationScan':
      return { method: q.method, result: await api.analyzeAblationScan(q.params) };
    case 'analyzeFaithfulness':
      return { method: q.method, result: await api.analyzeFaithfulness(q.params) };
    case 'analyzeCircuit':
      return { method: q.method, result: await api.analyzeCircuit(q.params) };
  }
}

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const head = (s: StateInfo, r: { class: { name: string; index: number }; ablation: string }, images: string) =>
  `${s.label} [${s.ref}]; class ${r.class.name} (${r.class.index}); ${r.ablation} ablation; ${images}`;
const counts = (i: { class: number; other: number; reference: number }) => `${i.class} class and ${i.other} other test images, ${i.reference} reference images`;

function ablate(r: AblationResult): string[] {
  const what = r.layer ? `${r.units.length} unit(s) of ${r.layer}${r.units.length <= 12 ? ` (${r.units.join(', ')})` : ''}` : 'no unit';
  return [
    head(r.state, r, counts(r.images)),
    `ablated ${what}${r.edges ? ` and ${r.edges} edges` : ''}`,
    table(
      ['MEASURE', 'BEFORE', 'AFTER', 'DROP'],
      [
        [`${r.class.name} logit (its images)`, f(r.targetLogit.before), f(r.targetLogit.after), f(r.targetLogitDrop)],
        ['own-label logit (other images)', '', '', f(r.otherLogitDrop)],
        [`${r.class.name} accuracy`, pct(r.targetAccuracy.before), pct(r.targetAccuracy.after), pct(r.targetAccuracy.before - r.targetAccuracy.after)],
        ['accuracy (all images)', pct(r.accuracy.before), pct(r.accuracy.after), pct(r.accuracy.before - r.accuracy.after)],
      ],
    ),
    'DROP: before minus after (positive: the ablation lowered it).',
  ];
}

function scanSummary(r: LayerScanResult): string[] {
  const top = [...r.units].sort((a, b) => b.targetLogitDrop - a.targetLogitDrop).slice(0, 10);
  return [
    head(r.state, r, counts(r.images)),
    `${r.units.length} units of ${r.layer}, each ablated alone; before: ${r.class.name} accuracy ${pct(r.before.targetAccuracy)}, accuracy ${pct(r.before.accuracy)}`,
    'The 10 units whose ablation lowers the class logit most:',
    table(['UNIT', `${r.class.name.toUpperCase()} LOGIT DROP`, 'OTHER LOGIT DROP', `${r.class.name.toUpperCase()} ACC AFTER`, 'ACC AFTER'], top.map((u) => [String(u.unit), f(u.targetLogitDrop), f(u.otherLogitDrop), pct(u.targetAccuracy), pct(u.accuracy)])),
  ];
}

function faithfulness(r: FaithfulnessResult): string[] {
  return [
    head(r.state, r, `${r.images.evaluation} class test images, ${r.images.reference} reference images`),
    `metric ${r.metric}: m(M) = ${f(r.full)} (whole net), m(empty) = ${f(r.empty)} (every edge ablated); ${r.edges} surviving weights; ranking over ${r.images.attribution} class training images`,
    table(['EDGES', 'FRACTION', 'FAITHFULNESS', 'COMPLETENESS'], r.points.map((p) => [String(p.edges), f(p.fraction, 4), f(p.faithfulness), f(p.completeness)])),
    ...(r.budget ? [`at the budget of ${r.budget.edges} edges: faithfulness ${f(r.budget.faithfulness)}, completeness ${f(r.budget.completeness)}`] : []),
    'faithfulness: 0 = no better than every edge ablated, 1 = the whole net; completeness: the same for the complement.',
  ];
}

function circuitScore(r: CircuitScoreResult): string[] {
  return [
    `${r.state.label} [${r.state.ref}]; class ${r.class.name} (${r.class.index}); ${r.ablation} ablation; metric ${r.metric}`,
    `the circuit: ${r.units} unit(s)${r.edges === null ? ' (no edges named: every edge kept)' : ` and ${r.edges} surviving weights`}`,
    table(
      ['MEASURE', 'VALUE'],
      [
        ['faithfulness', f(r.faithfulness)],
        ['completeness', f(r.completeness)],
        ['m(C), the circuit alone', f(r.circuit)],
        ['m(M \\ C), its complement', f(r.complement)],
        ['m(M), the whole net', f(r.full)],
        ['m(empty), everything ablated', f(r.empty)],
      ],
    ),
    'faithfulness (m(C) - m(empty)) / (m(M) - m(empty)): 0 = no better than everything ablated, 1 = the whole net; completeness: the same for the complement.',
  ];
}

export function causalSummary(o: CausalOutcome): string[] {
  switch (o.method) {
    case 'analyzeAblate':
      return ablate(o.result);
    case 'analyzeAblationScan':
      return scanSummary(o.result);
    case 'analyzeFaithfulness':
      return faithfulness(o.result);
    case 'analyzeCircuit':
      return circuitScore(o.result);
  }
}
