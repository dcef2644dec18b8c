// The dog report's verdict (shared/dog-report.ts): what it says for each pattern of statistics, with the thresholds of
// VERDICT_RULES, and the 95% t-interval it rests on (checked against a hand computation). The HTML page is one
// self-contained file.
import { describe, expect, it } from 'vitest';
import type { StateInfo } from '../../src/shared/analysis';
import { dogReportHtml } from '../../src/shared/dog-report-html';
import { STAGE_LABELS, dogVerdict, interval, seedInterval, type DogReport, type SeedStage, type Stage, type StageSummary } from '../../src/shared/dog-report';

const info = { ref: 'r0000000001:0:init', runId: 'r0000000001', round: 0, which: 'init', kind: 'imp', seed: 0, experimentName: 'e', arch: 'lenet-300-100', dataset: 'cifar10', density: 1, hasWeights: true, label: 'x' } as StateInfo;

function seed(s: number, auroc: number, p: number, fraction: number | null, faith: number | null = 0.8, pFloor = 0.01): SeedStage {
  return {
    seed: s, state: { ...info, seed: s }, best: { layer: 'fc1', pooling: 'none', unit: 7, auroc }, pValue: p, pFloor, nullMean: 0.6, accuracy: 0.9,
    ablation: { targetLogitDrop: 1, otherLogitDrop: 0, fraction, targetAccuracy: { before: 0.9, after: 0.5 } },
    faithfulness: { edges: 2000, faithfulness: faith, completeness: 0.1 },
    span: 3,
  };
}

function stage(k: Stage, seeds: SeedStage[]): StageSummary {
  return {
    stage: k, label: STAGE_LABELS[k], source: 'imp', seeds,
    auroc: interval(seeds.map((s) => s.best.auroc)), fraction: interval(seeds.map((s) => s.ablation.fraction)), faithfulness: interval(seeds.map((s) => s.faithfulness.faithfulness)),
    significant: seeds.filter((s) => s.pValue < 0.05).length,
  };
}

const report = (stages: StageSummary[], overlaps: DogReport['overlaps'] = []) => ({
  stages, overlaps, class: { index: 5, name: 'dog' }, settings: { permutations: 100, images: null, ablation: 'mean', evaluation: 2000, budget: 2000, alpha: 0.05 },
});

describe('interval', () => {
  it('is the mean with a 95% t-interval (t = 4.303 for 3 values), none for one value', () => {
    const i = interval([1, 2, 3]);
    // sd = 1, se = 1/√3, half-width 4.303/√3 = 2.4843.
    expect(i.mean).toBe(2);
    expect(i.lo).toBeCloseTo(2 - 4.303 / Math.sqrt(3), 10);
    expect(i.hi).toBeCloseTo(2 + 4.303 / Math.sqrt(3), 10);
    expect(interval([0.9, 1, 1], [0, 1]).hi).toBe(1);
    expect(interval([0.7])).toEqual({ n: 1, mean: 0.7, lo: null, hi: null });
    expect(interval([null, null])).toEqual({ n: 0, mean: null, lo: null, hi: null });
  });
});

