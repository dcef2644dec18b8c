// The multigraph intuition pump (src/main/engine/analysis/multigraph.ts): the XOR target, the error bounds of the
// base2 scheme, exactness of the subset-sum search, the random-weight variant and determinism.
import { describe, expect, it } from 'vitest';
import { base2Candidates, base2Mask, closestSubsetSum, runMultigraph, type MultigraphOptions } from '../../src/main/engine/analysis/multigraph';
import { Rng } from '../../src/main/engine/rng';

const opts = (o: Partial<MultigraphOptions>): MultigraphOptions => ({ target: 'xor', variant: 'base2', kMax: 12, k: 12, seed: 0, ...o });

/** The closest subset sum by trying every subset. */
function bruteBest(c: number[], target: number): number {
  let best = Infinity;
  for (let m = 0; m < 1 << c.length; m++) {
    let s = 0;
    c.forEach((v, j) => ((m >> j) & 1 ? (s += v) : 0));
    best = Math.min(best, Math.abs(s - target));
  }
  return best;
}

const subsetSum = (c: number[], m: number) => c.reduce((s, v, j) => ((m >> j) & 1 ? s + v : s), 0);

describe('multigraph', () => {
  it('has an XOR target that computes XOR exactly on the corners', () => {
    const r = runMultigraph(opts({}));
    expect(r.samples.map((s) => s.input)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(r.samples.map((s) => s.target)).toEqual([[0], [1], [1], [0]]);
    expect(r.layers.map((l) => [l.in, l.out])).toEqual([[2, 2], [2, 1]]);
    for (const l of r.layers) for (const row of l.target) for (const w of row) expect(Math.abs(w)).toBeLessThanOrEqual(1);
  });

  it('base2: max weight error never grows and stays within 2^(1−K); outputs close at K = 12; unmasked far', () => {
    for (const target of ['xor', 'random'] as const) {
      const r = runMultigraph(opts({ target, kMax: 16, k: 12, seed: 3 }));
      expect(r.curve.map((p) => p.k)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      r.curve.forEach((p, i) => {
        expect(p.maxWeightError).toBeLessThanOrEqual(2 ** (1 - p.k) + 1e-12);
        expect(p.meanWeightError).toBeLessThanOrEqual(p.maxWeightError);
        if (i > 0) expect(p.maxWeightError).toBeLessThanOrEqual(r.curve[i - 1]!.maxWeightError);
        expect(p.unmaskedRmse).toBeGreaterThan(0.1);
      });
      expect(r.curve[11]!.outputRmse).toBeLessThan(5e-3);
      expect(r.curve[0]!.outputRmse).toBeGreaterThan(10 * r.curve[11]!.outputRmse);
    }
    // XOR's +1 weights are the worst case of the grid: the error is exactly 2^(1−K).
    const x = runMultigraph(opts({ kMax: 12 }));
    x.curve.forEach((p) => expect(p.maxWeightError).toBe(2 ** (1 - p.k)));
  });

  it('base2: the rounding is the exact closest subset sum, and the mask, candidates and approx agree', () => {
    const rng = new Rng(9);
    for (let k = 1; k <= 10; k++) {
      const c = base2Candidates(k);
      for (let t = 0; t < 50; t++) {
        const target = rng.range(-1.2, 1.2);
        const m = base2Mask(k, target);
        expect(Math.abs(subsetSum(c, m) - target)).toBeCloseTo(bruteBest(c, target), 12);
      }
    }
    const r = runMultigraph(opts({ k: 5, kMax: 5 }));
    for (const l of r.layers) {
      l.target.forEach((row, i) =>
        row.forEach((w, o) => {
          const c = l.candidates[i]![o]!;
          const m = l.mask[i]![o]!;
          expect(c).toEqual(base2Candidates(5));
          expect(m.every((b) => b === 0 || b === 1) && m.length === 5).toBe(true);
          expect(l.approx[i]![o]).toBe(c.reduce((s, v, j) => s + v * m[j]!, 0));
          expect(Math.abs(l.approx[i]![o]! - w)).toBeLessThanOrEqual(2 ** -4);
        }),
      );
    }
  });

  it('closestSubsetSum is exact on random candidates', () => {
    const rng = new Rng(4);
    for (let k = 1; k <= 12; k++) {
      for (let t = 0; t < 10; t++) {
        const c = Array.from({ length: k }, () => rng.range(-1, 1));
        const target = rng.range(-1, 1);
        expect(Math.abs(subsetSum(c, closestSubsetSum(c, target)) - target)).toBeCloseTo(bruteBest(c, target), 12);
      }
    }
  });

  it('random variant: the error falls from K = 1 to K = 12 and the unmasked net computes nothing useful', () => {
    for (const target of ['xor', 'random'] as const) {
      const r = runMultigraph(opts({ target, variant: 'random', seed: 1 }));
      const [first, last] = [r.curve[0]!, r.curve[11]!];
      // Candidates for K are a prefix of those for K + 1: no weight's error can grow.
      r.curve.forEach((p, i) => i > 0 && expect(p.maxWeightError).toBeLessThanOrEqual(r.curve[i - 1]!.maxWeightError));
      // A weight beyond every subset sum of its candidates (e.g. a target −0.77 whose negative candidates add up to
      // −0.63) stays off, so the maximum falls less than the mean.
      expect(last.maxWeightError).toBeLessThan(first.maxWeightError);
      expect(last.meanWeightError).toBeLessThan(first.meanWeightError / 20);
      expect(last.meanWeightError).toBeLessThan(0.01);
      expect(last.outputRmse).toBeLessThan(first.outputRmse / 10);
      expect(last.unmaskedRmse).toBeGreaterThan(0.3);
      for (const l of r.layers) for (const row of l.candidates) for (const c of row) for (const v of c) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic for a seed, and the seed matters for random parts only', () => {
    const a = runMultigraph(opts({ target: 'random', variant: 'random', seed: 7, kMax: 8, k: 6 }));
    const b = runMultigraph(opts({ target: 'random', variant: 'random', seed: 7, kMax: 8, k: 6 }));
    expect(a).toEqual(b);
    const c = runMultigraph(opts({ target: 'random', variant: 'random', seed: 8, kMax: 8, k: 6 }));
    expect(c.layers[0]!.target).not.toEqual(a.layers[0]!.target);
    expect(runMultigraph(opts({ seed: 1 }))).toEqual(runMultigraph(opts({ seed: 2 })));
    // The network shown at K does not depend on kMax.
    const d = runMultigraph(opts({ target: 'random', variant: 'random', seed: 7, kMax: 12, k: 6 }));
    expect(d.layers).toEqual(a.layers);
    expect(d.curve.slice(0, 8)).toEqual(a.curve);
    expect(a.samples).toHaveLength(16);
    expect(a.shown).toBe(6);
    expect(a.description.length).toBeGreaterThan(40);
  });

  it('refuses out-of-range K', () => {
    expect(() => runMultigraph(opts({ kMax: 0 }))).toThrow(/kMax/);
    expect(() => runMultigraph(opts({ k: 21 }))).toThrow(/\bk must/);
  });
});
