// Top-k selection of scores into 0/1 masks: pure and deterministic (ties at the threshold are kept in order of
// array, then position). Used by pruning at initialisation (pai.ts) and edge-popup supermasks (supermask.ts).
// NaN scores rank below every number.

const rank = (v: number): number => (Number.isNaN(v) ? -Infinity : v);

/**
 * The value at 0-based position `index` of `a` sorted ascending, by quickselect (Hoare partition, median of three):
 * O(n) on average, reorders `a` in place.
 */
export function selectInPlace(a: Float64Array, index: number): number {
  if (index < 0 || index >= a.length) throw new RangeError(`selectInPlace: index ${index} outside 0..${a.length - 1}`);
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot, a[i..hi] >= pivot and everything strictly between j and i equals the pivot.
    if (index <= j) hi = j;
    else if (index >= i) lo = i;
    else return a[index]!;
  }
  return a[lo]!;
}

/**
 * Keep the `keep` highest scores among the candidate positions of several arrays ranked together (one pool):
 * everything above the threshold, then the positions equal to it in order until `keep` are kept. Positions that are
 * not candidates (candidates[i][j] = 0) are never kept.
 */
export function keepTopPooled(scores: readonly ArrayLike<number>[], keep: number, candidates?: readonly Uint8Array[]): Uint8Array[] {
  const out = scores.map((s) => new Uint8Array(s.length));
  let n = 0;
  scores.forEach((s, i) => {
    const c = candidates?.[i];
    if (!c) n += s.length;
    else for (let j = 0; j < s.length; j++) n += c[j]!;
  });
  const k = Math.max(0, Math.min(n, Math.round(keep)));
  if (k === 0) return out;
  // Plain loops over each array (this runs at every training step of edge-popup on layers of millions of weights).
  const pool = new Float64Array(n);
  let p = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    const c = candidates?.[i];
    for (let j = 0; j < s.length; j++) {
      if (c && !c[j]) continue;
      const v = s[j]!;
      pool[p++] = v === v ? v : -Infinity;
    }
  }
  const threshold = selectInPlace(pool, n - k);
  let ties = k;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    const c = candidates?.[i];
    const o = out[i]!;
    for (let j = 0; j < s.length; j++) {
      if (c && !c[j]) continue;
      if (rank(s[j]!) > threshold) {
        o[j] = 1;
        ties--;
      }
    }
  }
  for (let i = 0; i < scores.length && ties > 0; i++) {
    const s = scores[i]!;
    const c = candidates?.[i];
    const o = out[i]!;
    for (let j = 0; j < s.length && ties > 0; j++) {
      if ((!c || c[j]) && rank(s[j]!) === threshold) {
        o[j] = 1;
        ties--;
      }
    }
  }
  return out;
}

/**
 * Masks keeping the highest scores, `density` being the fraction of ALL weights kept (candidates only restrict which
 * positions may be kept, e.g. the survivors of an earlier iteration): `global` ranks all layers together and keeps
 * round(density · all weights); `layerwise` keeps round(density · the layer's weights) in each layer.
 */
export function keepTop(
  scores: readonly ArrayLike<number>[],
  density: number,
  ranking: 'layerwise' | 'global',
  candidates?: readonly Uint8Array[],
): Uint8Array[] {
  if (ranking === 'global') {
    const total = scores.reduce((a, s) => a + s.length, 0);
    return keepTopPooled(scores, density * total, candidates);
  }
  return scores.map((s, i) => keepTopPooled([s], density * s.length, candidates ? [candidates[i]!] : undefined)[0]!);
}
