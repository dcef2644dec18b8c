// The dog report (issue #12): per seed and over seeds, the best unit's AUROC against the permutation null at each stage
// (init, ticket-at-init, supermask, trained, random features), what ablating that unit removes of the class logit,
// the class subcircuit's faithfulness at a fixed edge budget and the masks' overlap against chance; then a verdict in
// plain words that claims only what these statistics support. The core assembles it (core/dog-report.ts); this file
// holds its shape and the verdict, a pure function with its thresholds written out (VERDICT_RULES).
import { z } from 'zod';
import type { ClassRef, StateInfo } from './analysis';
import { experimentIdSchema } from './refs';

export const STAGES = ['init', 'ticket-at-init', 'supermask-dense-init', 'supermask-initial-mask', 'supermask', 'trained', 'random-features'] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_LABELS: Record<Stage, string> = {
  init: 'at init',
  'ticket-at-init': "the ticket's mask on the init weights",
  'supermask-dense-init': "the supermask's frozen init weights, unmasked (RUN:dense-init)",
  'supermask-initial-mask': "the supermask's init weights under its initial random mask of the same per-layer densities (RUN:0:init)",
  supermask: 'the supermask',
  trained: 'after training (the ticket, trained)',
  'random-features': 'random features (frozen layers, trained readout)',
};

/** One state of one seed: its best unit and what ablating it does. */
export interface SeedStage {
  seed: number;
  state: StateInfo;
  /** The unit of highest AUROC over every hidden layer and pooling. */
  best: { layer: string; pooling: 'mean' | 'max' | 'none'; unit: number; auroc: number };
  /** The layer's permutation p-value of its best unit, times the number of (layer, pooling) pairs searched (≤ 1). */
  pValue: number;
  /** The smallest corrected p-value the permutations can give: pairs searched / (1 + permutations), at most 1. */
  pFloor: number;
  /** Mean of the layer's null of the best AUROC. */
  nullMean: number;
  /** The state's accuracy on the selectivity images (10-way: every class's logit). */
  accuracy: number;
  /** A one-vs-rest state's own metric on those images: balanced accuracy of "class logit > 0", chance 0.5 (else null). */
  objectiveAccuracy?: number | null;
  ablation: {
    targetLogitDrop: number;
    otherLogitDrop: number | null;
    /**
     * targetLogitDrop / (m(M) − m(∅)): the share of the class logit (above its every-edge-ablated value) removed;
     * null when |m(M) − m(∅)| < MIN_SPAN (the class logit barely depends on the image: a share would be noise).
     */
    fraction: number | null;
    targetAccuracy: { before: number; after: number };
  };
  /** The class subcircuit at the budget: faithfulness and completeness (null, as `fraction`, below MIN_SPAN). */
  faithfulness: { edges: number; faithfulness: number | null; completeness: number | null };
  /** m(M) − m(∅): the mean class logit on the class's images, whole net minus every edge ablated. */
  span: number;
}

/** A mean over seeds with its 95% t-interval (null with fewer than 2 values). */
export interface Interval {
  n: number;
  mean: number | null;
  lo: number | null;
  hi: number | null;
}

export interface StageSummary {
  stage: Stage;
  label: string;
  /** Which run kind the states come from, e.g. "supermask (class-specific: one-vs-rest)". */
  source: string;
  seeds: SeedStage[];
  auroc: Interval;
  fraction: Interval;
  faithfulness: Interval;
  /** Seeds whose best unit beats the null (pValue < alpha). */
  significant: number;
}

export interface OverlapSummary {
  /** What is compared: "ticket masks across seeds" or "ticket vs supermask (seed 0)". */
  what: string;
  jaccard: Interval;
  /** Jaccard of independent random masks of the same per-layer densities. */
  chance: Interval;
  ratio: Interval;
}

export interface DogReport {
  experiment: { id: string; name: string; dataset: string; arch: string };
  class: ClassRef;
  settings: { permutations: number; images: number | null; ablation: string; evaluation: number; budget: number; alpha: number };
  stages: StageSummary[];
  overlaps: OverlapSummary[];
  /** Stages the report looked for and did not find, with why (e.g. "no supermask run: pass --with EXPERIMENT"). */
  missing: string[];
  verdict: string[];
  createdAt: string;
}

