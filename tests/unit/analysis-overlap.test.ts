// Mask overlap (src/main/engine/analysis/overlap.ts): known answers on hand-made masks, the chance level on
// independent random masks, unit alive codes, pixel codes, the overlap matrix, and a timing of a Conv-6-sized pair.
import { describe, expect, it } from 'vitest';
import {
  layerOverlap,
  maskOverlap,
  maskPixelCodes,
  overlapMatrix,
  overlapStats,
  type MaskLayer,
} from '../../src/main/engine/analysis/overlap';
import { Rng } from '../../src/main/engine/rng';

const layer = (name: string, kind: 'dense' | 'conv', shape: number[], mask: number[] | Uint8Array, weight?: number[]): MaskLayer => ({
  name,
  kind,
  shape,
  mask: mask instanceof Uint8Array ? mask : Uint8Array.from(mask),
  ...(weight ? { weight: Float32Array.from(weight) } : {}),
});

function randomMask(n: number, density: number, rng: Rng): Uint8Array {
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = rng.uniform() < density ? 1 : 0;
  return m;
}

/** Conv-6's prunable layers on 32x32x3 inputs, tfjs layout. */
const CONV6_SHAPES: [string, 'dense' | 'conv', number[]][] = [
  ['conv1', 'conv', [3, 3, 3, 64]],
  ['conv2', 'conv', [3, 3, 64, 64]],
  ['conv3', 'conv', [3, 3, 64, 128]],
  ['conv4', 'conv', [3, 3, 128, 128]],
  ['conv5', 'conv', [3, 3, 128, 256]],
  ['conv6', 'conv', [3, 3, 256, 256]],
  ['fc1', 'dense', [4096, 256]],
  ['fc2', 'dense', [256, 256]],
  ['fc3', 'dense', [256, 10]],
];

const noNaN = (o: object) => Object.values(o).every((v) => typeof v !== 'number' || !Number.isNaN(v));

