// The multigraph intuition pump for the strong lottery-ticket hypothesis: a small target ReLU network is rebuilt by
// pruning alone. Between every pair of nodes of consecutive layers there are K parallel edges with fixed candidate
// weights; an edge is kept or pruned, and the effective weight of a connection is the sum of its kept edges. Choosing
// the mask is a subset-sum problem per connection, and its error shrinks exponentially in K (Malach et al. 2020,
// Pensia et al. 2020). Pure TypeScript, no tfjs; deterministic for a seed.
//
// Targets (biases are part of the target, fixed and never masked; hidden layers ReLU, the output linear):
// - 'xor': the 2-2-1 net y = relu(x0 − x1) + relu(x1 − x0) = |x0 − x1|, i.e. W1 = [[1, −1], [−1, 1]] ([in][out]),
//   b1 = 0, W2 = [[1], [1]], b2 = 0: XOR exactly on {0, 1}², every weight ±1. Evaluation inputs: the 4 corners.
// - 'random': a 4-6-2 net with weights uniform in [−1, 1] and biases uniform in [−0.25, 0.25] (stream
//   "multigraph:target" of the seed); evaluation inputs: 64 points uniform in [0, 1]⁴ (stream "multigraph:inputs").
//
// Candidate edges (the same for every connection's target, never chosen with it in view):
// - 'base2': edge j of K carries c₀ = −1 and c_j = 2^−j for j = 1 … K−1: the bits of a K-bit two's-complement
//   fixed-point number. Its subset sums are exactly the grid −1 + m·2^(1−K), m = 0 … 2^K − 1, which covers
//   [−1, 1 − 2^(1−K)]; rounding to the grid is the exact subset-sum solution, with error ≤ 2^−K for targets in
//   [−1 − 2^−K, 1 − 2^−K] and ≤ 2^(1−K) on all of [−1, 1] (the worst case is the target 1 itself). The grid for K is
//   a subset of the grid for K + 1, so each weight's error never grows with K. Keeping every edge gives
//   −1 + (1 − 2^(1−K)) = −2^(1−K) ≈ 0 for every weight: the unmasked net computes nothing useful.
// - 'random': K candidates uniform in [−1, 1] per connection (stream "multigraph:candidates"); the candidates for K
//   are the first K of a fixed sequence of 20 per connection, so a larger K only adds edges and each weight's error
//   never grows with K. The mask is the exact closest subset sum (meet in the middle). Keeping every edge gives a sum
//   of K random numbers, unrelated to the target.
import type { MultigraphLayer, MultigraphPoint, MultigraphResult } from '../../../shared/analysis';
import { MULTIGRAPH_TARGETS, MULTIGRAPH_VARIANTS } from '../../../shared/analysis';
import { ValidationError } from '../../../shared/errors';
import { streamRng } from '../rng';

export interface MultigraphOptions {
  target: (typeof MULTIGRAPH_TARGETS)[number];
  variant: (typeof MULTIGRAPH_VARIANTS)[number];
  /** The curve runs K = 1 … kMax. */
  kMax: number;
  /** The K whose network, masks and outputs are returned. */
  k: number;
  seed: number;
}

/** The most parallel edges per connection (the contract's limit for kMax and k). */
export const MULTIGRAPH_MAX_K = 20;
const SAMPLES = 16;

/** A fully connected layer: w[i·out + o] is the weight from input i to output o. */
interface Dense {
  in: number;
  out: number;
  w: Float64Array;
  b: Float64Array;
  relu: boolean;
}

interface Target {
  layers: Dense[];
  inputs: number[][];
  description: string;
}

function xorTarget(): Target {
  const layers: Dense[] = [
    { in: 2, out: 2, w: Float64Array.from([1, -1, -1, 1]), b: new Float64Array(2), relu: true },
    { in: 2, out: 1, w: Float64Array.from([1, 1]), b: new Float64Array(1), relu: false },
  ];
  const inputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
  return { layers, inputs, description: 'XOR as the 2-2-1 ReLU net |x₀ − x₁| (weights ±1) on the 4 corners' };
}

