// Mask overlap: how much two pruning masks of the same architecture agree, per layer and over all prunable weights,
// against what two independent random masks of the same densities would share. Pure TypeScript over the masks'
// bytes (no tfjs): a Conv-6 pair (2.26M weights) takes a few milliseconds.
//
// Chance is computed per layer and summed: two independent random masks with the same per-layer kept counts share
// E|A∩B| = Σ_l kA_l·kB_l / n_l weights (exactly, for masks drawn uniformly among those with these counts), and the
// overall expected Jaccard and overlap coefficient are formed from that sum (see statsFromCounts). Pooling all layers
// into one density instead would report "more overlap than chance" for masks that share nothing beyond their
// per-layer densities whenever the layers' densities differ.
//
// Conventions used by every function here:
// - A mask is a Uint8Array in the layer's weight order (tfjs layout: dense [in, out], conv [kh, kw, in, out]); a
//   weight is *kept* when its byte is non-zero (the contract stores 0/1; any non-zero byte counts as kept).
// - A layer's weights form a [fanIn, units] matrix with units = the last dimension of the shape and
//   fanIn = size / units (kh·kw·in for conv, in (kh, kw, in) order). The unit index runs fastest:
//   index = row · units + unit.
// - Counts are exact integers; every ratio whose denominator is 0 is null, never NaN.
import type { LayerOverlap, OverlapMatrixResult, OverlapStats } from '../../../shared/analysis';
import { ValidationError } from '../../../shared/errors';
import type { LayerState } from '../../../shared/tensors';

/** One prunable layer as the overlap analyses need it: its mask, and its weights when the state has them. */
export type MaskLayer = Pick<LayerState, 'name' | 'kind' | 'shape' | 'mask'> & { weight?: Float32Array };

/** Raw counts behind OverlapStats; they add up over layers. */
interface Counts {
  size: number;
  keptA: number;
  keptB: number;
  both: number;
  /** E|A∩B| for independent random masks with these per-layer counts: kA·kB / n for one layer, summed over layers. */
  expBoth: number;
  /** Weights kept in both whose signs were compared, and those whose signs agree; null when not compared. */
  signed: number | null;
  sameSign: number | null;
}

// ------------------------------------------------------------------ counting kernels
// Masks are 0/1 bytes by contract, which lets the hot loops add bytes and AND them with no branch (a data-dependent
// branch per weight costs several times more on random masks). countMasks also ORs every byte together: if any byte
// is above 1, the caller replaces the masks by 0/1 copies (asBits) and counts again, so any non-zero byte is "kept".

/** Counts kept weights of a and b and of both over the first n bytes of 0/1 masks; `or` is the OR of all bytes. */
function countMasks(a: Uint8Array, b: Uint8Array, n: number): Counts & { or: number } {
  let keptA = 0;
  let keptB = 0;
  let both = 0;
  let or = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    keptA += x;
    keptB += y;
    both += x & y;
    or |= x | y;
  }
  return { size: n, keptA, keptB, both, expBoth: chanceBoth(n, keptA, keptB), signed: null, sameSign: null, or };
}

/** E|A∩B| of one layer of n weights: kA·kB / n (0 for an empty layer). */
function chanceBoth(n: number, keptA: number, keptB: number): number {
  return n > 0 ? (keptA * keptB) / n : 0;
}

/** The mask as 0/1 bytes: itself when it already is, else a copy with 1 for every non-zero byte. */
function asBits(m: Uint8Array): Uint8Array {
  for (let i = 0; i < m.length; i++) if (m[i]! > 1) return Uint8Array.from(m, (v) => (v !== 0 ? 1 : 0));
  return m;
}

/** countMasks on 0/1 masks, normalising them first when they hold other values; returns the masks counted. */
function countBits(a: Uint8Array, b: Uint8Array): { counts: Counts; a: Uint8Array; b: Uint8Array } {
  const c = countMasks(a, b, a.length);
  if (c.or <= 1) return { counts: c, a, b };
  const [a1, b1] = [asBits(a), asBits(b)];
  return { counts: countMasks(a1, b1, a1.length), a: a1, b: b1 };
}

