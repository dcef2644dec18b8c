import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed, streamRng } from '../../src/main/engine/rng';

function draw(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.nextUint32());
}

describe('engine rng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    expect(draw(new Rng(42), 1000)).toEqual(draw(new Rng(42), 1000));
    expect(draw(new Rng(42), 100)).not.toEqual(draw(new Rng(43), 100));
    const a = new Rng(7);
    const b = new Rng(7);
    for (let i = 0; i < 100; i++) {
      expect(a.normal()).toBe(b.normal());
      expect(a.uniform()).toBe(b.uniform());
      expect(a.int(0, 17)).toBe(b.int(0, 17));
    }
  });

  it('keeps values in range', () => {
    const r = new Rng(1);
    for (let i = 0; i < 10000; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const k = r.int(-3, 4);
      expect(k >= -3 && k < 4 && Number.isInteger(k)).toBe(true);
      const x = r.nextUint32();
      expect(x >= 0 && x <= 0xffffffff && Number.isInteger(x)).toBe(true);
    }
    expect(() => r.int(3, 3)).toThrow(RangeError);
  });

  it('draws normals with the right mean and std, and uniform integers evenly', () => {
    const r = new Rng(2024);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    let beyond3 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal(1, 2);
      sum += z;
      sq += z * z;
      if (Math.abs(z - 1) > 6) beyond3++;
    }
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    expect(Math.abs(mean - 1)).toBeLessThan(0.02);
    expect(Math.abs(std - 2)).toBeLessThan(0.02);
    // P(|z| > 3) = 0.27%.
    expect(beyond3 / n).toBeGreaterThan(0.0015);
    expect(beyond3 / n).toBeLessThan(0.004);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[r.int(0, 10)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('derives independent streams from (seed, name)', () => {
    expect(deriveSeed(0, 'init/fc1')).toBe(deriveSeed(0, 'init/fc1'));
    expect(deriveSeed(0, 'init/fc1')).not.toBe(deriveSeed(0, 'init/fc2'));
    expect(deriveSeed(0, 'batches/round0')).not.toBe(deriveSeed(1, 'batches/round0'));
    expect(deriveSeed(0, 3)).not.toBe(deriveSeed(0, 4));
    const a = draw(streamRng(5, 'init'), 200);
    const b = draw(streamRng(5, 'batches'), 200);
    expect(a).not.toEqual(b);
    expect(a.filter((x, i) => x === b[i]).length).toBeLessThan(2);
    // Streams of neighbouring seeds do not overlap either.
    const c = new Set(draw(streamRng(6, 'init'), 1000));
    expect(a.filter((x) => c.has(x)).length).toBeLessThan(2);
  });

  it('shuffles into a permutation, reproducibly', () => {
    const p = streamRng(9, 'perm').permutation(1000);
    expect(Array.from(p)).toEqual(Array.from(streamRng(9, 'perm').permutation(1000)));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p.subarray(0, 20))).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    const arr = ['a', 'b', 'c', 'd', 'e'];
    const out = new Rng(3).shuffle(arr);
    expect(out).toBe(arr);
    expect([...out].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
