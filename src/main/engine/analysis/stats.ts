// Pure numeric helpers of the selectivity analysis (no tfjs): ranks, AUROC, a permutation null of a layer's best
// AUROC, permutation p-values and a logistic-regression probe. Definitions, exactly:
//
// - ranks(v): 1-based ranks of v in ascending order; tied values all get the average of the ranks they span
//   (e.g. [3, 1, 3, 2] → [3.5, 1, 3.5, 2]). -0 and +0 are equal; every NaN is its own (largest) value.
// - AUROC of scores for positives P against negatives N (Mann–Whitney U):
//     AUROC = (Σ_{i∈P} rank_i − |P|(|P|+1)/2) / (|P|·|N|),
//   the probability that a random positive scores above a random negative, ties counting one half (average ranks
//   do that). 1 is a perfect detector, 0 a perfect anti-detector, 0.5 chance. Rank sums are multiples of 1/2, so the
//   sums, and hence comparisons of AUROCs computed from the same nPos and nNeg, are exact in float64.
// - Permutation null of a layer's best AUROC: K "label permutations", each a set of nPos image indices drawn
//   uniformly without replacement from 0..n-1 (the first nPos steps of a seeded Fisher–Yates shuffle) standing in
//   for the positives. Each unit is ranked ONCE; its AUROC under permutation k is read off its ranks at the drawn
//   indices, so the null costs O(units·K·nPos) after ranking. nullBest[k] = max over units of that AUROC.
// - pValue(observed, null) = (1 + #{k : null_k ≥ observed}) / (1 + K): one-sided, never 0; with the null of the
//   layer's maximum it corrects for having picked the best unit.
// - logisticProbe: see its comment.
import { streamRng } from '../rng';
import type { ProbeResult } from '../../../shared/analysis';

type Values = Float32Array | Float64Array;

// ---------------------------------------------------------------- ranks and AUROC

/** Keys for the float32 radix sort: the value's bits as a uint32 whose unsigned order is the float order. */
function sortableKey(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return 0xffffffff; // NaN: after every number
  return u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;

/**
 * Reusable scratch space for ranking many vectors without allocating. Float32 input is ordered by a stable LSD radix
 * sort of its sortable bits (three 11-bit passes, O(n)); Float64 input by a comparator sort (NaN last).
 */
export class Ranker {
  private order = new Uint32Array(0);
  private keys = new Uint32Array(0);
  private tmpOrder = new Uint32Array(0);
  private tmpKeys = new Uint32Array(0);
  private readonly counts = new Uint32Array(3 * RADIX);

  constructor(n = 0) {
    this.reserve(n);
  }

  private reserve(n: number): void {
    if (this.order.length >= n) return;
    this.order = new Uint32Array(n);
    this.keys = new Uint32Array(n);
    this.tmpOrder = new Uint32Array(n);
    this.tmpKeys = new Uint32Array(n);
  }

  /** The indices 0..n-1 in ascending order of value (stable: equal values in index order). */
  private sort(values: Values): Uint32Array {
    const n = values.length;
    if (!(values instanceof Float32Array)) {
      const order = this.order.subarray(0, n);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => {
        const va = values[a]!;
        const vb = values[b]!;
        if (va < vb) return -1;
        if (va > vb) return 1;
        if (va === vb) return a - b;
        const na = Number.isNaN(va);
        const nb = Number.isNaN(vb);
        return na === nb ? a - b : na ? 1 : -1;
      });
      return this.order;
    }
    const bits = new Uint32Array(values.buffer, values.byteOffset, n);
    let keys = this.keys;
    let order = this.order;
    let tk = this.tmpKeys;
    let to = this.tmpOrder;
    const counts = this.counts;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const k = sortableKey(bits[i]!);
      keys[i] = k;
      order[i] = i;
      counts[k & RADIX_MASK]! += 1;
      counts[RADIX + ((k >>> RADIX_BITS) & RADIX_MASK)]! += 1;
      counts[2 * RADIX + (k >>> (2 * RADIX_BITS))]! += 1;
    }
    for (let pass = 0; pass < 3; pass++) {
      const shift = pass * RADIX_BITS;
      const base = pass * RADIX;
      // A pass where every key has the same digit leaves the order as it is.
      const digit0 = n > 0 ? (keys[0]! >>> shift) & RADIX_MASK : 0;
      if (counts[base + digit0] === n) continue;
      let sum = 0;
      for (let d = 0; d < RADIX; d++) {
        const c = counts[base + d]!;
        counts[base + d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        const pos = counts[base + ((k >>> shift) & RADIX_MASK)]!++;
        tk[pos] = k;
        to[pos] = order[i]!;
      }
      [keys, tk] = [tk, keys];
      [order, to] = [to, order];
    }
    // Keep the buffers (possibly swapped) for the next call.
    this.keys = keys;
    this.tmpKeys = tk;
    this.order = order;
    this.tmpOrder = to;
    return order;
  }

  /** The indices of `values` in ascending order (stable: equal values in index order; NaN last), as a new array. */
  ascending(values: Float32Array): Uint32Array {
    this.reserve(values.length);
    return this.sort(values).slice(0, values.length);
  }

  /** Average 1-based ranks of `values` into `out` (allocated when not given); returns `out`. */
  rank(values: Values, out?: Float64Array | Float32Array): Float64Array | Float32Array {
    const n = values.length;
    this.reserve(n);
    const r = out ?? new Float64Array(n);
    if (r.length < n) throw new RangeError(`ranks: output has ${r.length} slots for ${n} values`);
    const order = this.sort(values);
    let i = 0;
    while (i < n) {
      const v = values[order[i]!]!;
      let j = i + 1;
      while (j < n && values[order[j]!] === v) j++;
      // Positions i..j-1 (0-based) hold equal values: ranks i+1..j, average (i + 1 + j) / 2.
      const avg = (i + 1 + j) / 2;
      for (let k = i; k < j; k++) r[order[k]!] = avg;
      i = j;
    }
    return r;
  }
}