describe('dogVerdict', () => {
  it('at init no unit beats the null; the ticket at init is a detector whose ablation matters', () => {
    const v = dogVerdict(report([
      stage('init', [seed(0, 0.61, 0.6, 0.01), seed(1, 0.63, 0.5, 0.02), seed(2, 0.6, 0.7, 0.0)]),
      stage('ticket-at-init', [seed(0, 0.97, 0.01, 0.42), seed(1, 0.96, 0.01, 0.38), seed(2, 0.98, 0.01, 0.4)]),
    ]));
    expect(v[0]).toMatch(/^at init: no unit beats the null \(smallest p = 0\.50 of 3 seeds; best AUROC 0\.61 \[/);
    // No ablation claim for a stage without a detector.
    expect(v[0]).not.toMatch(/ablation/);
    expect(v[1]).toMatch(/^the ticket's mask on the init weights: a unit beats the null in each of 3 seeds \(AUROC 0\.97 \[.*\] over 3 seeds, p = 0\.01 or less\); its ablation removes 40% of the dog logit \(\[35%, 45%\] over 3 seeds\); the top 2000 edges carry the dog logit/);
    expect(v.at(-1)).toBe('Answer: the init network as a whole shows no dog detector, but the ticket\'s mask on the init weights contains one that its dog logit uses: the mask selects it from the random weights.');
  });

  it('never calls a stage a detector when only some seeds beat the null', () => {
    const v = dogVerdict(report([stage('init', [seed(0, 0.9, 0.01, 0.3), seed(1, 0.7, 0.4, 0.3), seed(2, 0.72, 0.3, 0.3)])]));
    expect(v[0]).toMatch(/a unit beats the null in 1 of 3 seeds only/);
    expect(v.at(-1)).toBe('Answer: these figures do not show a dog detector in the random weights.');
  });

  it('a selective unit whose ablation interval lies under 10%: selective, but not needed', () => {
    const v = dogVerdict(report([stage('supermask', [seed(0, 0.95, 0.01, 0.02), seed(1, 0.95, 0.01, 0.03), seed(2, 0.96, 0.01, 0.025)])]));
    expect(v[0]).toMatch(/its ablation removes under 10% of the dog logit .*: selective, but not needed/);
    expect(v.at(-1)).toMatch(/^Answer: a mask of the random weights yields a dog-selective unit, but these figures do not show the dog logit depends on it\.$/);
  });

  it('an interval straddling the threshold settles nothing', () => {
    const v = dogVerdict(report([stage('ticket-at-init', [seed(0, 0.95, 0.01, 0.0), seed(1, 0.95, 0.01, 0.3), seed(2, 0.96, 0.01, 0.15)])]));
    expect(v[0]).toMatch(/the interval does not settle whether it matters/);
  });

  it('with one seed it says so, and reports no interval', () => {
    const v = dogVerdict(report([stage('init', [seed(0, 0.98, 0.01, 0.5)])]));
    expect(v[0]).toMatch(/a unit beats the null in its one seed \(AUROC 0\.98 \(one seed, no interval\)/);
    expect(v.at(-1)).toMatch(/^Answer: the random network already has a dog detector that its logit uses/);
  });

  it('says where the class logit barely depends on the image (no share reported there)', () => {
    const flat = { ...seed(0, 0.7, 0.01, null, null), span: 0.02 };
    const v = dogVerdict(report([stage('init', [flat, { ...flat, seed: 1 }])]));
    expect(v[0]).toMatch(/in every seed the dog logit barely depends on the image \(\|m\(M\) − m\(∅\)\| < 0\.1\)/);
    expect(v[0]).not.toMatch(/ablation removes/);
  });

  it('too few permutations to reach alpha is said, not read as "no detector"', () => {
    const v = dogVerdict(report([stage('init', [seed(0, 0.99, 0.2, 0.5, 0.8, 0.2)])]));
    expect(v[0]).toMatch(/too few permutations to test \(the smallest possible p is 0\.20/);
  });

  it('faithfulness at the budget: carries, does not, or undecided; overlap against chance', () => {
    const carries = dogVerdict(report([stage('trained', [seed(0, 0.99, 0.01, 0.5, 0.9), seed(1, 0.99, 0.01, 0.5, 0.85)])]));
    expect(carries[0]).toMatch(/the top 2000 edges carry the dog logit \(faithfulness 0\.88/);
    const not = dogVerdict(report([stage('trained', [seed(0, 0.99, 0.01, 0.5, 0.1), seed(1, 0.99, 0.01, 0.5, 0.12)])]));
    expect(not[0]).toMatch(/do not carry the dog logit/);
    const ov = dogVerdict(report([], [{ what: 'ticket masks across 3 seeds', jaccard: interval([0.2, 0.21, 0.22]), chance: interval([0.1, 0.1, 0.1]), ratio: interval([2, 2.1, 2.2]) }]));
    expect(ov[0]).toMatch(/^ticket masks across 3 seeds: Jaccard 0\.21 \[.*\] over 3 seeds against 0\.10 .*\(2\.10x chance\)\.$/);
  });
});

describe('dogReportHtml', () => {
  it('is one self-contained page: inline SVG, no script, no external reference, a CSP allowing nothing else', () => {
    const r: DogReport = {
      ...report([stage('init', [seed(0, 0.6, 0.6, 0.01), seed(1, 0.62, 0.5, 0.0)])]),
      experiment: { id: 'e0123456789abcdef', name: '<b>x</b>', dataset: 'cifar10', arch: 'conv-4' },
      missing: [], verdict: ['at init: no unit beats the null.'], createdAt: '2026-01-01T00:00:00Z',
    };
    const html = dogReportHtml(r);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    expect(html).not.toMatch(/<script|src=|href=|url\(/i);
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('at init: no unit beats the null.');
  });
});

describe('seedInterval', () => {
  it('averages rows of one seed first, so n counts seeds (a stage joined from two experiments of the same seeds)', () => {
    const rows = [
      { seed: 0, v: 0.9 },
      { seed: 0, v: 0.7 },
      { seed: 1, v: 0.6 },
      { seed: 2, v: null },
    ];
    const r = seedInterval(rows, (x) => x.v, [0, 1]);
    expect(r.n).toBe(2);
    expect(r.mean).toBeCloseTo((0.8 + 0.6) / 2, 12);
    // The same as the interval of the per-seed means, and not that of the three rows.
    expect(r).toEqual(interval([0.8, 0.6], [0, 1]));
    expect(r).not.toEqual(interval([0.9, 0.7, 0.6], [0, 1]));
  });
});
