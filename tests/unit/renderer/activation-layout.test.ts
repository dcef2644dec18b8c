// Where the activation-map grid puts its tiles (charts/activation-layout.ts): every image of every section once, in
// rows per state, inside the width, never overlapping, with one colour scale per state or one for all.
import { describe, expect, it } from 'vitest';
import type { ActivationsResult, StateActivations } from '../../../src/shared/analysis';
import { layoutGrid } from '../../../src/renderer/src/charts/activation-layout';
import { stateInfo } from './fixtures';

const map = (v: number) => Array.from({ length: 16 }, (_, i) => v * (i + 1));

function state(ref: string, scale: number, n: number, top: number): StateActivations {
  const [runId, round, which] = ref.split(':') as [string, string, 'trained'];
  return {
    state: stateInfo(runId, Number(round), which),
    classImages: Array.from({ length: n }, (_, k) => ({ index: k, activation: scale * k, map: map(scale) })),
    top: Array.from({ length: top }, (_, k) => ({ index: 100 + k, activation: scale * (top - k), map: map(scale) })),
    meanMap: map(scale / 2),
    meanClass: scale,
    meanOther: scale / 2,
    gradcam: { method: 'grad-cam', layer: 'conv2', shape: [4, 4], maps: Array.from({ length: n }, () => map(scale / 10)), mean: map(scale / 20) },
  };
}

function result(n: number, top: number): ActivationsResult {
  return {
    class: { index: 5, name: 'dog' },
    layer: 'conv2',
    unit: 3,
    mapShape: [4, 4],
    imageShape: [28, 28, 1],
    classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
    images: [...Array.from({ length: n }, (_, k) => ({ index: k, label: 5, pixels: '' })), ...Array.from({ length: top }, (_, k) => ({ index: 100 + k, label: k % 10, pixels: '' }))],
    classImages: Array.from({ length: n }, (_, k) => k),
    states: [state('r1:0:init', 1, n, top), state('r1:1:trained', 4, n, top)],
    meta: { kind: 'activations', key: 'k', cached: false, computeMs: 1, computedAt: '2026-01-01T00:00:00Z', version: 1 },
  };
}

const overlaps = (a: { x: number; y: number; size: number }, b: { x: number; y: number; size: number }) =>
  a.x < b.x + b.size && b.x < a.x + a.size && a.y < b.y + b.size && b.y < a.y + a.size;

describe('layoutGrid', () => {
  for (const [n, top, width] of [
    [16, 16, 1200],
    [16, 8, 600],
    [3, 2, 1200],
  ] as const) {
    it(`places ${n} class images and ${top} top images per state at width ${width}`, () => {
      const L = layoutGrid(result(n, top), width, 'shared');
      const count = (section: string, si: number) => L.tiles.filter((t) => t.section === section && t.si === si).length;
      for (const si of [0, 1]) {
        expect(count('class', si)).toBe(n + 1);
        expect(count('gradcam', si)).toBe(n + 1);
        expect(count('top', si)).toBe(top);
      }
      for (const t of L.tiles) expect(t.x + t.size).toBeLessThanOrEqual(width);
      for (let i = 0; i < L.tiles.length; i++) for (let j = i + 1; j < L.tiles.length; j++) expect(overlaps(L.tiles[i]!, L.tiles[j]!)).toBe(false);
      expect(Math.max(...L.tiles.map((t) => t.y + t.size))).toBeLessThan(L.height);
      // Sections go down the page: class maps, then Grad-CAM, then top images.
      const firstY = (section: string) => Math.min(...L.tiles.filter((t) => t.section === section).map((t) => t.y));
      expect(firstY('class')).toBeLessThan(firstY('gradcam'));
      expect(firstY('gradcam')).toBeLessThan(firstY('top'));
    });
  }

  it('shares one colour scale, or gives each state its own', () => {
    const r = result(4, 4);
    const classMax = (mode: 'shared' | 'per-state', si: number) => L(mode).tiles.find((t) => t.section === 'class' && t.si === si)!.scale.max;
    const L = (mode: 'shared' | 'per-state') => layoutGrid(r, 1200, mode);
    // Maps are v·(1..16): state 0 reaches 16, state 1 reaches 64.
    expect([classMax('shared', 0), classMax('shared', 1)]).toEqual([64, 64]);
    expect([classMax('per-state', 0), classMax('per-state', 1)]).toEqual([16, 64]);
  });
});
