// The dog report (contract method reportDog, `ticketscope report dog`): finds each seed's states of an experiment (and
// of the experiments given with it: a supermask, random features), runs the cached analyses on them (selectivity,
// ablation of the best unit, faithfulness at the budget, mask overlap) and puts them together with the verdict
// (shared/dog-report.ts). A supermask adds its two baselines on the same frozen weights: unmasked (`dense-init`) and
// under the initial scores' random mask (round-0 `init`). Not cached itself: every part is.
import type { AnalysisMethodName, AnalysisMethods, ListStatesParams, StateInfo } from '../../shared/analysis';
import { CAUSAL_DEFAULTS } from '../../shared/causal';
import {
  MIN_SPAN,
  REPORT_DEFAULTS,
  STAGE_LABELS,
  STAGES,
  dogVerdict,
  interval,
  seedInterval,
  type DogReport,
  type OverlapSummary,
  type ReportDogParams,
  type SeedStage,
  type Stage,
  type StageSummary,
} from '../../shared/dog-report';
import { NotFoundError } from '../../shared/errors';
import type { ExperimentConfig } from '../../shared/config';
import type { CallContext } from './requests';

export interface ReportDeps {
  run<M extends AnalysisMethodName>(method: M, p: AnalysisMethods[M]['params'], ctx?: CallContext): Promise<AnalysisMethods[M]['result']>;
  listStates(p: ListStatesParams): StateInfo[];
  config(experimentId: string): ExperimentConfig;
}

interface Found {
  stage: Stage;
  source: string;
  state: StateInfo;
}

/** The states of each stage in one experiment's runs (the method runs; controls and imports are not stages). */
function stagesOf(states: StateInfo[], config: ExperimentConfig): Found[] {
  const byRun = new Map<string, StateInfo[]>();
  for (const s of states) byRun.set(s.runId, [...(byRun.get(s.runId) ?? []), s]);
  const out: Found[] = [];
  const method = config.method as { kind: string } & Record<string, unknown>;
  for (const list of byRun.values()) {
    const kind = list[0]!.kind;
    const last = Math.max(...list.map((s) => s.round));
    const pick = (round: number, which: StateInfo['which']) => list.find((s) => s.round === round && s.which === which);
    const add = (stage: Stage, source: string, s: StateInfo | undefined) => s && out.push({ stage, source, state: s });
    if (kind === 'imp' || kind === 'one-shot' || kind === 'prune-at-init' || kind === 'dense') {
      add('init', `${kind} round 0`, pick(0, 'init'));
      if (last > 0) add('ticket-at-init', `${kind} round ${last}`, pick(last, 'ticket-at-init'));
      add('trained', `${kind} round ${last}`, pick(last, 'trained'));
    } else if (kind === 'supermask') {
      // A one-vs-rest supermask (shared/objective.ts) is class-specific; it is reported for the class it was trained for.
      const objective = method.objective as { kind: string; class?: string | number } | undefined;
      const specific = objective?.kind === 'one-vs-rest' ? ` (class-specific: one-vs-rest for ${String(objective.class)})` : '';
      // Its baselines on the same frozen weights: every weight kept, and the initial scores' random mask.
      add('supermask-dense-init', `supermask${specific} init, unmasked`, pick(0, 'dense-init'));
      add('supermask-initial-mask', `supermask${specific} round 0 init`, pick(0, 'init'));
      add('supermask', `supermask${specific} round ${last}`, pick(last, 'trained'));
    } else if (kind === 'random-features') add('random-features', `random-features round ${last}`, pick(last, 'trained'));
  }
  return out;
}

async function seedStage(deps: ReportDeps, f: Found, p: ReportDogParams, ctx: CallContext | undefined): Promise<SeedStage> {
  const permutations = p.permutations ?? REPORT_DEFAULTS.permutations;
  const evaluation = p.evaluation ?? REPORT_DEFAULTS.evaluation;
  const budget = p.budget ?? REPORT_DEFAULTS.budget;
  const cls = p.class !== undefined ? { class: p.class } : {};
  const ref = f.state.ref;
  const sel = await deps.run('analyzeSelectivity', { states: [ref], ...cls, permutations, probe: false, ...(p.limit !== undefined ? { limit: p.limit } : {}) }, ctx);
  const st = sel.states[0]!;
  // Hidden layers only: the output layer's units are the logits themselves.
  const pairs = st.layers.slice(0, -1).flatMap((l) => l.pools.map((pool) => ({ l, pool })));
  const top = pairs.reduce((a, b) => (b.pool.best.auroc > a.pool.best.auroc ? b : a));
  const m = pairs.length;
  const abl = await deps.run('analyzeAblate', { state: ref, ...cls, layer: top.l.layer, units: [top.pool.best.unit], evaluation }, ctx);
  const faith = await deps.run('analyzeFaithfulness', { state: ref, ...cls, evaluation, budget, points: 8 }, ctx);
  const span = faith.full - faith.empty;
  const ok = Math.abs(span) >= MIN_SPAN;
  const nullMean = top.pool.nullBest.length ? top.pool.nullBest.reduce((a, b) => a + b, 0) / top.pool.nullBest.length : NaN;
  return {
    seed: f.state.seed,
    state: f.state,
    best: { layer: top.l.layer, pooling: top.pool.pooling, unit: top.pool.best.unit, auroc: top.pool.best.auroc },
    pValue: Math.min(1, top.pool.pValue * m),
    pFloor: Math.min(1, m / (1 + permutations)),
    nullMean,
    accuracy: st.accuracy,
    objectiveAccuracy: st.objectiveAccuracy ?? null,
    ablation: {
      targetLogitDrop: abl.targetLogitDrop,
      otherLogitDrop: abl.otherLogitDrop,
      fraction: ok ? abl.targetLogitDrop / span : null,
      targetAccuracy: abl.targetAccuracy,
    },
    faithfulness: { edges: faith.budget?.edges ?? budget, faithfulness: ok ? (faith.budget?.faithfulness ?? null) : null, completeness: ok ? (faith.budget?.completeness ?? null) : null },
    span,
  };
}