describe('overlapStats', () => {
  it('gives Jaccard 1, overlap 1 and ratio 1/expected for identical masks', () => {
    const m = Uint8Array.from([1, 0, 1, 1, 0, 0, 0, 1, 0, 0]);
    const s = overlapStats(m, m);
    expect(s).toMatchObject({ size: 10, keptA: 4, keptB: 4, both: 4, union: 4, jaccard: 1, overlapCoefficient: 1, signAgreement: null });
    const p = 0.4;
    expect(s.expectedJaccard).toBeCloseTo(p / (2 - p), 12);
    expect(s.expectedOverlapCoefficient).toBeCloseTo(p, 12);
    expect(s.jaccardRatio).toBeCloseTo(1 / (p / (2 - p)), 12);
  });

  it('gives Jaccard 0 for disjoint and for complementary masks', () => {
    const a = Uint8Array.from([1, 1, 0, 0, 0, 0]);
    const b = Uint8Array.from([0, 0, 1, 0, 1, 0]);
    const d = overlapStats(a, b);
    expect(d).toMatchObject({ both: 0, union: 4, jaccard: 0, overlapCoefficient: 0, jaccardRatio: 0 });
    const c = overlapStats(a, Uint8Array.from(a, (x) => 1 - x));
    expect(c).toMatchObject({ keptA: 2, keptB: 4, both: 0, union: 6, jaccard: 0, overlapCoefficient: 0 });
    // pA = 1/3, pB = 2/3: expected Jaccard (2/9) / (1 − 2/9) = 2/7, expected overlap max(pA, pB) = 2/3.
    expect(c.expectedJaccard).toBeCloseTo(2 / 7, 12);
    expect(c.expectedOverlapCoefficient).toBeCloseTo(2 / 3, 12);
  });

  it('gives nulls, never NaN, for empty masks and empty layers', () => {
    const z = new Uint8Array(8);
    const e = overlapStats(z, z);
    expect(e).toMatchObject({ size: 8, keptA: 0, both: 0, union: 0, jaccard: null, overlapCoefficient: null, expectedJaccard: null, jaccardRatio: null });
    expect(noNaN(e)).toBe(true);
    const one = overlapStats(z, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(one).toMatchObject({ jaccard: 0, overlapCoefficient: null, expectedJaccard: 0, expectedOverlapCoefficient: null, jaccardRatio: null });
    expect(noNaN(one)).toBe(true);
    const none = overlapStats(new Uint8Array(0), new Uint8Array(0), new Float32Array(0), new Float32Array(0));
    expect(none).toMatchObject({ size: 0, jaccard: null, expectedJaccard: null, signAgreement: null });
    expect(noNaN(none)).toBe(true);
  });

  it('matches the chance level for independent random masks of densities 0.2 and 0.5', () => {
    const rng = new Rng(11);
    const n = 200_000;
    const a = randomMask(n, 0.2, rng);
    const b = randomMask(n, 0.5, rng);
    const s = overlapStats(a, b);
    const pA = s.keptA / n;
    const pB = s.keptB / n;
    expect(s.expectedJaccard).toBeCloseTo((pA * pB) / (pA + pB - pA * pB), 12);
    expect(Math.abs(s.jaccard! / s.expectedJaccard! - 1)).toBeLessThan(0.02);
    expect(s.jaccardRatio!).toBeGreaterThan(0.98);
    expect(s.jaccardRatio!).toBeLessThan(1.02);
    expect(s.expectedOverlapCoefficient).toBeCloseTo(Math.max(pA, pB), 12);
    expect(Math.abs(s.overlapCoefficient! / s.expectedOverlapCoefficient! - 1)).toBeLessThan(0.02);
  });

  it('counts any non-zero mask byte as kept', () => {
    const s = overlapStats(Uint8Array.from([255, 2, 0, 1]), Uint8Array.from([1, 0, 7, 1]), Float32Array.from([1, 1, 1, 1]), Float32Array.from([1, 1, 1, -1]));
    expect(s).toMatchObject({ keptA: 3, keptB: 3, both: 2, union: 4, jaccard: 0.5, signAgreement: 0.5 });
    const o = layerOverlap(layer('fc1', 'dense', [2, 2], [0, 9, 0, 0]), layer('fc1', 'dense', [2, 2], [0, 0, 3, 0]), false);
    expect(o).toMatchObject({ keptA: 1, keptB: 1, both: 0, unitCodes: [2, 1] });
  });

  it('counts sign agreement over the weights kept in both, zero being its own sign', () => {
    const a = Uint8Array.from([1, 1, 1, 1, 1, 1, 0, 1]);
    const b = Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1]);
    const wa = Float32Array.from([0.5, -0.2, 0.3, 0, -0, 9, 9, -1]);
    const wb = Float32Array.from([0.1, -0.7, -0.3, 0, 0, -9, -9, 2]);
    // Kept in both: 0..4 and 7. Agree: 0 (+,+), 1 (−,−), 3 (0,0), 4 (−0,0); disagree: 2 (+,−), 7 (−,+).
    const s = overlapStats(a, b, wa, wb);
    expect(s.both).toBe(6);
    expect(s.signAgreement).toBeCloseTo(4 / 6, 12);
    expect(overlapStats(a, b, wa).signAgreement).toBeNull();
    expect(overlapStats(Uint8Array.from([0, 1]), Uint8Array.from([1, 0]), Float32Array.from([1, 1]), Float32Array.from([1, 1])).signAgreement).toBeNull();
    // A zero never agrees with a non-zero weight.
    expect(overlapStats(Uint8Array.from([1]), Uint8Array.from([1]), Float32Array.from([0]), Float32Array.from([1e-9])).signAgreement).toBe(0);
  });
});