/** Average 1-based ranks (ties share the mean of their ranks). */
export function ranks(values: Values): Float64Array {
  return new Ranker(values.length).rank(values) as Float64Array;
}

/** AUROC from ranks of all values and the indices of the positives (see the header); 0.5 when a class is empty. */
export function aurocFromRanks(r: ArrayLike<number>, positiveIdx: Uint32Array | readonly number[], nPos: number, nNeg: number): number {
  if (nPos <= 0 || nNeg <= 0) return 0.5;
  let sum = 0;
  for (let i = 0; i < nPos; i++) sum += r[positiveIdx[i]!]!;
  return (sum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Indices i with labels[i] ≠ 0. */
export function positiveIndices(labels01: ArrayLike<number>): Uint32Array {
  let nPos = 0;
  for (let i = 0; i < labels01.length; i++) if (labels01[i]) nPos++;
  const idx = new Uint32Array(nPos);
  let k = 0;
  for (let i = 0; i < labels01.length; i++) if (labels01[i]) idx[k++] = i;
  return idx;
}

/** AUROC of `scores` for labels 1 against labels 0. */
export function auroc(scores: Values, labels01: ArrayLike<number>): number {
  if (scores.length !== labels01.length) throw new RangeError(`auroc: ${scores.length} scores, ${labels01.length} labels`);
  const pos = positiveIndices(labels01);
  return aurocFromRanks(ranks(scores), pos, pos.length, scores.length - pos.length);
}

// ---------------------------------------------------------------- permutation null

/**
 * K stand-in positive sets for n images with nPos positives: each the first nPos entries of a partial seeded
 * Fisher–Yates shuffle of 0..n-1 (stream "selectivity/permutations" of `seed`), drawn in order k = 0..K-1, so the
 * same (n, nPos, K, seed) always gives the same sets.
 */
export function drawPermutations(n: number, nPos: number, K: number, seed: number): Uint32Array[] {
  if (nPos > n) throw new RangeError(`drawPermutations: ${nPos} positives among ${n}`);
  const rng = streamRng(seed, 'selectivity/permutations');
  const idx = new Uint32Array(n);
  const out: Uint32Array[] = [];
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) idx[i] = i;
    for (let i = 0; i < nPos; i++) {
      const j = rng.int(i, n);
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
    }
    out.push(idx.slice(0, nPos));
  }
  return out;
}