/** Pairwise overlap statistics as intervals over the pairs. */
function overlapSummary(what: string, pairs: { jaccard: number | null; expectedJaccard: number | null; jaccardRatio: number | null }[]): OverlapSummary {
  return { what, jaccard: interval(pairs.map((x) => x.jaccard)), chance: interval(pairs.map((x) => x.expectedJaccard)), ratio: interval(pairs.map((x) => x.jaccardRatio)) };
}

export async function dogReport(deps: ReportDeps, p: ReportDogParams, ctx?: CallContext): Promise<DogReport> {
  const ids = [p.experimentId, ...(p.with ?? [])];
  const found: Found[] = [];
  let head: StateInfo | undefined;
  for (const id of ids) {
    const states = deps.listStates({ experimentId: id }).filter((s) => s.hasWeights || s.which === 'mask');
    if (!states.length) throw new NotFoundError(`experiment ${id} has no stored states`);
    head ??= states[0];
    found.push(...stagesOf(states, deps.config(id)));
  }
  const alpha = 0.05;
  const budget = p.budget ?? REPORT_DEFAULTS.budget;
  const stages: StageSummary[] = [];
  let cls: DogReport['class'] | undefined;
  for (const stage of STAGES) {
    const here = found.filter((f) => f.stage === stage).sort((a, b) => a.state.seed - b.state.seed);
    if (!here.length) continue;
    const seeds: SeedStage[] = [];
    for (const f of here) seeds.push(await seedStage(deps, f, p, ctx));
    cls ??= (await deps.run('analyzeAblate', { state: here[0]!.state.ref, ...(p.class !== undefined ? { class: p.class } : {}), layer: seeds[0]!.best.layer, units: [seeds[0]!.best.unit], evaluation: p.evaluation ?? REPORT_DEFAULTS.evaluation }, ctx)).class;
    stages.push({
      stage,
      label: STAGE_LABELS[stage],
      source: [...new Set(here.map((f) => f.source))].join(', '),
      seeds,
      auroc: seedInterval(seeds, (s) => s.best.auroc, [0, 1]),
      fraction: seedInterval(seeds, (s) => s.ablation.fraction),
      faithfulness: seedInterval(seeds, (s) => s.faithfulness.faithfulness),
      significant: seeds.filter((s) => s.pValue < alpha).length,
    });
  }
  const overlaps: OverlapSummary[] = [];
  const maskOf = (f: Found) => `${f.state.runId}:${f.state.round}:mask`;
  const tickets = found.filter((f) => f.stage === 'ticket-at-init');
  if (tickets.length >= 2) {
    const m = await deps.run('analyzeOverlapMatrix', { states: tickets.map(maskOf) }, ctx);
    const pairs = tickets.flatMap((_, i) => tickets.slice(i + 1).map((__, k) => ({ jaccard: m.jaccard[i]![i + 1 + k]!, expectedJaccard: m.expectedJaccard[i]![i + 1 + k]!, jaccardRatio: m.jaccardRatio[i]![i + 1 + k]! })));
    overlaps.push(overlapSummary(`ticket masks across ${tickets.length} seeds`, pairs));
  }
  const supermasks = found.filter((f) => f.stage === 'supermask');
  const versus = tickets.flatMap((t) => supermasks.filter((s) => s.state.seed === t.state.seed).map((s) => [t, s] as const));
  if (versus.length) {
    const pairs = [];
    for (const [t, s] of versus) pairs.push((await deps.run('analyzeOverlap', { a: maskOf(t), b: maskOf(s) }, ctx)).overall);
    overlaps.push(overlapSummary(`ticket vs supermask, same seed (${versus.length} seed${versus.length > 1 ? 's' : ''})`, pairs));
  }
  const missing = (['init', 'ticket-at-init', 'supermask', 'trained', 'random-features'] as Stage[])
    .filter((s) => !stages.some((x) => x.stage === s))
    .map((s) => `${STAGE_LABELS[s]}: no ${s === 'supermask' || s === 'random-features' ? `${s} run (add its experiment with --with EXPERIMENT)` : 'such state in these experiments'}`);
  if (!stages.length || !cls || !head) throw new NotFoundError(`experiment ${p.experimentId} has no run the report can read (imp, one-shot, prune-at-init, dense, supermask or random-features)`);
  const settings = { permutations: p.permutations ?? REPORT_DEFAULTS.permutations, images: p.limit ?? null, ablation: CAUSAL_DEFAULTS.ablation, evaluation: p.evaluation ?? REPORT_DEFAULTS.evaluation, budget, alpha };
  const body = { experiment: { id: p.experimentId, name: head.experimentName, dataset: head.dataset, arch: head.arch }, class: cls, settings, stages, overlaps, missing };
  return { ...body, verdict: dogVerdict(body), createdAt: new Date().toISOString() };
}