describe('layerOverlap', () => {
  it('codes unit liveness of a dense layer (unit index fastest)', () => {
    // [in = 3, out = 4]: index = row·4 + unit. Unit 0 alive in A only, 1 in B only, 2 in both, 3 in neither.
    const a = [1, 0, 0, 0, /**/ 0, 0, 1, 0, /**/ 0, 0, 0, 0];
    const b = [0, 0, 0, 0, /**/ 0, 1, 0, 0, /**/ 0, 0, 1, 0];
    const o = layerOverlap(layer('fc1', 'dense', [3, 4], a), layer('fc1', 'dense', [3, 4], b), false);
    expect(o).toMatchObject({ layer: 'fc1', kind: 'dense', units: 4, aliveA: 2, aliveB: 2, aliveBoth: 1, unitCodes: [1, 2, 3, 0] });
    expect(o).toMatchObject({ keptA: 2, keptB: 2, both: 0, jaccard: 0, signAgreement: null });
  });

  it('codes unit liveness of a conv layer over all kernel positions and input channels', () => {
    // [kh = 2, kw = 1, in = 2, out = 3]: rows (kh, kw, in) = 4, index = row·3 + channel.
    const shape = [2, 1, 2, 3];
    const a = new Uint8Array(12);
    const b = new Uint8Array(12);
    a[3 * 3 + 0] = 1; // last row, channel 0
    b[1 * 3 + 0] = 1; // channel 0 in B too
    a[2 * 3 + 2] = 1; // channel 2: A only
    const w = Float32Array.from({ length: 12 }, (_, i) => i - 5);
    const o = layerOverlap({ ...layer('conv1', 'conv', shape, a), weight: w }, { ...layer('conv1', 'conv', shape, b), weight: w }, true);
    expect(o).toMatchObject({ kind: 'conv', units: 3, aliveA: 2, aliveB: 1, aliveBoth: 1, unitCodes: [3, 0, 1], both: 0, signAgreement: null });
  });

  it('names the layer and both shapes when they differ', () => {
    expect(() => layerOverlap(layer('fc2', 'dense', [2, 3], new Uint8Array(6)), layer('fc2', 'dense', [3, 2], new Uint8Array(6)), false)).toThrow(
      /layer fc2: shapes differ, \[2,3\] in A and \[3,2\] in B/,
    );
    expect(() => layerOverlap(layer('fc2', 'dense', [2, 3], new Uint8Array(5)), layer('fc2', 'dense', [2, 3], new Uint8Array(6)), false)).toThrow(/fc2.*5 entries/);
  });
});