/**
 * Unit liveness of a mask over the [n / units, units] matrix: alive[u] = 1 iff some row r has m[r·units + u] ≠ 0.
 * Scans each unit's column until its first kept weight, so an alive unit costs about 1 / density reads.
 */
function aliveUnits(m: Uint8Array, units: number): Uint8Array {
  const alive = new Uint8Array(units);
  const n = m.length;
  for (let u = 0; u < units; u++) {
    let i = u;
    while (i < n && m[i] === 0) i += units;
    alive[u] = i < n ? 1 : 0;
  }
  return alive;
}

/**
 * Sign agreement over the weights kept in both 0/1 masks: returns [compared, agreeing]. The sign of a weight is
 * +1 (w > 0), −1 (w < 0) or 0 (w = 0, also −0): zero is its own sign, so a zero agrees only with a zero. A NaN weight
 * (neither > 0 nor < 0) counts as sign 0.
 */
function countSigns(a: Uint8Array, b: Uint8Array, wa: Float32Array, wb: Float32Array, n: number): [number, number] {
  let signed = 0;
  let same = 0;
  for (let i = 0; i < n; i++) {
    if ((a[i]! & b[i]!) !== 0) {
      const u = wa[i]!;
      const v = wb[i]!;
      const su = +(u > 0) - +(u < 0);
      const sv = +(v > 0) - +(v < 0);
      signed++;
      same += +(su === sv);
    }
  }
  return [signed, same];
}

function addCounts(into: Counts, c: Counts): void {
  into.size += c.size;
  into.keptA += c.keptA;
  into.keptB += c.keptB;
  into.both += c.both;
  into.expBoth += c.expBoth;
  into.signed = into.signed !== null && c.signed !== null ? into.signed + c.signed : null;
  into.sameSign = into.sameSign !== null && c.sameSign !== null ? into.sameSign + c.sameSign : null;
}

/**
 * OverlapStats from counts, with kA = keptA, kB = keptB and E = expBoth (E|A∩B| under chance, per layer and summed):
 * - union = kA + kB − both; jaccard = both / union (null when union = 0, i.e. both masks empty);
 * - overlapCoefficient = both / min(kA, kB) (null when either mask is empty);
 * - expected values for two independent uniformly random masks with the same per-layer counts: expectedBoth = E
 *   (exact), expectedOverlapCoefficient = E / min(kA, kB) (exact: the denominator is fixed; for one layer it is
 *   max(pA, pB)), and expectedJaccard = E / (kA + kB − E), the ratio of the expected intersection to the expected
 *   union (for one layer pA·pB / (pA + pB − pA·pB)). The exact E[Jaccard] differs from it by a relative
 *   O(1 / (kA + kB)) (delta method: at most about 4 / (kA + kB), since Var|A∩B| ≤ E). Null under the same conditions
 *   as the observed values;
 * - jaccardRatio = jaccard / expectedJaccard (null when either is null or expectedJaccard = 0, i.e. one mask empty);
 * - signAgreement = agreeing / compared over the weights kept in both (null without weights or when none is kept in
 *   both).
 */
function statsFromCounts(c: Counts): OverlapStats {
  const { size, keptA, keptB, both } = c;
  const union = keptA + keptB - both;
  const minKept = Math.min(keptA, keptB);
  const jaccard = union > 0 ? both / union : null;
  const overlapCoefficient = minKept > 0 ? both / minKept : null;
  const expectedBoth = c.expBoth;
  const expectedJaccard = union > 0 ? expectedBoth / (keptA + keptB - expectedBoth) : null;
  const expectedOverlapCoefficient = minKept > 0 ? expectedBoth / minKept : null;
  const jaccardRatio = jaccard !== null && expectedJaccard !== null && expectedJaccard > 0 ? jaccard / expectedJaccard : null;
  const signAgreement = c.signed !== null && c.sameSign !== null && c.signed > 0 ? c.sameSign / c.signed : null;
  return {
    size,
    keptA,
    keptB,
    both,
    union,
    jaccard,
    overlapCoefficient,
    expectedBoth,
    expectedJaccard,
    expectedOverlapCoefficient,
    jaccardRatio,
    signAgreement,
  };
}