/** best[k] ← max(best[k], AUROC of the unit with ranks `r` under permutation k). O(K·nPos). */
export function updateNullBest(best: Float64Array, r: ArrayLike<number>, perms: readonly Uint32Array[], nPos: number, nNeg: number): void {
  for (let k = 0; k < perms.length; k++) {
    const a = aurocFromRanks(r, perms[k]!, nPos, nNeg);
    if (a > best[k]!) best[k] = a;
  }
}

/** The best AUROC across units in each permutation, from each unit's ranks (computed once per unit). */
export function nullBest(unitRanks: Iterable<ArrayLike<number>>, perms: readonly Uint32Array[], nPos: number, nNeg: number): Float64Array {
  const best = new Float64Array(perms.length).fill(-Infinity);
  let any = false;
  for (const r of unitRanks) {
    updateNullBest(best, r, perms, nPos, nNeg);
    any = true;
  }
  if (!any) best.fill(0.5);
  return best;
}

/** (1 + #{null ≥ observed}) / (1 + K). */
export function pValue(observed: number, nullValues: ArrayLike<number>): number {
  let ge = 0;
  for (let k = 0; k < nullValues.length; k++) if (nullValues[k]! >= observed) ge++;
  return (1 + ge) / (1 + nullValues.length);
}

// ---------------------------------------------------------------- logistic probe

export interface ProbeOptions {
  /** L2 penalty λ on the weights (not the bias), objective = weighted mean log-loss + λ/2·‖w‖². Default 1e-3. */
  l2?: number;
  /** L-BFGS iterations at most (default 100) and the gradient tolerance (max-norm, default 1e-4). */
  maxIter?: number;
  tol?: number;
}

/**
 * Split n images into a fit half and a held-out half, stratified by label: each class's indices are shuffled (stream
 * "selectivity/probe-split" of `seed`) and the first floor(count/2) of each go to the fit half.
 */
export function probeSplit(labels01: ArrayLike<number>, seed: number): { train: Uint32Array; test: Uint32Array } {
  const rng = streamRng(seed, 'selectivity/probe-split');
  const pos = positiveIndices(labels01);
  const neg = new Uint32Array(labels01.length - pos.length);
  for (let i = 0, k = 0; i < labels01.length; i++) if (!labels01[i]) neg[k++] = i;
  rng.shuffle(pos);
  rng.shuffle(neg);
  const hp = Math.floor(pos.length / 2);
  const hn = Math.floor(neg.length / 2);
  const train = new Uint32Array(hp + hn);
  train.set(pos.subarray(0, hp), 0);
  train.set(neg.subarray(0, hn), hp);
  const test = new Uint32Array(pos.length - hp + neg.length - hn);
  test.set(pos.subarray(hp), 0);
  test.set(neg.subarray(hn), pos.length - hp);
  return { train: train.sort(), test: test.sort() };
}

/** log(1 + e^z), stable for large |z|. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * A linear probe: can the class be read off the features by a logistic regression?
 *
 * The images are split in halves stratified by class (probeSplit). Features are standardised with the fit half's
 * per-feature mean and (population) std (a constant feature becomes 0). The model p = σ(w·x + b) minimises
 *   (1/Σc) Σ_i c_i·logloss_i + λ/2·‖w‖²   over the fit half,
 * with class weights c = 1/(2·fraction of the class), so that a rare class (10% of images) weighs as much as the
 * rest; λ = 1e-3 by default. It is fitted by L-BFGS (memory 10, backtracking line search) from zero until the
 * gradient's max-norm is below `tol` (1e-4) or after `maxIter` (100) iterations: a probe, not a polished model (the
 * held-out AUROC moves in the third decimal at most beyond that, and d = 256 on 5,000 images takes about 0.5 s).
 * On the held-out half:
 * - auroc: AUROC of the scores w·x + b (threshold free);
 * - balancedAccuracy: mean of the two classes' recalls at score > 0 (the class-weighted model's own threshold);
 * - accuracy: fraction right at score + log(π/(1−π)) > 0, π the fit half's positive fraction: the decision the
 *   class weighting would otherwise skew, put back to the images' actual prior, so accuracy is comparable to chance;
 * - chance: the majority label's fraction of the held-out half.
 */