describe('maskOverlap', () => {
  it('adds the layers up to the overall statistics', () => {
    const A = [layer('fc1', 'dense', [2, 2], [1, 1, 0, 0], [1, -1, 1, 1]), layer('fc2', 'dense', [2, 1], [1, 1], [1, 1])];
    const B = [layer('fc1', 'dense', [2, 2], [1, 0, 1, 0], [2, 1, 1, 1]), layer('fc2', 'dense', [2, 1], [1, 1], [-1, 1])];
    const r = maskOverlap(A, B, true);
    expect(r.layers.map((l) => l.layer)).toEqual(['fc1', 'fc2']);
    expect(r.overall).toMatchObject({ size: 6, keptA: 4, keptB: 4, both: 3, union: 5, jaccard: 3 / 5, overlapCoefficient: 3 / 4 });
    expect(r.overall.signAgreement).toBeCloseTo(2 / 3, 12);
    expect(maskOverlap(A, B, false).overall.signAgreement).toBeNull();
  });

  it('computes chance per layer and sums it: independent masks of densities 5% / 90% / 50% give a ratio near 1', () => {
    // Pooling the layers into one density would give an expected Jaccard far below the observed one here (the 90%
    // layer's weights are mostly kept in both), so a ratio well above 1 for masks that share nothing but densities.
    const shapes: [string, number[], number][] = [
      ['fc1', [400, 300], 0.05],
      ['fc2', [300, 100], 0.9],
      ['fc3', [100, 50], 0.5],
    ];
    const ratios: number[] = [];
    const overlaps: number[] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      const rng = new Rng(seed);
      const make = () => shapes.map(([name, shape, d]) => layer(name, 'dense', shape, randomMask(shape[0]! * shape[1]!, d, rng)));
      const r = maskOverlap(make(), make(), false);
      // The chance level is Σ_l kA·kB / n_l, from each layer's own counts.
      const expBoth = r.layers.reduce((a, l) => a + (l.keptA * l.keptB) / l.size, 0);
      expect(r.overall.expectedBoth).toBeCloseTo(expBoth, 9);
      expect(r.overall.expectedJaccard).toBeCloseTo(expBoth / (r.overall.keptA + r.overall.keptB - expBoth), 12);
      expect(r.overall.expectedOverlapCoefficient).toBeCloseTo(expBoth / Math.min(r.overall.keptA, r.overall.keptB), 12);
      for (const l of r.layers) expect(l.expectedBoth).toBeCloseTo((l.keptA * l.keptB) / l.size, 9);
      ratios.push(r.overall.jaccardRatio!);
      overlaps.push(r.overall.overlapCoefficient! / r.overall.expectedOverlapCoefficient!);
      // What one pooled density would have said: clearly "more than chance".
      const pA = r.overall.keptA / r.overall.size;
      const pB = r.overall.keptB / r.overall.size;
      expect(r.overall.jaccard! / ((pA * pB) / (pA + pB - pA * pB))).toBeGreaterThan(1.2);
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(ratios)).toBeGreaterThan(0.95);
    expect(mean(ratios)).toBeLessThan(1.05);
    expect(mean(overlaps)).toBeGreaterThan(0.95);
    expect(mean(overlaps)).toBeLessThan(1.05);
  });

  it('gives Jaccard 1 for identical masks whatever the per-layer densities', () => {
    const rng = new Rng(9);
    const A = [layer('fc1', 'dense', [200, 100], randomMask(20_000, 0.05, rng)), layer('fc2', 'dense', [100, 10], randomMask(1000, 0.9, rng))];
    const r = maskOverlap(A, A, false);
    expect(r.overall.jaccard).toBe(1);
    expect(r.overall.overlapCoefficient).toBe(1);
    const k1 = r.layers[0]!.keptA;
    const k2 = r.layers[1]!.keptA;
    const e = (k1 * k1) / 20_000 + (k2 * k2) / 1000;
    expect(r.overall.expectedJaccard).toBeCloseTo(e / (2 * (k1 + k2) - e), 12);
    expect(r.overall.jaccardRatio).toBeCloseTo((2 * (k1 + k2) - e) / e, 9);
    expect(r.layers.every((l) => l.jaccard === 1)).toBe(true);
  });

  it('refuses masks of different architectures', () => {
    const A = [layer('fc1', 'dense', [2, 2], [1, 1, 0, 0])];
    expect(() => maskOverlap(A, [layer('fc1', 'dense', [2, 3], new Uint8Array(6))], false)).toThrow(/^masks have different architectures: /);
    expect(() => maskOverlap(A, [layer('conv1', 'conv', [1, 1, 2, 2], [1, 1, 0, 0])], false)).toThrow(/masks have different architectures: layer 1 is dense fc1/);
    expect(() => maskOverlap(A, [...A, ...A], false)).toThrow(/masks have different architectures: A has 1 prunable layers \(fc1\), B has 2/);
  });
});

describe('maskPixelCodes', () => {
  it('codes a window of the [fan-in, units] matrix and clamps it to the matrix', () => {
    // [in = 3, out = 4].
    const a = layer('fc1', 'dense', [3, 4], [1, 0, 1, 0, /**/ 0, 1, 1, 0, /**/ 1, 1, 0, 0]);
    const b = layer('fc1', 'dense', [3, 4], [1, 1, 0, 0, /**/ 0, 0, 1, 1, /**/ 0, 1, 0, 1]);
    expect([...maskPixelCodes(a, b, 0, 0, 3, 4)]).toEqual([3, 2, 1, 0, 0, 1, 3, 2, 1, 3, 0, 2]);
    expect([...maskPixelCodes(a, b, 1, 1, 2, 2)]).toEqual([1, 3, 3, 0]);
    // Rows 2.. and columns 2.. of a 10x10 request: clamped to 1 row x 2 columns.
    expect([...maskPixelCodes(a, b, 2, 2, 10, 10)]).toEqual([0, 2]);
    expect([...maskPixelCodes(a, b, 99, 99, 10, 10)]).toEqual([2]);
  });

  it('reads conv rows in (kh, kw, in) order', () => {
    const shape = [2, 2, 1, 2]; // 4 rows x 2 channels
    const a = layer('conv1', 'conv', shape, [0, 0, 0, 0, 0, 0, 1, 0]);
    const b = layer('conv1', 'conv', shape, [0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...maskPixelCodes(a, b, 3, 0, 1, 2)]).toEqual([1, 2]);
  });
});