export const reportDogSchema = z
  .object({
    experimentId: experimentIdSchema,
    /** More experiments of the same data set and architecture (a supermask, random features), matched by seed. */
    with: z.array(experimentIdSchema).max(8).optional(),
    class: z.union([z.number().int().min(0).max(999), z.string().min(1).max(64).regex(/^[\w -]+$/, 'expected a class name')]).optional(),
    permutations: z.number().int().min(0).max(1000).optional(),
    limit: z.number().int().min(10).max(1_000_000).optional(),
    evaluation: z.number().int().min(10).max(1_000_000).optional(),
    budget: z.number().int().min(1).max(1e9).optional(),
  })
  .strict();
export type ReportDogParams = z.infer<typeof reportDogSchema>;
/** Below this |m(M) − m(∅)| (in logit units) shares and faithfulness are not reported: their denominator is noise. */
export const MIN_SPAN = 0.1;
export const REPORT_DEFAULTS = { permutations: 100, budget: 2000, evaluation: 2000 };

// ---------------------------------------------------------------- statistics and the verdict

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (then 1.96). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** `bounds` clamps the interval to the values' possible range (an AUROC lies in [0, 1]). */
export function interval(values: readonly (number | null)[], bounds?: [number, number]): Interval {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, lo: null, hi: null };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, lo: null, hi: null };
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  const clamp = (x: number) => (bounds ? Math.min(bounds[1], Math.max(bounds[0], x)) : x);
  return { n, mean, lo: clamp(mean - half), hi: clamp(mean + half) };
}

/**
 * The interval over seeds of one figure of a stage's rows. Rows of the same seed (a stage joined from several
 * experiments: their runs of one seed draw from the same random streams, so they are not independent) are averaged
 * first, so n counts seeds, not runs.
 */
export function seedInterval<T extends { seed: number }>(rows: readonly T[], pick: (row: T) => number | null, bounds?: [number, number]): Interval {
  const bySeed = new Map<number, number[]>();
  for (const r of rows) {
    const v = pick(r);
    if (v === null || !Number.isFinite(v)) continue;
    bySeed.set(r.seed, [...(bySeed.get(r.seed) ?? []), v]);
  }
  return interval([...bySeed.values()].map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length), bounds);
}

/** The thresholds of the verdict. */
export const VERDICT_RULES = {
  /** A best unit "beats the null" when its corrected p-value is below alpha. */
  alpha: 0.05,
  /** An ablation "removes" the class logit when it removes at least this share of it (m(M) − m(∅)). */
  minFraction: 0.1,
  /** A subcircuit "carries" the class logit when its faithfulness at the budget is at least this. */
  minFaithfulness: 0.5,
};