export function logisticProbe(features: Float32Array, labels01: ArrayLike<number>, seed: number, opts: ProbeOptions = {}): ProbeResult {
  const n = labels01.length;
  if (n === 0 || features.length % n !== 0) throw new RangeError(`logisticProbe: ${features.length} values for ${n} images`);
  const d = features.length / n;
  const lambda = opts.l2 ?? 1e-3;
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-4;
  const { train, test } = probeSplit(labels01, seed);
  const nt = train.length;

  // Standardisation from the fit half.
  const mean = new Float64Array(d);
  const inv = new Float64Array(d);
  for (const i of train) {
    const row = i * d;
    for (let j = 0; j < d; j++) mean[j] = mean[j]! + features[row + j]!;
  }
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / Math.max(1, nt);
  for (const i of train) {
    const row = i * d;
    for (let j = 0; j < d; j++) {
      const c = features[row + j]! - mean[j]!;
      inv[j] = inv[j]! + c * c;
    }
  }
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(inv[j]! / Math.max(1, nt));
    inv[j] = sd > 1e-12 ? 1 / sd : 0;
  }
  const standardise = (idx: Uint32Array): Float64Array => {
    const x = new Float64Array(idx.length * d);
    for (let r = 0; r < idx.length; r++) {
      const src = idx[r]! * d;
      const dst = r * d;
      for (let j = 0; j < d; j++) x[dst + j] = (features[src + j]! - mean[j]!) * inv[j]!;
    }
    return x;
  };
  const xt = standardise(train);
  const yt = new Float64Array(nt);
  let posT = 0;
  for (let r = 0; r < nt; r++) {
    yt[r] = labels01[train[r]!] ? 1 : 0;
    posT += yt[r]!;
  }
  const negT = nt - posT;
  // Class weights normalised so that they sum to 1 over the fit half (the objective's 1/Σc folded in).
  const cw = new Float64Array(nt);
  for (let r = 0; r < nt; r++) {
    const share = yt[r] ? posT : negT;
    const classes = (posT > 0 ? 1 : 0) + (negT > 0 ? 1 : 0);
    cw[r] = 1 / (classes * share);
  }

  // Parameters θ = [w (d), b]; f(θ) and ∇f(θ) in one pass over the rows.
  const dim = d + 1;
  const z = new Float64Array(nt);
  const evaluate = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let f = 0;
    const b = theta[d]!;
    for (let r = 0; r < nt; r++) {
      const row = r * d;
      let s = b;
      for (let j = 0; j < d; j++) s += xt[row + j]! * theta[j]!;
      z[r] = s;
      // logloss = softplus(s) − y·s; its derivative σ(s) − y.
      f += cw[r]! * (softplus(s) - yt[r]! * s);
      const g = cw[r]! * (1 / (1 + Math.exp(-s)) - yt[r]!);
      if (g !== 0) {
        for (let j = 0; j < d; j++) grad[j] = grad[j]! + g * xt[row + j]!;
        grad[d] = grad[d]! + g;
      }
    }
    for (let j = 0; j < d; j++) {
      f += 0.5 * lambda * theta[j]! * theta[j]!;
      grad[j] = grad[j]! + lambda * theta[j]!;
    }
    return f;
  };

  const theta = new Float64Array(dim);
  lbfgs(evaluate, theta, maxIter, tol);

  // Held-out evaluation.
  const xs = standardise(test);
  const ns = test.length;
  const scores = new Float64Array(ns);
  const ys = new Uint8Array(ns);
  let posS = 0;
  for (let r = 0; r < ns; r++) {
    let s = theta[d]!;
    const row = r * d;
    for (let j = 0; j < d; j++) s += xs[row + j]! * theta[j]!;
    scores[r] = s;
    ys[r] = labels01[test[r]!] ? 1 : 0;
    posS += ys[r]!;
  }
  const negS = ns - posS;
  const prior = posT > 0 && negT > 0 ? Math.log(posT / negT) : 0;
  let right = 0;
  let tp = 0;
  let tn = 0;
  for (let r = 0; r < ns; r++) {
    const y = ys[r]!;
    if ((scores[r]! + prior > 0 ? 1 : 0) === y) right++;
    if (scores[r]! > 0) {
      if (y) tp++;
    } else if (!y) tn++;
  }
  const recalls: number[] = [];
  if (posS > 0) recalls.push(tp / posS);
  if (negS > 0) recalls.push(tn / negS);
  return {
    accuracy: ns > 0 ? right / ns : 0,
    balancedAccuracy: recalls.length > 0 ? recalls.reduce((a, b) => a + b, 0) / recalls.length : 0,
    auroc: auroc(scores, ys),
    trainN: nt,
    testN: ns,
    chance: ns > 0 ? Math.max(posS, negS) / ns : 0,
  };
}