function randomTarget(seed: number): Target {
  const rng = streamRng(seed, 'multigraph:target');
  const sizes = [4, 6, 2];
  const layers: Dense[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l]!;
    const nOut = sizes[l + 1]!;
    const w = new Float64Array(nIn * nOut);
    for (let i = 0; i < w.length; i++) w[i] = rng.range(-1, 1);
    const b = new Float64Array(nOut);
    for (let o = 0; o < nOut; o++) b[o] = rng.range(-0.25, 0.25);
    layers.push({ in: nIn, out: nOut, w, b, relu: l + 2 < sizes.length });
  }
  const inRng = streamRng(seed, 'multigraph:inputs');
  const inputs = Array.from({ length: 64 }, () => Array.from({ length: sizes[0]! }, () => inRng.uniform()));
  return { layers, inputs, description: 'a random 4-6-2 ReLU net (weights uniform in [−1, 1]) on 64 random inputs in [0, 1]⁴' };
}

/** Forward pass of the target's architecture with weights `ws` (one array per layer, [in][out] flattened). */
function forward(layers: readonly Dense[], ws: readonly Float64Array[], x: readonly number[]): number[] {
  let h: number[] = [...x];
  layers.forEach((l, li) => {
    const w = ws[li]!;
    const next = new Array<number>(l.out);
    for (let o = 0; o < l.out; o++) {
      let s = l.b[o]!;
      for (let i = 0; i < l.in; i++) s += h[i]! * w[i * l.out + o]!;
      next[o] = l.relu && s < 0 ? 0 : s;
    }
    h = next;
  });
  return h;
}

/** Root mean square of (outputs − reference) over every evaluation input and every output. */
function rmse(outs: readonly number[][], ref: readonly number[][]): number {
  let s = 0;
  let n = 0;
  outs.forEach((o, i) =>
    o.forEach((v, j) => {
      const d = v - ref[i]![j]!;
      s += d * d;
      n++;
    }),
  );
  return n > 0 ? Math.sqrt(s / n) : 0;
}

// ------------------------------------------------------------------ subset sums

/** The base2 candidates for K edges: −1, then 2^−j for j = 1 … K−1. */
export function base2Candidates(k: number): number[] {
  return Array.from({ length: k }, (_, j) => (j === 0 ? -1 : 2 ** -j));
}

/**
 * The exact closest subset sum of the base2 candidates to `target`, as a bitmask (bit j set = edge j kept):
 * m = round((target + 1) / 2^(1−K)) clamped to [0, 2^K − 1] picks the grid point −1 + m·2^(1−K); it is negative
 * (edge 0, weight −1, kept) when m < 2^(K−1), and the remaining K−1 edges are the binary digits of
 * r = m mod 2^(K−1): edge j (weight 2^−j = 2^(1−K)·2^(K−1−j)) is bit K−1−j of r.
 */
export function base2Mask(k: number, target: number): number {
  const q = 2 ** (1 - k);
  const half = 2 ** (k - 1);
  const m = Math.max(0, Math.min(2 * half - 1, Math.round((target + 1) / q)));
  let mask = m < half ? 1 : 0;
  const r = m % half;
  for (let j = 1; j < k; j++) if ((r >> (k - 1 - j)) & 1) mask |= 1 << j;
  return mask;
}

/** Subset sums of c[from … from + n − 1] for every bitmask of n bits (bit t = item from + t), in mask order. */
function subsetSums(c: ArrayLike<number>, from: number, n: number): Float64Array {
  const sums = new Float64Array(1 << n);
  for (let m = 1; m < sums.length; m++) {
    const low = m & -m;
    sums[m] = sums[m ^ low]! + c[from + 31 - Math.clz32(low)]!;
  }
  return sums;
}

