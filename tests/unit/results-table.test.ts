// The statistics of the results tables (bench/results-table-stats.ts): the t quantiles against a numerical
// integration of Student's t density (independent of the table they come from), and the interval on a planted case.
import { describe, expect, it } from 'vitest';
import { excludesZero, summarise, t975 } from '../../bench/results-table-stats';

/** ln Γ(x) by the Lanczos approximation (g = 7, n = 9), accurate to ~1e-13 for x > 0.5. */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(|T| ≤ q) for Student's t with `df` degrees of freedom, by Simpson's rule on the density over [0, q]. */
function centralMass(q: number, df: number): number {
  const logNorm = lnGamma((df + 1) / 2) - lnGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const pdf = (t: number) => Math.exp(logNorm - ((df + 1) / 2) * Math.log(1 + (t * t) / df));
  const n = 20_000;
  const h = q / n;
  let s = pdf(0) + pdf(q);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * pdf(i * h);
  return 2 * (s * h) / 3;
}

describe('results-table statistics', () => {
  it('t975(df) leaves 95% of the t density between ±t for df 1 .. 60', () => {
    for (let df = 1; df <= 60; df++) {
      // dP/dq at q ≈ 2 is about 0.06-0.1, so 1e-4 in the quantile is about 1e-5 in the mass.
      expect(Math.abs(centralMass(t975(df), df) - 0.95), `df ${df}`).toBeLessThan(2e-5);
    }
  });

  it('mean, sample sd and t-interval of a planted sample', () => {
    const s = summarise([1, 2, 3]);
    expect(s.mean).toBe(2);
    expect(s.sd).toBeCloseTo(1, 12);
    // 2 ± 4.3027 · 1 / √3
    expect(s.lo).toBeCloseTo(2 - 4.3027 / Math.sqrt(3), 10);
    expect(s.hi).toBeCloseTo(2 + 4.3027 / Math.sqrt(3), 10);
    // [2 − 2.48, 2 + 2.48] contains 0; [1, 1.5, 2] gives 1.5 ± 1.24, which does not.
    expect(excludesZero(s)).toBe(false);
    expect(excludesZero(summarise([1, 1.5, 2]))).toBe(true);
    expect(excludesZero(summarise([-1, -1.5, -2]))).toBe(true);
    expect(Number.isNaN(summarise([5]).sd)).toBe(true);
    expect(excludesZero(summarise([5]))).toBe(false);
  });
});