/**
 * Minimise f from θ (updated in place) by L-BFGS with memory 10 and a backtracking Armijo line search; stops at a
 * gradient max-norm below `tol`, a relative decrease below 1e-12, or `maxIter` iterations.
 */
function lbfgs(f: (theta: Float64Array, grad: Float64Array) => number, theta: Float64Array, maxIter: number, tol: number): void {
  const dim = theta.length;
  const M = 10;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  let g = new Float64Array(dim);
  let fx = f(theta, g);
  const dir = new Float64Array(dim);
  const alpha = new Float64Array(M);
  const next = new Float64Array(dim);
  let gNext = new Float64Array(dim);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += a[i]! * b[i]!;
    return s;
  };
  const maxAbs = (a: Float64Array): number => {
    let m = 0;
    for (let i = 0; i < dim; i++) m = Math.max(m, Math.abs(a[i]!));
    return m;
  };
  for (let iter = 0; iter < maxIter; iter++) {
    if (maxAbs(g) < tol) return;
    // Two-loop recursion: dir = −H·g.
    for (let i = 0; i < dim; i++) dir[i] = -g[i]!;
    for (let m = S.length - 1; m >= 0; m--) {
      alpha[m] = rho[m]! * dot(S[m]!, dir);
      const y = Y[m]!;
      for (let i = 0; i < dim; i++) dir[i] = dir[i]! - alpha[m]! * y[i]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let i = 0; i < dim; i++) dir[i] = dir[i]! * gamma;
    } else {
      // First step: a unit step along −g scaled to move the parameters by at most 1.
      const gm = maxAbs(g);
      if (gm > 1) for (let i = 0; i < dim; i++) dir[i] = dir[i]! / gm;
    }
    for (let m = 0; m < S.length; m++) {
      const beta = rho[m]! * dot(Y[m]!, dir);
      const s = S[m]!;
      for (let i = 0; i < dim; i++) dir[i] = dir[i]! + (alpha[m]! - beta) * s[i]!;
    }
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information gone bad): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < dim; i++) dir[i] = -g[i]!;
      slope = dot(g, dir);
    }
    let step = 1;
    let fNext = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < dim; i++) next[i] = theta[i]! + step * dir[i]!;
      fNext = f(next, gNext);
      if (fNext <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNext < fx)) return; // no progress possible at this precision
    const s = new Float64Array(dim);
    const y = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      s[i] = next[i]! - theta[i]!;
      y[i] = gNext[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === M) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    theta.set(next);
    const decrease = fx - fNext;
    [g, gNext] = [gNext, g];
    fx = fNext;
    if (decrease <= 1e-12 * Math.max(1, Math.abs(fx))) return;
  }
}