// ------------------------------------------------------------------ checks

const fmtShape = (shape: readonly number[]) => `[${shape.join(',')}]`;
const sameShape = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((d, i) => d === y[i]);
const shapeSize = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Throws unless the layer's mask (and weights, when given) hold exactly the shape's number of entries. */
function checkLayer(l: MaskLayer, which: string): void {
  const n = shapeSize(l.shape);
  if (l.shape.length < 1 || l.shape[l.shape.length - 1]! < 1) {
    throw new ValidationError(`layer ${l.name}: shape ${fmtShape(l.shape)} of ${which} has no units`);
  }
  if (l.mask.length !== n) {
    throw new ValidationError(`layer ${l.name}: the mask of ${which} has ${l.mask.length} entries, shape ${fmtShape(l.shape)} needs ${n}`);
  }
  if (l.weight && l.weight.length !== n) {
    throw new ValidationError(`layer ${l.name}: the weights of ${which} have ${l.weight.length} entries, shape ${fmtShape(l.shape)} needs ${n}`);
  }
}

function checkPair(la: MaskLayer, lb: MaskLayer): void {
  if (!sameShape(la.shape, lb.shape)) {
    throw new ValidationError(`layer ${la.name}: shapes differ, ${fmtShape(la.shape)} in A and ${fmtShape(lb.shape)} in B`);
  }
  checkLayer(la, 'A');
  checkLayer(lb, 'B');
}

/** Throws "masks have different architectures: ..." unless the two lists have the same layers (name, kind, shape) in order. */
function checkArchitectures(layersA: readonly MaskLayer[], layersB: readonly MaskLayer[], nameA = 'A', nameB = 'B'): void {
  const describe = (ls: readonly MaskLayer[]) => ls.map((l) => l.name).join(', ');
  if (layersA.length !== layersB.length) {
    throw new ValidationError(
      `masks have different architectures: ${nameA} has ${layersA.length} prunable layers (${describe(layersA)}), ${nameB} has ${layersB.length} (${describe(layersB)})`,
    );
  }
  for (let i = 0; i < layersA.length; i++) {
    const a = layersA[i]!;
    const b = layersB[i]!;
    if (a.name !== b.name || a.kind !== b.kind || !sameShape(a.shape, b.shape)) {
      throw new ValidationError(
        `masks have different architectures: layer ${i + 1} is ${a.kind} ${a.name} ${fmtShape(a.shape)} in ${nameA} but ${b.kind} ${b.name} ${fmtShape(b.shape)} in ${nameB}`,
      );
    }
  }
}

// ------------------------------------------------------------------ public functions

/**
 * Overlap of masks a and b over the same weights (same length required). With both weight arrays, also the sign
 * agreement among the weights kept in both (a zero weight has its own sign, 0; see countSigns). See statsFromCounts
 * for the exact definition of every field.
 */
export function overlapStats(a: Uint8Array, b: Uint8Array, wa?: Float32Array, wb?: Float32Array): OverlapStats {
  if (a.length !== b.length) throw new ValidationError(`masks have different sizes: ${a.length} and ${b.length}`);
  const n = a.length;
  const { counts, a: a1, b: b1 } = countBits(a, b);
  if (wa && wb) {
    if (wa.length !== n || wb.length !== n) {
      throw new ValidationError(`weights have ${wa.length} and ${wb.length} entries, the masks ${n}`);
    }
    [counts.signed, counts.sameSign] = countSigns(a1, b1, wa, wb, n);
  }
  return statsFromCounts(counts);
}

