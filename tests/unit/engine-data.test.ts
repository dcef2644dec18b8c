import { describe, expect, it } from 'vitest';
import { loadDataset, meanStd } from '../../src/main/engine/data/index';
import { NUM_CLASSES, PIXELS, generateSyntheticMnist, generateSyntheticMnistSplit } from '../../src/main/engine/data/synthetic';

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('synthetic-mnist', () => {
  it('is the same bytes every time it is generated', () => {
    const a = generateSyntheticMnist({ train: 500, test: 200 });
    const b = generateSyntheticMnist({ train: 500, test: 200 });
    expect(sameBytes(a.train.x, b.train.x)).toBe(true);
    expect(sameBytes(a.train.y, b.train.y)).toBe(true);
    expect(sameBytes(a.test.x, b.test.x)).toBe(true);
    expect(a.train.x.length).toBe(500 * PIXELS);
    // Train and test come from different streams.
    expect(sameBytes(a.train.x.subarray(0, 200 * PIXELS), a.test.x)).toBe(false);
    // The test split does not depend on the size of the training set.
    const c = generateSyntheticMnistSplit(200, 'test');
    expect(sameBytes(c.x, a.test.x)).toBe(true);
  });

  it('has balanced labels, pixel values in [0, 1] and distinct classes', () => {
    const { x, y, n } = generateSyntheticMnistSplit(1000, 'train');
    const counts = new Array<number>(NUM_CLASSES).fill(0);
    for (const c of y) counts[c]!++;
    expect(counts).toEqual(new Array<number>(NUM_CLASSES).fill(100));
    let min = Infinity;
    let max = -Infinity;
    for (const v of x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    // Class means differ clearly from each other (the classes are learnable).
    const means = Array.from({ length: NUM_CLASSES }, () => new Float64Array(PIXELS));
    for (let i = 0; i < n; i++) for (let p = 0; p < PIXELS; p++) means[y[i]!]![p]! += x[i * PIXELS + p]! / 100;
    for (let a = 0; a < NUM_CLASSES; a++) {
      for (let b = a + 1; b < NUM_CLASSES; b++) {
        let d = 0;
        for (let p = 0; p < PIXELS; p++) d += (means[a]![p]! - means[b]![p]!) ** 2;
        expect(Math.sqrt(d)).toBeGreaterThan(1);
      }
    }
  });

  it('holds out a fixed validation split and normalises with train-split constants', () => {
    const cfg = { dataset: 'synthetic-mnist' as const, validation: 300, synthetic: { train: 1300, test: 400 } };
    const d = loadDataset(cfg);
    expect(d.train.n).toBe(1000);
    expect(d.validation.n).toBe(300);
    expect(d.test.n).toBe(400);
    expect(d.inputShape).toEqual([28, 28, 1]);
    const { mean, std } = d.normalisation;
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(1);
    expect(std).toBeGreaterThan(0);
    // Normalised train split: mean 0, std 1.
    const s = meanStd(d.train.x);
    expect(Math.abs(s.mean)).toBeLessThan(1e-4);
    expect(Math.abs(s.std - 1)).toBeLessThan(1e-4);
    // The raw test split, normalised with the train constants, is what the data set holds.
    const raw = generateSyntheticMnistSplit(400, 'test');
    expect(d.test.x[1234]).toBeCloseTo((raw.x[1234]! - mean) / std, 5);
    // Same config, fresh build: identical hold-out (different object, same bytes).
    const again = loadDataset({ ...cfg, validation: 299 });
    const back = loadDataset({ ...cfg, validation: 300 });
    expect(again.validation.n).toBe(299);
    expect(sameBytes(back.validation.x, d.validation.x)).toBe(true);
    expect(sameBytes(back.train.y, d.train.y)).toBe(true);
    expect(() => loadDataset({ ...cfg, validation: 1300 })).toThrow(/validation/);
  });
});
