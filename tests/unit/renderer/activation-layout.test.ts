// Where the activation-map grid puts its tiles (charts/activation-layout.ts): every image of every section once, in
// rows per state, inside the width, never overlapping, with one colour scale per state or one for all.
import { describe, expect, it } from 'vitest';
import type { ActivationsResult, StateActivations } from '../../../src/shared/analysis';
import { layoutGrid, NEAR_ZERO, nearZeroGradcam } from '../../../src/renderer/src/charts/activation-layout';
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

  it('gives Grad-CAM its own colour scale mode', () => {
    const r = result(4, 4);
    const camMax = (mode: 'shared' | 'per-state', cam: 'shared' | 'per-state', si: number) => layoutGrid(r, 1200, mode, cam).tiles.find((t) => t.section === 'gradcam' && t.si === si)!.scale.max;
    // Grad-CAM maps are (v/10)·(1..16): 1.6 and 6.4.
    expect([camMax('shared', 'per-state', 0), camMax('shared', 'per-state', 1)]).toEqual([1.6, 6.4]);
    expect([camMax('per-state', 'shared', 0), camMax('per-state', 'shared', 1)]).toEqual([6.4, 6.4]);
    // Without a Grad-CAM mode it follows the activations'.
    expect(camMax('per-state', 'per-state', 0)).toBe(layoutGrid(r, 1200, 'per-state').tiles.find((t) => t.section === 'gradcam' && t.si === 0)!.scale.max);
  });

  it('says which Grad-CAM rows are near zero on the shared scale (at init: black tiles)', () => {
    const r = result(4, 4);
    expect(nearZeroGradcam(r)).toEqual([]);
    // State 0 at 1e-4 of state 1's scale, as Grad-CAM at init against trained.
    const init = { ...r.states[0]!, gradcam: { ...r.states[0]!.gradcam, maps: r.states[0]!.gradcam.maps.map((m) => m.map((v) => v * 1e-4)), mean: r.states[0]!.gradcam.mean.map((v) => v * 1e-4) } };
    const r2 = { ...r, states: [init, r.states[1]!] };
    const near = nearZeroGradcam(r2);
    expect(near.map((n) => n.si)).toEqual([0]);
    expect(near[0]!.max).toBeCloseTo(1.6e-4, 12);
    expect(near[0]!.sharedMax).toBeCloseTo(6.4, 12);
    expect(near[0]!.max / near[0]!.sharedMax).toBeLessThan(NEAR_ZERO);
    const texts = (cam: 'shared' | 'per-state') => layoutGrid(r2, 1200, 'shared', cam).texts.filter((t) => t.colour === 'warn').map((t) => t.text);
    expect(texts('shared')).toEqual(['near zero: 1/40000', 'of the shared scale']);
    expect(texts('per-state')).toEqual([]);
  });

  it('top images: the class name and the activation on two caption lines, the lines of tiles spaced for both', () => {
    const r = { ...result(4, 16), classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] };
    const L = layoutGrid(r, 600, 'shared');
    const top = L.tiles.filter((t) => t.section === 'top' && t.si === 0);
    expect(top.map((t) => t.caption)).toEqual(top.map((t) => r.classNames[t.label!]));
    expect(top[1]!.caption).toBe('automobile');
    expect(top.every((t) => t.caption2 !== null && /^[\d.e-]+$/.test(t.caption2))).toBe(true);
    const ys = [...new Set(top.map((t) => t.y))].sort((a, b) => a - b);
    expect(ys.length).toBeGreaterThan(1);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(top[0]!.size + 2 * 13);
    // Other sections keep one caption line.
    expect(L.tiles.filter((t) => t.section !== 'top').every((t) => t.caption2 === null)).toBe(true);
  });
});
