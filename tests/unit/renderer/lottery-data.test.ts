// The lottery plot's numbers (charts/lottery-data.ts): per experiment, kind and round, the seeds' mean, sample sd,
// min and max, checked against values computed here by hand; and the two CSV files.
import { describe, expect, it } from 'vitest';
import { buildSeries, coincidences, perSeedCsv, roundParts, seriesLabel, skipsRounds, stats, summaryCsv, type LotteryPoint } from '../../../src/renderer/src/charts/lottery-data';
import { experimentDetail, experimentRun, round } from './fixtures';

describe('stats', () => {
  it('gives the mean, the sample (n − 1) standard deviation, min and max', () => {
    const s = stats([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect([s.min, s.max]).toEqual([2, 9]);
  });

  it('has no sd for one value and nothing for none', () => {
    expect(stats([0.5])).toEqual({ mean: 0.5, sd: NaN, min: 0.5, max: 0.5 });
    expect(stats([])).toEqual({ mean: NaN, sd: NaN, min: NaN, max: NaN });
  });
});

const detail = experimentDetail('e1', 'quick, imp', [
  // Seeds out of order, rounds out of order: the series sorts both.
  experimentRun('rB', 'imp', 1, [round(1, 0.8, 0.9, 300, 0.88), round(0, 1, 0.95, 400, 0.94)]),
  experimentRun('rA', 'imp', 0, [round(0, 1, 0.97, 500, 0.96), round(1, 0.8, 0.93, 200, 0.92)]),
  experimentRun('rC', 'reinit', 0, [round(1, 0.8, 0.85, 100, 0.84)]),
  experimentRun('rD', 'shuffle', 0, []),
]);

describe('buildSeries', () => {
  const series = buildSeries([detail]);

  it('makes one series per kind with rounds, methods before controls', () => {
    expect(series.map((s) => s.key)).toEqual(['e1:imp', 'e1:reinit']);
    expect(series.map((s) => s.points.map((p) => p.round))).toEqual([[0, 1], [1]]);
  });

  it('summarises the seeds of a round, listed by seed', () => {
    const p0 = series[0]!.points[0]!;
    expect(p0.n).toBe(2);
    expect(p0.seeds.map((s) => s.runId)).toEqual(['rA', 'rB']);
    expect(p0.testAccuracy.mean).toBeCloseTo(0.96, 12);
    expect(p0.testAccuracy.sd).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    expect([p0.earlyStopIteration.min, p0.earlyStopIteration.mean, p0.earlyStopIteration.max]).toEqual([400, 450, 500]);
    expect(p0.density).toEqual({ mean: 1, sd: 0, min: 1, max: 1 });
    const c = series[1]!.points[0]!;
    expect(c.n).toBe(1);
    expect(Number.isNaN(c.testAccuracy.sd)).toBe(true);
  });

  it('labels a series by kind, and by experiment when several are shown', () => {
    expect(seriesLabel(series[0]!, false)).toBe('IMP ticket (imp)');
    expect(seriesLabel(series[1]!, true)).toBe('random re-init (reinit) · quick, imp');
  });

  it('writes one summary row per series and round, quoting names with commas, an sd of one seed empty', () => {
    const rows = summaryCsv(series).split('\r\n');
    expect(rows.at(-1)).toBe('');
    expect(rows).toHaveLength(1 + 3 + 1);
    const head = rows[0]!.split(',');
    expect(head[0]).toBe('experiment_id');
    expect(rows[1]).toMatch(/^e1,"quick, imp",imp,0,2,0 1,1,100,/);
    const reinit = rows[3]!.replace('"quick, imp"', 'NAME').split(',');
    expect(reinit[head.indexOf('test_acc_early_stop_sd')]).toBe('');
    expect(reinit[head.indexOf('test_acc_early_stop_mean')]).toBe('0.85');
  });

  it('writes one row per run and round in the per-seed file, the stored numbers as they are', () => {
    const rows = perSeedCsv(series).trimEnd().split('\r\n');
    expect(rows).toHaveLength(1 + 5);
    expect(rows[0]).toBe('experiment_id,experiment_name,kind,run_id,seed,round,density,test_acc_early_stop,early_stop_iteration,test_acc_final');
    expect(rows).toContain('e1,"quick, imp",imp,rB,1,1,0.8,0.9,300,0.88');
  });
});

describe('coincidences', () => {
  const series = buildSeries([
    experimentDetail('e1', 'x', [
      experimentRun('a', 'imp', 0, [round(0, 1, 0.9, 100, 0.9), round(1, 0.8, 0.8, 100, 0.8), round(2, 0.64, 0.7, 100, 0.7)]),
      experimentRun('b', 'reinit', 0, [round(0, 1, 0.9, 100, 0.9), round(1, 0.8, 0.8, 100, 0.8), round(2, 0.64, 0.5, 100, 0.5)]),
      experimentRun('c', 'shuffle', 0, [round(1, 0.8, 0.8, 100, 0.8)]),
    ]),
  ]);
  // Pixels: x by density, y by accuracy (100 px per unit), as the chart would place them.
  const px = (p: LotteryPoint) => p.density.mean * 100;
  const py = (p: LotteryPoint) => p.testAccuracy.mean * 100;

  it('counts, per point and segment, the later series drawn over it at the same place', () => {
    expect(series.map((s) => s.kind)).toEqual(['imp', 'reinit', 'shuffle']);
    const c = coincidences(series, px, py);
    // imp: rounds 0 and 1 lie under reinit (and round 1 under shuffle too); its first segment under reinit's.
    expect(c[0]).toEqual({ points: [1, 2, 0], segments: [1, 0] });
    expect(c[1]).toEqual({ points: [0, 1, 0], segments: [0, 0] });
    expect(c[2]).toEqual({ points: [0], segments: [] });
  });

  it('treats points within 1.5 px as the same place, and farther ones as apart', () => {
    const shiftB = (d: number) => (p: LotteryPoint) => py(p) + (p.seeds[0]!.runId === 'b' ? d : 0);
    expect(coincidences(series, px, shiftB(1))[0]!.points).toEqual([1, 2, 0]);
    expect(coincidences(series, px, shiftB(2))[0]).toEqual({ points: [0, 1, 0], segments: [0, 0] });
  });
});

describe('controls at chosen rounds', () => {
  // A ticket with rounds 0..4 and a control trained at rounds 1, 3 and 4 only (controlRounds [1, 3, 4]), two seeds.
  const ticket = (seed: number) => experimentRun(`t${seed}`, 'imp', seed, [0, 1, 2, 3, 4].map((r) => round(r, 0.8 ** r, 0.9, 100, 0.9)));
  const control = (seed: number) => experimentRun(`c${seed}`, 'shuffle', seed, [1, 3, 4].map((r) => round(r, 0.8 ** r, 0.8 + seed / 100, 100, 0.8)));
  const series = buildSeries([experimentDetail('e1', 'x', [ticket(0), control(0), ticket(1), control(1)])]);

  it('keeps only the rounds a control trained, and splits its line where rounds are skipped', () => {
    expect(series.map((s) => [s.kind, s.points.map((p) => p.round)])).toEqual([['imp', [0, 1, 2, 3, 4]], ['shuffle', [1, 3, 4]]]);
    expect(roundParts(series[0]!.points).map((part) => part.map((p) => p.round))).toEqual([[0, 1, 2, 3, 4]]);
    expect(roundParts(series[1]!.points).map((part) => part.map((p) => p.round))).toEqual([[1], [3, 4]]);
    expect(roundParts([])).toEqual([]);
    expect(skipsRounds(series)).toBe(true);
    expect(skipsRounds(series.slice(0, 1))).toBe(false);
  });

  it('writes the control\'s rows at its rounds only, in both CSV files', () => {
    const rows = summaryCsv(series).trimEnd().split('\r\n').slice(1).map((r) => r.split(','));
    expect(rows.filter((r) => r[2] === 'shuffle').map((r) => [r[3], r[4]])).toEqual([['1', '2'], ['3', '2'], ['4', '2']]);
    const perSeed = perSeedCsv(series).trimEnd().split('\r\n').slice(1).map((r) => r.split(','));
    expect(perSeed.filter((r) => r[2] === 'shuffle').map((r) => `${r[4]}:${r[5]}`)).toEqual(['0:1', '1:1', '0:3', '1:3', '0:4', '1:4']);
  });
});