function layerCounts(la: MaskLayer, lb: MaskLayer, withWeights: boolean): { counts: Counts; units: number; aliveA: Uint8Array; aliveB: Uint8Array } {
  checkPair(la, lb);
  const units = la.shape[la.shape.length - 1]!;
  const { counts, a, b } = countBits(la.mask, lb.mask);
  if (withWeights && la.weight && lb.weight) [counts.signed, counts.sameSign] = countSigns(a, b, la.weight, lb.weight, a.length);
  return { counts, units, aliveA: aliveUnits(a, units), aliveB: aliveUnits(b, units) };
}

function layerResult(la: MaskLayer, r: ReturnType<typeof layerCounts>): LayerOverlap {
  const unitCodes = new Array<number>(r.units);
  let aliveA = 0;
  let aliveB = 0;
  let aliveBoth = 0;
  for (let u = 0; u < r.units; u++) {
    const x = r.aliveA[u]!;
    const y = r.aliveB[u]!;
    aliveA += x;
    aliveB += y;
    aliveBoth += x & y;
    unitCodes[u] = x | (y << 1);
  }
  return { layer: la.name, kind: la.kind, units: r.units, aliveA, aliveB, aliveBoth, unitCodes, ...statsFromCounts(r.counts) };
}

/**
 * Overlap of one layer's masks in states A and B (same shape, else a ValidationError naming the layer and both
 * shapes). Units = the shape's last dimension (dense outputs, conv output channels); a unit is alive in a mask when
 * at least one of its incoming weights is kept. unitCodes[u] = (alive in A ? 1 : 0) + (alive in B ? 2 : 0):
 * 0 dead in both, 1 only A, 2 only B, 3 both. signAgreement is computed when withWeights and both layers carry
 * weights, else null.
 */
export function layerOverlap(la: MaskLayer, lb: MaskLayer, withWeights: boolean): LayerOverlap {
  return layerResult(la, layerCounts(la, lb, withWeights));
}

/**
 * Per-layer overlap of two states' masks, and the overall overlap over all their prunable weights (the counts of
 * every layer added up, so overall Jaccard weighs layers by size; the chance level is each layer's, summed). Layers are matched by position and must agree in
 * name, kind and shape ("masks have different architectures: ..." otherwise). The overall signAgreement is given
 * only when every layer's could be computed.
 */
export function maskOverlap(layersA: readonly MaskLayer[], layersB: readonly MaskLayer[], withWeights: boolean): { layers: LayerOverlap[]; overall: OverlapStats } {
  checkArchitectures(layersA, layersB);
  const total: Counts = { size: 0, keptA: 0, keptB: 0, both: 0, expBoth: 0, signed: 0, sameSign: 0 };
  const layers = layersA.map((la, i) => {
    const r = layerCounts(la, layersB[i]!, withWeights);
    addCounts(total, r.counts);
    return layerResult(la, r);
  });
  if (layers.length === 0) {
    total.signed = null;
    total.sameSign = null;
  }
  return { layers, overall: statsFromCounts(total) };
}

/**
 * Overall and per-layer Jaccard of every pair of states' masks (no weights), as symmetric matrices, the overall
 * chance level per layer and summed as in maskOverlap. Each pair is counted once (i < j) and mirrored; the diagonal
 * compares a mask with itself: Jaccard 1 (null for an empty mask), expected Jaccard E / (2K − E) with K the kept
 * count and E = Σ_l k_l² / n_l (p / (2 − p) when every layer has density p). All states must have the same
 * architecture.
 */
