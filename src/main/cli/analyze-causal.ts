// `ticketscope analyze ablate|faithfulness` (issue #12): the causal analyses through the contract (cached): their
// plan from the command line and their readable summaries (their options and help: analyze-causal-spec.ts).
import type { StateInfo } from '../../shared/analysis';
import type { AblationResult, FaithfulnessResult, LayerScanResult } from '../../shared/causal';
import type { Api, Params } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import { flag, int, text, type ParsedArgs } from './args';
import { pct, table } from './format';

export type CausalRequest =
  | { method: 'analyzeAblate'; params: Params<'analyzeAblate'> }
  | { method: 'analyzeAblationScan'; params: Params<'analyzeAblationScan'> }
  | { method: 'analyzeFaithfulness'; params: Params<'analyzeFaithfulness'> };

export type CausalOutcome =
  | { method: 'analyzeAblate'; result: AblationResult }
  | { method: 'analyzeAblationScan'; result: LayerScanResult }
  | { method: 'analyzeFaithfulness'; result: FaithfulnessResult };

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

/** The contract call of `analyze ablate|faithfulness`, or null for another kind. Usage errors throw at once. */
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
  return null;
}

export async function executeCausal(api: Api, q: CausalRequest): Promise<CausalOutcome> {
  switch (q.method) {
    case 'analyzeAblate':
      return { method: q.method, result: await api.analyzeAblate(q.params) };
    case 'analyzeAblationScan':
      return { method: q.method, result: await api.analyzeAblationScan(q.params) };
    case 'analyzeFaithfulness':
      return { method: q.method, result: await api.analyzeFaithfulness(q.params) };
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

export function causalSummary(o: CausalOutcome): string[] {
  switch (o.method) {
    case 'analyzeAblate':
      return ablate(o.result);
    case 'analyzeAblationScan':
      return scanSummary(o.result);
    case 'analyzeFaithfulness':
      return faithfulness(o.result);
  }
}