describe('overlapMatrix', () => {
  it('is symmetric with a unit diagonal and matches the pairwise overlap', () => {
    const rng = new Rng(5);
    const states = [0.3, 0.5, 0.3, 0.8].map((d) => [
      layer('fc1', 'dense', [50, 20], randomMask(1000, d, rng)),
      layer('fc2', 'dense', [20, 10], randomMask(200, d, rng)),
    ]);
    const m = overlapMatrix(states);
    for (let i = 0; i < 4; i++) {
      expect(m.jaccard[i]![i]).toBe(1);
      for (let j = 0; j < 4; j++) {
        expect(m.jaccard[i]![j]).toBe(m.jaccard[j]![i]);
        expect(m.jaccardRatio[i]![j]).toBe(m.jaccardRatio[j]![i]);
        const r = maskOverlap(states[i]!, states[j]!, false);
        expect(m.jaccard[i]![j]).toBeCloseTo(r.overall.jaccard!, 12);
        expect(m.expectedJaccard[i]![j]).toBeCloseTo(r.overall.expectedJaccard!, 12);
        expect(m.layers[1]!.jaccard[i]![j]).toBeCloseTo(r.layers[1]!.jaccard!, 12);
      }
    }
    expect(m.layers.map((l) => l.layer)).toEqual(['fc1', 'fc2']);
  });

  it('uses the per-layer chance level too, on and off the diagonal', () => {
    const rng = new Rng(8);
    const states = [0, 1, 2, 3].map(() => [
      layer('fc1', 'dense', [300, 100], randomMask(30_000, 0.05, rng)),
      layer('fc2', 'dense', [100, 100], randomMask(10_000, 0.9, rng)),
      layer('fc3', 'dense', [100, 10], randomMask(1000, 0.5, rng)),
    ]);
    const m = overlapMatrix(states);
    const off: number[] = [];
    for (let i = 0; i < 4; i++) {
      expect(m.expectedJaccard[i]![i]).toBeCloseTo(maskOverlap(states[i]!, states[i]!, false).overall.expectedJaccard!, 12);
      for (let j = i + 1; j < 4; j++) off.push(m.jaccardRatio[i]![j]!);
    }
    const mean = off.reduce((a, b) => a + b, 0) / off.length;
    expect(mean).toBeGreaterThan(0.95);
    expect(mean).toBeLessThan(1.05);
  });

  it('gives null on the diagonal for an empty mask and refuses mixed architectures', () => {
    const m = overlapMatrix([[layer('fc1', 'dense', [2, 2], [0, 0, 0, 0])], [layer('fc1', 'dense', [2, 2], [1, 0, 0, 0])]]);
    expect(m.jaccard).toEqual([
      [null, 0],
      [0, 1],
    ]);
    expect(() => overlapMatrix([[layer('fc1', 'dense', [2, 2], [0, 0, 0, 0])], [layer('fc2', 'dense', [2, 2], [0, 0, 0, 0])]])).toThrow(
      /masks have different architectures: layer 1 is dense fc1 \[2,2\] in state 1 but dense fc2 \[2,2\] in state 2/,
    );
  });
});

describe('timing', () => {
  it('overlaps a Conv-6-sized pair quickly', () => {
    const rng = new Rng(1);
    const make = () => CONV6_SHAPES.map(([name, kind, shape]) => layer(name, kind, shape, randomMask(shape.reduce((p, d) => p * d, 1), 0.2, rng)));
    const A = make();
    const B = make();
    const size = A.reduce((s, l) => s + l.mask.length, 0);
    maskOverlap(A, B, false);
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      maskOverlap(A, B, false);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    console.log(`maskOverlap on Conv-6 (${size} weights): median ${times[2]!.toFixed(2)} ms over 5 runs`);
    expect(size).toBe(2_261_184);
  });
});