export function overlapMatrix(states: readonly (readonly MaskLayer[])[]): Omit<OverlapMatrixResult, 'states' | 'meta'> {
  const s = states.length;
  const first = states[0] ?? [];
  states.forEach((st, i) => {
    checkArchitectures(first, st, 'state 1', `state ${i + 1}`);
    st.forEach((l) => checkLayer(l, `state ${i + 1}`));
  });
  const square = () => Array.from({ length: s }, () => new Array<number | null>(s).fill(null));
  const jaccard = square();
  const expectedJaccard = square();
  const jaccardRatio = square();
  const layers = first.map((l) => ({ layer: l.name, jaccard: square() }));
  const put = (i: number, j: number, o: OverlapStats, perLayer: OverlapStats[]) => {
    for (const [x, y] of [[i, j], [j, i]] as const) {
      jaccard[x]![y] = o.jaccard;
      expectedJaccard[x]![y] = o.expectedJaccard;
      jaccardRatio[x]![y] = o.jaccardRatio;
      perLayer.forEach((lo, li) => (layers[li]!.jaccard[x]![y] = lo.jaccard));
    }
  };
  for (let i = 0; i < s; i++) {
    // The diagonal from each layer's kept count alone.
    const total: Counts = { size: 0, keptA: 0, keptB: 0, both: 0, expBoth: 0, signed: null, sameSign: null };
    const perLayer = states[i]!.map((l) => {
      const k = countBits(l.mask, l.mask).counts.keptA;
      const n = l.mask.length;
      const c: Counts = { size: n, keptA: k, keptB: k, both: k, expBoth: chanceBoth(n, k, k), signed: null, sameSign: null };
      addCounts(total, c);
      return statsFromCounts(c);
    });
    put(i, i, statsFromCounts(total), perLayer);
    for (let j = i + 1; j < s; j++) {
      const totalIJ: Counts = { size: 0, keptA: 0, keptB: 0, both: 0, expBoth: 0, signed: null, sameSign: null };
      const perLayerIJ = states[i]!.map((la, li) => {
        const lb = states[j]![li]!;
        const c = countBits(la.mask, lb.mask).counts;
        addCounts(totalIJ, c);
        return statsFromCounts(c);
      });
      put(i, j, statsFromCounts(totalIJ), perLayerIJ);
    }
  }
  return { jaccard, expectedJaccard, jaccardRatio, layers };
}

/** The [fanIn, units] matrix a layer's weights form: rows = fan-in (kh·kw·in for conv), cols = units. */
export function maskMatrixShape(l: Pick<MaskLayer, 'shape'>): { rows: number; cols: number } {
  const cols = l.shape[l.shape.length - 1] ?? 0;
  return { rows: cols > 0 ? shapeSize(l.shape) / cols : 0, cols };
}

/**
 * Colour codes of a window of a layer's [fanIn, units] matrix under two masks, row-major, one byte per weight:
 * code = (kept in A ? 1 : 0) + (kept in B ? 2 : 0), i.e. 0 pruned in both, 1 kept only in A, 2 kept only in B,
 * 3 kept in both. The window is clamped to the matrix: row0 into [0, rows − 1], rows into [0, totalRows − row0]
 * (the same for columns), so the result has rows'·cols' bytes for the clamped sizes (empty for an empty layer or a
 * window of no rows or columns).
 */
export function maskPixelCodes(la: MaskLayer, lb: MaskLayer, row0: number, col0: number, rows: number, cols: number): Uint8Array {
  checkPair(la, lb);
  const { rows: totalRows, cols: totalCols } = maskMatrixShape(la);
  const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(x)));
  const r0 = clamp(row0, 0, Math.max(0, totalRows - 1));
  const c0 = clamp(col0, 0, Math.max(0, totalCols - 1));
  const nr = clamp(rows, 0, totalRows - r0);
  const nc = clamp(cols, 0, totalCols - c0);
  const out = new Uint8Array(nr * nc);
  const a = la.mask;
  const b = lb.mask;
  for (let r = 0; r < nr; r++) {
    const src = (r0 + r) * totalCols + c0;
    const dst = r * nc;
    for (let c = 0; c < nc; c++) out[dst + c] = (a[src + c]! !== 0 ? 1 : 0) | (b[src + c]! !== 0 ? 2 : 0);
  }
  return out;
}
