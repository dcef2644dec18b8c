// Summary statistics over seeds for the results tables (bench/results-table.ts): mean, sample standard deviation
// and the two-sided 95% Student-t interval for the mean, mean ± t(0.975, n − 1) · sd / √n.

/** t(0.975, df) for df = 1 .. 30 (two-sided 95%), from the standard tables; tests/unit/results-table.test.ts checks
 * each against a numerical integration of the t density. */
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
  2.1098, 2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom (df ≥ 1; beyond 30, the Cornish-Fisher expansion
 * around the normal's 1.96 to the 1/df² term, within 1e-4 of the exact value there). */
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`t975: df ${df} must be a positive integer`);
  if (df <= T975.length) return T975[df - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN for one value. */
  sd: number;
  /** The 95% t-interval of the mean; NaN bounds for one value. */
  lo: number;
  hi: number;
}

export function summarise(xs: readonly number[]): Summary {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, lo: NaN, hi: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: NaN, lo: NaN, hi: NaN };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (t975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, lo: mean - half, hi: mean + half };
}

/** Whether the 95% interval lies wholly on one side of 0 (the mean differs from 0 at the 5% level, two-sided). */
export function excludesZero(s: Summary): boolean {
  return s.n >= 2 && (s.lo > 0 || s.hi < 0);
}
