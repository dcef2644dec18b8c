// The lottery plot's data: per experiment and run kind, per round, the seeds' values and their mean, sample standard
// deviation (n - 1), min and max. Pure functions, shared by the chart, the table and the CSV export.
import type { ExperimentDetail } from '../../../shared/contract';
import { kindInfo, kindOrder } from '../app/kinds';

export interface SeedValue {
  seed: number;
  runId: string;
  density: number;
  testAccuracy: number;
  earlyStopIteration: number;
  finalTestAccuracy: number;
}

export interface Stats {
  mean: number;
  /** Sample standard deviation (n - 1); NaN for one seed. */
  sd: number;
  min: number;
  max: number;
}

export interface LotteryPoint {
  round: number;
  /** Fraction of prunable weights kept: mean over seeds, and its range (equal unless ranking is global). */
  density: Stats;
  testAccuracy: Stats;
  finalTestAccuracy: Stats;
  earlyStopIteration: Stats;
  n: number;
  seeds: SeedValue[];
}

export interface LotterySeries {
  key: string;
  experimentId: string;
  experimentName: string;
  kind: string;
  points: LotteryPoint[];
}

export type Metric = 'testAccuracy' | 'finalTestAccuracy' | 'earlyStopIteration';

export function stats(values: readonly number[]): Stats {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN, min: NaN, max: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** One series per (experiment, kind), points per round with at least one committed seed, in round order. */
export function buildSeries(details: readonly ExperimentDetail[]): LotterySeries[] {
  const out: LotterySeries[] = [];
  for (const d of details) {
    const byKind = new Map<string, Map<number, SeedValue[]>>();
    for (const run of d.runs) {
      const rounds = byKind.get(run.kind) ?? new Map<number, SeedValue[]>();
      byKind.set(run.kind, rounds);
      for (const r of run.rounds) {
        const list = rounds.get(r.round) ?? [];
        list.push({
          seed: run.seed,
          runId: run.runId,
          density: r.density,
          testAccuracy: r.testAccuracy,
          earlyStopIteration: r.earlyStopIteration,
          finalTestAccuracy: r.finalTestAccuracy,
        });
        rounds.set(r.round, list);
      }
    }
    const kinds = [...byKind.keys()].sort((a, b) => kindOrder(a) - kindOrder(b) || (a < b ? -1 : 1));
    for (const kind of kinds) {
      const rounds = byKind.get(kind)!;
      const points = [...rounds]
        .sort((a, b) => a[0] - b[0])
        .map(([round, seeds]) => {
          const sorted = [...seeds].sort((a, b) => a.seed - b.seed);
          return {
            round,
            density: stats(sorted.map((s) => s.density)),
            testAccuracy: stats(sorted.map((s) => s.testAccuracy)),
            finalTestAccuracy: stats(sorted.map((s) => s.finalTestAccuracy)),
            earlyStopIteration: stats(sorted.map((s) => s.earlyStopIteration)),
            n: sorted.length,
            seeds: sorted,
          };
        });
      if (points.length) out.push({ key: `${d.experimentId}:${kind}`, experimentId: d.experimentId, experimentName: d.name, kind, points });
    }
  }
  return out;
}

/**
 * A series' points split where it skips rounds (controls trained at chosen rounds only): within a part the rounds are
 * consecutive and the chart draws a line and band through them; between parts nothing was trained, so the chart only
 * joins them with a dotted line.
 */
export function roundParts(points: readonly LotteryPoint[]): LotteryPoint[][] {
  const parts: LotteryPoint[][] = [];
  for (const p of points) {
    const last = parts[parts.length - 1];
    if (last && p.round === last[last.length - 1]!.round + 1) last.push(p);
    else parts.push([p]);
  }
  return parts;
}

/** Whether any series skips rounds (its rounds are not consecutive). */
export function skipsRounds(series: readonly LotterySeries[]): boolean {
  return series.some((s) => roundParts(s.points).length > 1);
}

export function seriesLabel(s: LotterySeries, withExperiment: boolean): string {
  const base = `${kindInfo(s.kind).label} (${s.kind})`;
  return withExperiment ? `${base} · ${s.experimentName}` : base;
}

function csvCell(v: string | number): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csv(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** One row per (experiment, kind, round): the table under the plot. Fractions are 0..1, as stored. */
export function summaryCsv(series: readonly LotterySeries[]): string {
  const header = [
    'experiment_id',
    'experiment_name',
    'kind',
    'round',
    'n_seeds',
    'seeds',
    'density_mean',
    'weights_remaining_pct',
    'test_acc_early_stop_mean',
    'test_acc_early_stop_sd',
    'test_acc_early_stop_min',
    'test_acc_early_stop_max',
    'early_stop_iteration_mean',
    'early_stop_iteration_sd',
    'early_stop_iteration_min',
    'early_stop_iteration_max',
    'test_acc_final_mean',
    'test_acc_final_sd',
    'test_acc_final_min',
    'test_acc_final_max',
  ];
  const rows = series.flatMap((s) =>
    s.points.map((p) => [
      s.experimentId,
      s.experimentName,
      s.kind,
      p.round,
      p.n,
      p.seeds.map((x) => x.seed).join(' '),
      p.density.mean,
      p.density.mean * 100,
      p.testAccuracy.mean,
      p.testAccuracy.sd,
      p.testAccuracy.min,
      p.testAccuracy.max,
      p.earlyStopIteration.mean,
      p.earlyStopIteration.sd,
      p.earlyStopIteration.min,
      p.earlyStopIteration.max,
      p.finalTestAccuracy.mean,
      p.finalTestAccuracy.sd,
      p.finalTestAccuracy.min,
      p.finalTestAccuracy.max,
    ]),
  );
  return csv(header, rows);
}

/** One row per run and round: the stored numbers themselves. */
export function perSeedCsv(series: readonly LotterySeries[]): string {
  const header = ['experiment_id', 'experiment_name', 'kind', 'run_id', 'seed', 'round', 'density', 'test_acc_early_stop', 'early_stop_iteration', 'test_acc_final'];
  const rows = series.flatMap((s) =>
    s.points.flatMap((p) =>
      p.seeds.map((x) => [s.experimentId, s.experimentName, s.kind, x.runId, x.seed, p.round, x.density, x.testAccuracy, x.earlyStopIteration, x.finalTestAccuracy]),
    ),
  );
  return csv(header, rows);
}

/**
 * For each series, how many of the series drawn after it have a point (`points`, per point) or a segment
 * (`segments`, per segment between consecutive points) within 1.5 px of its own, at the pixel positions px, py:
 * the chart draws exactly those wider, so a line that coincides with a later one stays visible.
 */
export function coincidences(
  series: readonly LotterySeries[],
  px: (p: LotteryPoint) => number,
  py: (p: LotteryPoint) => number,
): { points: number[]; segments: number[] }[] {
  const same = (a: LotteryPoint, b: LotteryPoint) => Math.abs(px(a) - px(b)) < 1.5 && Math.abs(py(a) - py(b)) < 1.5;
  return series.map((s, i) => {
    const later = series.slice(i + 1);
    const points = s.points.map((p) => later.filter((t) => t.points.some((q) => same(p, q))).length);
    const segments = s.points.slice(1).map((b, j) => {
      const a = s.points[j]!;
      return later.filter((t) => t.points.some((q, m) => m > 0 && same(a, t.points[m - 1]!) && same(b, q))).length;
    });
    return { points, segments };
  });
}
