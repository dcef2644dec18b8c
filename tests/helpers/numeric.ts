// Numeric helpers for the engine tests: seeded normal draws and a comparison relative to the expected values' scale.
import { expect } from 'vitest';
import { Rng } from '../../src/main/engine/rng';

/** `n` standard normal draws from the engine's seeded generator. */
export function randn(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** The number of elements of a tensor of shape `s`. */
export const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The largest difference is at most `rel` times the largest expected magnitude (which must not be zero). */
export function expectClose(actual: Float32Array, expected: Float32Array, what: string, rel = 1e-4): void {
  expect(actual.length, what).toBe(expected.length);
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(expected[i]!));
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
  }
  expect(maxAbs, what).toBeGreaterThan(0);
  expect(maxDiff / maxAbs, what).toBeLessThanOrEqual(rel);
}