const pct = (x: number) => `${Math.round(x * 100)}%`;
const f2 = (x: number) => x.toFixed(2);
const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p < 0.01 ? p.toFixed(3) : f2(p)}`);
const range = (i: Interval, show: (x: number) => string) => (i.lo !== null && i.hi !== null ? ` [${show(i.lo)}, ${show(i.hi)}]` : '');
/** Over seeds: "0.97 [0.95, 0.99] over 3 seeds", or "0.97 (one seed, no interval)". */
const over = (i: Interval, show: (x: number) => string) => (i.n >= 2 ? `${show(i.mean!)}${range(i, show)} over ${i.n} seeds` : `${show(i.mean!)} (one seed, no interval)`);
/** "40% of the class logit ([35%, 45%] over 3 seeds)". */
const share = (i: Interval) => `${pct(i.mean!)} of the class logit (${i.n >= 2 ? `${range(i, pct).trim()} over ${i.n} seeds` : 'one seed, no interval'})`;

function detectorSentence(s: StageSummary, alpha: number): string {
  const n = s.seeds.length;
  const maxP = Math.max(...s.seeds.map((x) => x.pValue));
  const minP = Math.min(...s.seeds.map((x) => x.pValue));
  const floor = Math.max(...s.seeds.map((x) => x.pFloor));
  if (s.significant === 0) {
    if (floor >= alpha) return `${s.label}: too few permutations to test (the smallest possible p is ${f2(floor)} ≥ ${alpha}); best AUROC ${over(s.auroc, f2)}`;
    return `${s.label}: no unit beats the null (${n > 1 ? `smallest ${pText(minP)} of ${n} seeds` : pText(minP)}; best AUROC ${over(s.auroc, f2)})`;
  }
  const where = s.significant === n ? (n > 1 ? `in each of ${n} seeds` : 'in its one seed') : `in ${s.significant} of ${n} seeds only`;
  return `${s.label}: a unit beats the null ${where} (AUROC ${over(s.auroc, f2)}, ${pText(s.significant === n ? maxP : minP)}${s.significant === n && n > 1 ? ' or less' : ''})`;
}

function ablationSentence(s: StageSummary, minFraction: number): string | null {
  const i = s.fraction;
  if (i.mean === null) return null;
  if (i.n >= 2 && i.lo !== null && i.hi !== null) {
    if (i.lo >= minFraction) return `its ablation removes ${share(i)}`;
    if (i.hi < minFraction) return `its ablation removes under ${pct(minFraction)} of the class logit (${over(i, pct)}): selective, but not needed`;
    return `its ablation removes ${share(i)}: the interval does not settle whether it matters`;
  }
  return i.mean >= minFraction ? `its ablation removes ${share(i)}` : `its ablation removes ${share(i)}, under ${pct(minFraction)}`;
}

function circuitSentence(s: StageSummary, budget: number, minF: number): string | null {
  const i = s.faithfulness;
  if (i.mean === null) return null;
  const settled = i.n >= 2 ? i.lo! >= minF : i.mean >= minF;
  const below = i.n >= 2 ? i.hi! < minF : i.mean < minF;
  const what = settled ? 'carry the class logit' : below ? 'do not carry the class logit' : 'may or may not carry the class logit';
  return `the top ${budget} edges ${what} (faithfulness ${over(i, f2)})`;
}

/**
 * The verdict, one sentence per stage and per overlap, then the answer to "did the random network already contain
 * the detector?" as far as these figures go. Thresholds: VERDICT_RULES. A stage is called a detector only when its
 * best unit beats the null in every seed; an effect is claimed only when its interval over seeds (or, with one seed,
 * its value, which the sentence marks) clears the threshold.
 */
export function dogVerdict(r: Pick<DogReport, 'stages' | 'overlaps' | 'class' | 'settings'>, rules = VERDICT_RULES): string[] {
  const lines: string[] = [];
  for (const s of r.stages) {
    if (!s.seeds.length) continue;
    const parts = [detectorSentence(s, rules.alpha)];
    if (s.significant > 0) {
      const a = ablationSentence(s, rules.minFraction);
      if (a) parts.push(a);
    }
    const c = circuitSentence(s, r.settings.budget, rules.minFaithfulness);
    if (c) parts.push(c);
    const flat = s.seeds.filter((x) => Math.abs(x.span) < MIN_SPAN).length;
    if (flat) parts.push(`in ${flat === s.seeds.length ? (flat > 1 ? 'every seed' : 'its seed') : `${flat} of ${s.seeds.length} seeds`} the class logit barely depends on the image (|m(M) − m(∅)| < ${MIN_SPAN}), so no share of it is reported there`);
    lines.push(`${parts.join('; ')}.`.replace(/the class logit/g, `the ${r.class.name} logit`));
  }
  for (const o of r.overlaps) {
    const ratio = o.ratio;
    if (ratio.mean === null) continue;
    const above = ratio.n >= 2 ? ratio.lo! > 1 : ratio.mean > 1;
    lines.push(`${o.what}: Jaccard ${over(o.jaccard, f2)} against ${f2(o.chance.mean ?? 0)} for random masks of the same per-layer densities (${f2(ratio.mean)}x chance${above ? '' : ': not clearly above chance'}).`);
  }
  const stage = (k: Stage) => r.stages.find((s) => s.stage === k && s.seeds.length > 0);
  const all = (s: StageSummary | undefined) => !!s && s.significant === s.seeds.length;
  const matters = (s: StageSummary | undefined) => !!s && s.fraction.mean !== null && (s.fraction.n >= 2 ? s.fraction.lo! >= rules.minFraction : s.fraction.mean >= rules.minFraction);
  // The random network unmasked: an IMP/dense run's round-0 init, or a supermask's frozen weights with every weight kept.
  const init = stage('init') ?? stage('supermask-dense-init');
  const masked = [stage('ticket-at-init'), stage('supermask')].filter((s): s is StageSummary => !!s);
  const name = r.class.name;
  if (init && all(init) && matters(init)) lines.push(`Answer: the random network already has a ${name} detector that its logit uses, before any mask or training.`);
  else if (masked.some((s) => all(s) && matters(s))) {
    const s = masked.find((x) => all(x) && matters(x))!;
    lines.push(`Answer: ${init && init.significant === 0 ? 'the init network as a whole shows no ' + name + ' detector, but ' : ''}${s.label} contains one that its ${name} logit uses: the mask selects it from the random weights.`);
  } else if (masked.some((s) => all(s))) lines.push(`Answer: a mask of the random weights yields a ${name}-selective unit, but these figures do not show the ${name} logit depends on it.`);
  else if (init || masked.length) lines.push(`Answer: these figures do not show a ${name} detector in the random weights${stage('trained') && all(stage('trained')) ? ' (training makes one)' : ''}.`);
  return lines;
}