/**
 * The subset of the candidates `c` (at most 30) whose sum is closest to `target`, as a bitmask (bit j = c[j] kept);
 * exact, by meeting in the middle: the sums of the second half are sorted, and for every subset of the first half a
 * binary search finds the best partner. Ties go to the first found (smaller first-half mask, then the smaller sum).
 */
export function closestSubsetSum(c: ArrayLike<number>, target: number): number {
  const k = c.length;
  if (k > 30) throw new ValidationError(`closestSubsetSum: at most 30 candidates, got ${k}`);
  const h = k >> 1;
  const first = subsetSums(c, 0, h);
  const second = subsetSums(c, h, k - h);
  const order = Array.from(second.keys()).sort((x, y) => second[x]! - second[y]!);
  const sorted = Float64Array.from(order, (i) => second[i]!);
  let best = Infinity;
  let bestMask = 0;
  for (let m1 = 0; m1 < first.length; m1++) {
    const want = target - first[m1]!;
    // The first sorted index with sum ≥ want; the closest partner is it or the one before.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < want) lo = mid + 1;
      else hi = mid;
    }
    for (const t of [lo - 1, lo]) {
      if (t < 0 || t >= sorted.length) continue;
      const err = Math.abs(want - sorted[t]!);
      if (err < best) {
        best = err;
        bestMask = m1 | (order[t]! << h);
      }
    }
  }
  return bestMask;
}

// ------------------------------------------------------------------ the pump

/** Candidates of every connection of every layer: [layer][(i·out + o)·MAX_K + j]. */
function candidatesFor(t: Target, variant: MultigraphOptions['variant'], seed: number): Float64Array[] {
  const rng = streamRng(seed, 'multigraph:candidates');
  const base2 = base2Candidates(MULTIGRAPH_MAX_K);
  return t.layers.map((l) => {
    const c = new Float64Array(l.in * l.out * MULTIGRAPH_MAX_K);
    for (let p = 0; p < l.in * l.out; p++) {
      for (let j = 0; j < MULTIGRAPH_MAX_K; j++) c[p * MULTIGRAPH_MAX_K + j] = variant === 'base2' ? base2[j]! : rng.range(-1, 1);
    }
    return c;
  });
}

interface Fit {
  /** Per layer: the mask bits of each connection, the masked sum and the sum of all K candidates, [i·out + o]. */
  masks: Int32Array[];
  approx: Float64Array[];
  unmasked: Float64Array[];
}

/** The masks for K edges: base2 by rounding (exact), random by the exact meet-in-the-middle search. */
function fit(t: Target, cands: Float64Array[], variant: MultigraphOptions['variant'], k: number): Fit {
  const masks: Int32Array[] = [];
  const approx: Float64Array[] = [];
  const unmasked: Float64Array[] = [];
  t.layers.forEach((l, li) => {
    const n = l.in * l.out;
    const mk = new Int32Array(n);
    const ap = new Float64Array(n);
    const un = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      const c = cands[li]!.subarray(p * MULTIGRAPH_MAX_K, p * MULTIGRAPH_MAX_K + k);
      const m = variant === 'base2' ? base2Mask(k, l.w[p]!) : closestSubsetSum(c, l.w[p]!);
      let s = 0;
      let all = 0;
      for (let j = 0; j < k; j++) {
        if ((m >> j) & 1) s += c[j]!;
        all += c[j]!;
      }
      mk[p] = m;
      ap[p] = s;
      un[p] = all;
    }
    masks.push(mk);
    approx.push(ap);
    unmasked.push(un);
  });
  return { masks, approx, unmasked };
}

function checkOptions(p: MultigraphOptions): void {
  if (!MULTIGRAPH_TARGETS.includes(p.target)) throw new ValidationError(`multigraph: unknown target ${String(p.target)}`);
  if (!MULTIGRAPH_VARIANTS.includes(p.variant)) throw new ValidationError(`multigraph: unknown variant ${String(p.variant)}`);
  for (const [name, v] of [['kMax', p.kMax], ['k', p.k]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MULTIGRAPH_MAX_K) throw new ValidationError(`multigraph: ${name} must be an integer in 1 … ${MULTIGRAPH_MAX_K}, got ${v}`);
  }
  if (!Number.isInteger(p.seed) || p.seed < 0) throw new ValidationError(`multigraph: seed must be a non-negative integer, got ${p.seed}`);
}

/**
 * Runs the pump. curve[K − 1] for K = 1 … kMax: maxWeightError and meanWeightError = max and mean over every
 * connection of |masked sum − target weight|; outputRmse and unmaskedRmse = RMS over every evaluation input and
 * output of (net − target net), with the masked sums and with the sums of all K candidates as weights. `layers` and
 * `samples` (the first 16 evaluation inputs) show the net at K = k.
 */
export function runMultigraph(p: MultigraphOptions): Omit<MultigraphResult, 'meta'> {
  checkOptions(p);
  const t = p.target === 'xor' ? xorTarget() : randomTarget(p.seed);
  const cands = candidatesFor(t, p.variant, p.seed);
  const targetWs = t.layers.map((l) => l.w);
  const targetOut = t.inputs.map((x) => forward(t.layers, targetWs, x));

  const curve: MultigraphPoint[] = [];
  for (let k = 1; k <= p.kMax; k++) {
    const f = fit(t, cands, p.variant, k);
    let maxErr = 0;
    let sumErr = 0;
    let n = 0;
    t.layers.forEach((l, li) => {
      for (let q = 0; q < l.w.length; q++) {
        const e = Math.abs(f.approx[li]![q]! - l.w[q]!);
        maxErr = Math.max(maxErr, e);
        sumErr += e;
        n++;
      }
    });
    curve.push({
      k,
      maxWeightError: maxErr,
      meanWeightError: n > 0 ? sumErr / n : 0,
      outputRmse: rmse(t.inputs.map((x) => forward(t.layers, f.approx, x)), targetOut),
      unmaskedRmse: rmse(t.inputs.map((x) => forward(t.layers, f.unmasked, x)), targetOut),
    });
  }

  const k = p.k;
  const f = fit(t, cands, p.variant, k);
  const layers: MultigraphLayer[] = t.layers.map((l, li) => {
    const grid = <T>(cell: (q: number) => T) => Array.from({ length: l.in }, (_, i) => Array.from({ length: l.out }, (_, o) => cell(i * l.out + o)));
    return {
      in: l.in,
      out: l.out,
      target: grid((q) => l.w[q]!),
      candidates: grid((q) => Array.from(cands[li]!.subarray(q * MULTIGRAPH_MAX_K, q * MULTIGRAPH_MAX_K + k))),
      mask: grid((q) => Array.from({ length: k }, (_, j) => (f.masks[li]![q]! >> j) & 1)),
      approx: grid((q) => f.approx[li]![q]!),
    };
  });
  const samples = t.inputs.slice(0, SAMPLES).map((x, i) => ({
    input: [...x],
    target: targetOut[i]!,
    masked: forward(t.layers, f.approx, x),
    unmasked: forward(t.layers, f.unmasked, x),
  }));

  const edges =
    p.variant === 'base2'
      ? 'K parallel edges per connection weighted −1, ½, ¼, …, 2^(1−K) (the bits of a two\u2019s-complement number), so the best subset matches every weight to within 2^(1−K)'
      : 'K parallel edges per connection with random weights uniform in [−1, 1], where the best subset (exact subset-sum search) matches each weight ever more closely as K grows';
  const description =
    `Pruning alone rebuilds ${t.description}: ${edges}; shown at K = ${k}. ` +
    'Keeping every edge instead sums all candidates, which computes nothing useful.';
  return { target: p.target, variant: p.variant, description, curve, shown: k, layers, samples };
}
